using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Endpoints.Scoring;

namespace AzureMlSdk.Backends.Local.Endpoints;

/// <summary>
/// Batch endpoints of the local workspace: a job is a run (experiment = endpoint name) that scores the input files in
/// mini-batches with bounded parallelism and uploads <c>outputs/&lt;predictions&gt;</c> and <c>outputs/errors.jsonl</c>.
/// A mini-batch whose call fails is retried row by row, so a failure is pinned on the rows that cause it.
/// </summary>
internal sealed class LocalBatchScoring
{
    private readonly Dictionary<string, (BatchEndpointData Data, Dictionary<string, BatchDeploymentSpec> Deployments)> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private readonly IModelRegistry _models;
    private readonly ITrackingStore _tracking;
    private readonly IArtifactStore _artifacts;
    private readonly string _root;
    private readonly TimeProvider _time;

    public LocalBatchScoring(IModelRegistry models, ITrackingStore tracking, IArtifactStore artifacts, string root, TimeProvider time)
    {
        _models = models;
        _tracking = tracking;
        _artifacts = artifacts;
        _root = root;
        _time = time;
    }

    public BatchEndpointData CreateOrUpdate(BatchEndpointSpec spec)
    {
        lock (_lock)
        {
            if (_endpoints.TryGetValue(spec.Name, out var existing))
            {
                var updated = existing.Data with { Description = spec.Description ?? existing.Data.Description };
                _endpoints[spec.Name] = (updated, existing.Deployments);
                return updated;
            }
            var data = new BatchEndpointData(spec.Name, spec.Description, null, []);
            _endpoints[spec.Name] = (data, new Dictionary<string, BatchDeploymentSpec>(StringComparer.OrdinalIgnoreCase));
            return data;
        }
    }

    public BatchEndpointData Get(string name)
    {
        lock (_lock)
        {
            return Find(name).Data;
        }
    }

    public void Delete(string name)
    {
        lock (_lock)
        {
            Find(name);
            _endpoints.Remove(name);
        }
    }

    public BatchEndpointData Deploy(string endpointName, BatchDeploymentSpec spec, bool makeDefault)
    {
        lock (_lock)
        {
            var (data, deployments) = Find(endpointName);
            deployments[spec.Name] = spec;
            var updated = data with
            {
                DefaultDeployment = makeDefault || data.DefaultDeployment is null ? spec.Name : data.DefaultDeployment,
                Deployments = deployments.Keys.Order(StringComparer.Ordinal).ToList(),
            };
            _endpoints[endpointName] = (updated, deployments);
            return updated;
        }
    }

    private (BatchEndpointData Data, Dictionary<string, BatchDeploymentSpec> Deployments) Find(string name) =>
        _endpoints.TryGetValue(name, out var endpoint) ? endpoint
            : throw new ResourceNotFoundException($"Batch endpoint '{name}' does not exist in the local workspace.");

    public async Task<BatchScoringResult> InvokeAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        BatchDeploymentSpec spec;
        lock (_lock)
        {
            var (data, deployments) = Find(endpointName);
            var name = deploymentName ?? data.DefaultDeployment
                ?? throw new InvalidStateException($"Batch endpoint '{endpointName}' has no deployment yet; deploy one first.");
            spec = deployments.TryGetValue(name, out var found) ? found
                : throw new ResourceNotFoundException($"Batch endpoint '{endpointName}' has no deployment '{name}'; it has: {(deployments.Count == 0 ? "none" : string.Join(", ", deployments.Keys))}.");
        }
        var files = InputFiles(inputPath);

        // The job's run, in an experiment named after the endpoint (as Azure ML does).
        var experiment = await _tracking.GetExperimentByNameAsync(endpointName, cancellationToken).ConfigureAwait(false);
        if (experiment is null)
        {
            try
            {
                experiment = await _tracking.CreateExperimentAsync(endpointName, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceExistsException)
            {
                experiment = await _tracking.GetExperimentByNameAsync(endpointName, cancellationToken).ConfigureAwait(false)
                    ?? throw new ResourceNotFoundException($"Experiment '{endpointName}' vanished while being created.");
            }
        }
        var tags = new Dictionary<string, string>
        {
            ["azureml.batch_endpoint"] = endpointName,
            ["azureml.batch_deployment"] = spec.Name,
            ["azureml.model"] = $"{spec.ModelName}:{spec.ModelVersion}",
        };
        var run = await _tracking.CreateRunAsync(new NewRun(experiment.ExperimentId, $"{endpointName}-{spec.Name}", _time.GetUtcNow(), Tags: tags), cancellationToken).ConfigureAwait(false);

        var modelDirectory = Path.Combine(_root, $"batch.{endpointName}.{spec.Name}.{Guid.NewGuid():N}");
        IScorer? scorer = null;
        var status = RunStatus.Failed;
        try
        {
            await _models.DownloadAsync(spec.ModelName, spec.ModelVersion, modelDirectory, null, cancellationToken).ConfigureAwait(false);
            scorer = spec.Scorer?.Invoke() ?? (OnnxScorer.FindModelFile(modelDirectory) is not null ? new OnnxScorer()
                : throw new InvalidInputException($"Model {spec.ModelName}:{spec.ModelVersion} has no single .onnx file, so batch deployment '{spec.Name}' needs a custom scorer.", nameof(spec.Scorer)));
            var log = new DeploymentLog(_time);
            await scorer.InitAsync(new ScorerContext(modelDirectory, endpointName, spec.Name, new Dictionary<string, string> { ["AZUREML_MODEL_DIR"] = modelDirectory }, log), cancellationToken).ConfigureAwait(false);

            var batches = new List<MiniBatch>();
            foreach (var file in files)
            {
                batches.AddRange(await ReadAsync(file, inputPath, spec.MiniBatchSize, cancellationToken).ConfigureAwait(false));
            }
            long scored = 0, failed = 0;
            var done = 0;
            progress?.Report(new BatchScoringProgress(0, batches.Count, 0, 0));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = spec.MaxConcurrency, CancellationToken = cancellationToken }, async (batch, ct) =>
            {
                await ScoreAsync(scorer, batch, ct).ConfigureAwait(false);
                Interlocked.Add(ref scored, batch.Rows.Count(r => r.Error is null && r.Prediction is not null));
                Interlocked.Add(ref failed, batch.Rows.Count(r => r.Error is not null));
                progress?.Report(new BatchScoringProgress(Interlocked.Increment(ref done), batches.Count, Volatile.Read(ref scored), Volatile.Read(ref failed)));
            }).ConfigureAwait(false);

            var predictions = "outputs/" + spec.OutputFileName;
            var errors = "outputs/" + BatchScoringResult.ErrorsFileName;
            await UploadAsync(run.RunId, predictions, batches.SelectMany(b => b.Rows).Where(r => r.Error is null), r => Line(r, "prediction", r.Prediction!.Value), cancellationToken).ConfigureAwait(false);
            await UploadAsync(run.RunId, errors, batches.SelectMany(b => b.Rows).Where(r => r.Error is not null), r => Line(r, "error", JsonSerializer.SerializeToElement(r.Error)), cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await _tracking.LogBatchAsync(run.RunId, LogBatch.OfMetrics(
            [
                new MetricPoint("rows_scored", scored, 0, now),
                new MetricPoint("rows_failed", failed, 0, now),
                new MetricPoint("files", files.Count, 0, now),
                new MetricPoint("mini_batches", batches.Count, 0, now),
            ]), cancellationToken).ConfigureAwait(false);
            status = spec.ErrorThreshold >= 0 && failed > spec.ErrorThreshold ? RunStatus.Failed : RunStatus.Completed;
            return new BatchScoringResult(run.RunId, endpointName, status, files.Count, scored, failed, predictions, errors);
        }
        catch (OperationCanceledException)
        {
            status = RunStatus.Canceled;
            throw;
        }
        finally
        {
            await _tracking.UpdateRunAsync(run.RunId, new RunUpdate(status, _time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
            switch (scorer)
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
            try
            {
                Directory.Delete(modelDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The .csv and .jsonl files a batch job reads from <paramref name="inputPath"/> (a file or a folder), in ordinal order.</summary>
    internal static List<string> InputFiles(string inputPath)
    {
        string[] files;
        if (File.Exists(inputPath))
        {
            files = [inputPath];
        }
        else if (Directory.Exists(inputPath))
        {
            files = Directory.GetFiles(inputPath, "*", SearchOption.AllDirectories);
        }
        else
        {
            throw new InvalidInputException($"Batch input '{inputPath}' is neither a file nor a folder.", nameof(inputPath));
        }
        var inputs = files.Where(f => Path.GetExtension(f).ToLowerInvariant() is ".csv" or ".jsonl").Order(StringComparer.Ordinal).ToList();
        return inputs.Count > 0 ? inputs
            : throw new InvalidInputException($"Batch input '{inputPath}' holds no .csv or .jsonl file.", nameof(inputPath));
    }

    /// <summary>Reads a file into mini-batches; a line that cannot be read becomes a failed row (not a failed job).</summary>
    private static async Task<List<MiniBatch>> ReadAsync(string file, string inputPath, int size, CancellationToken cancellationToken)
    {
        var name = Directory.Exists(inputPath) ? Path.GetRelativePath(inputPath, file).Replace('\\', '/') : Path.GetFileName(file);
        var lines = await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false);
        var rows = new List<Row>();
        if (Path.GetExtension(file).Equals(".csv", StringComparison.OrdinalIgnoreCase))
        {
            var header = lines.Length > 0 ? SplitCsv(lines[0]) : [];
            for (var i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }
                var cells = SplitCsv(lines[i]);
                var row = new Row(name, i, header);
                if (cells.Count != header.Count)
                {
                    row.Error = $"Line {i + 1} has {cells.Count} values for {header.Count} columns.";
                }
                else
                {
                    row.Values = cells.Select(Cell).ToArray();
                }
                rows.Add(row);
            }
        }
        else
        {
            for (var i = 0; i < lines.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                {
                    continue;
                }
                try
                {
                    using var document = JsonDocument.Parse(lines[i]);
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        rows.Add(new Row(name, i + 1, []) { Error = $"Line {i + 1} is not a JSON object." });
                        continue;
                    }
                    var properties = document.RootElement.EnumerateObject().ToList();
                    rows.Add(new Row(name, i + 1, properties.Select(p => p.Name).ToList()) { Values = properties.Select(p => (object?)p.Value.Clone()).ToArray() });
                }
                catch (JsonException ex)
                {
                    rows.Add(new Row(name, i + 1, []) { Error = $"Line {i + 1} is not valid JSON: {ex.Message}" });
                }
            }
        }
        return rows.Chunk(size).Select(chunk => new MiniBatch(chunk)).ToList();
    }

    private static object? Cell(string cell) =>
        cell.Length == 0 ? null
        : double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number
        : cell;

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        cells.Add(current.ToString().Trim());
        return cells;
    }

    /// <summary>Scores a mini-batch in one call; when that call fails, scores its rows one by one so each failure is the row's own.</summary>
    private static async Task ScoreAsync(IScorer scorer, MiniBatch batch, CancellationToken cancellationToken)
    {
        var pending = batch.Rows.Where(r => r.Error is null).ToList();
        if (pending.Count == 0)
        {
            return;
        }
        try
        {
            var predictions = await CallAsync(scorer, pending, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < pending.Count; i++)
            {
                pending[i].Prediction = predictions[i];
            }
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && pending.Count == 1)
        {
            pending[0].Error = ex.Message;
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Fall through: find the failing rows one by one.
        }
        foreach (var row in pending)
        {
            try
            {
                row.Prediction = (await CallAsync(scorer, [row], cancellationToken).ConfigureAwait(false))[0];
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                row.Error = ex.Message;
            }
        }
    }

    private static async Task<JsonElement[]> CallAsync(IScorer scorer, List<Row> rows, CancellationToken cancellationToken)
    {
        var columns = rows.SelectMany(r => r.Columns).Distinct(StringComparer.Ordinal).ToList();
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("input_data");
            writer.WriteStartArray("columns");
            foreach (var column in columns)
            {
                writer.WriteStringValue(column);
            }
            writer.WriteEndArray();
            writer.WriteStartArray("data");
            foreach (var row in rows)
            {
                writer.WriteStartArray();
                foreach (var column in columns)
                {
                    var index = row.Columns.IndexOf(column);
                    WriteCell(writer, index < 0 ? null : row.Values![index]);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        var reply = await scorer.RunAsync(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(reply);
        if (!document.RootElement.TryGetProperty("predictions", out var predictions))
        {
            throw new InvalidStateException($"The scorer's reply has no 'predictions': {Validate.Shorten(reply)}");
        }
        if (predictions.ValueKind == JsonValueKind.Array && predictions.GetArrayLength() == rows.Count)
        {
            return predictions.EnumerateArray().Select(p => p.Clone()).ToArray();
        }
        if (predictions.ValueKind == JsonValueKind.Object && predictions.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == rows.Count))
        {
            // Several outputs: one object per row, output name → that row's value.
            return Enumerable.Range(0, rows.Count).Select(i =>
            {
                var row = new Dictionary<string, JsonElement>();
                foreach (var output in predictions.EnumerateObject())
                {
                    row[output.Name] = output.Value[i].Clone();
                }
                return JsonSerializer.SerializeToElement(row);
            }).ToArray();
        }
        throw new InvalidStateException($"The scorer answered {(predictions.ValueKind == JsonValueKind.Array ? predictions.GetArrayLength().ToString(CultureInfo.InvariantCulture) : "no array of")} predictions for {rows.Count} rows.");
    }

    private static void WriteCell(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case double d: writer.WriteNumberValue(d); break;
            case string s: writer.WriteStringValue(s); break;
            case JsonElement e: e.WriteTo(writer); break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
    }

    private async Task UploadAsync(string runId, string artifactPath, IEnumerable<Row> rows, Func<Row, byte[]> line, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream();
        foreach (var row in rows)
        {
            content.Write(line(row));
            content.WriteByte((byte)'\n');
        }
        content.Position = 0;
        await _artifacts.UploadAsync(runId, artifactPath, content, null, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Line(Row row, string name, JsonElement value)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("file", row.File);
            writer.WriteNumber("row", row.Number);
            writer.WritePropertyName(name);
            value.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private sealed record MiniBatch(Row[] Rows);

    /// <summary>One input row: where it came from (file, 1-based data row / line), its values, and then its outcome.</summary>
    private sealed class Row(string file, int number, List<string> columns)
    {
        public string File { get; } = file;

        public int Number { get; } = number;

        public List<string> Columns { get; } = columns;

        public object?[]? Values { get; set; }

        public JsonElement? Prediction { get; set; }

        public string? Error { get; set; }
    }
}
