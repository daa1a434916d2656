using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Serving.Local;
using AzureMlSdk.Serving.Scoring;

namespace AzureMlSdk.Serving.Batch;

/// <summary>
/// The scoring half of a batch job, shared by every host of batch deployments (the local workspace, the Emulator): fetches
/// the model version, starts its scorer (ONNX Runtime, or the deployment's custom scorer), cuts the <c>.csv</c> / <c>.jsonl</c>
/// files into mini-batches of <see cref="BatchDeploymentSpec.MiniBatchSize"/> rows, scores them <see cref="BatchDeploymentSpec.MaxConcurrency"/>
/// at a time, and retries a failing mini-batch row by row so a failure is pinned on the rows that cause it. Where the outputs go
/// (run artifacts, datastore blobs) and how the job is recorded is the caller's business.
/// </summary>
internal static class BatchFileScoring
{
    /// <summary>
    /// Scores <paramref name="files"/> (found under <paramref name="inputPath"/>, a file or a folder; rows are named by their path
    /// relative to it) with <paramref name="spec"/>'s model, copied into a folder of its own under <paramref name="workRoot"/> and
    /// deleted afterwards. Reports after each mini-batch. Cancellation stops the scoring and throws.
    /// </summary>
    public static async Task<BatchScoringOutcome> ScoreAsync(IModelRegistry models, BatchDeploymentSpec spec, string endpointName, string inputPath, IReadOnlyList<string> files,
        string workRoot, TimeProvider time, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        var modelDirectory = Path.Combine(workRoot, $"batch.{endpointName}.{spec.Name}.{Guid.NewGuid():N}");
        IScorer? scorer = null;
        try
        {
            await models.DownloadAsync(spec.ModelName, spec.ModelVersion, modelDirectory, null, cancellationToken).ConfigureAwait(false);
            scorer = spec.Scorer?.Invoke() ?? (OnnxScorer.FindModelFile(modelDirectory) is not null ? new OnnxScorer()
                : throw new InvalidInputException($"Model {spec.ModelName}:{spec.ModelVersion} has no single .onnx file, so batch deployment '{spec.Name}' needs a custom scorer.", nameof(spec.Scorer)));
            var log = new DeploymentLog(time);
            await scorer.InitAsync(new ScorerContext(modelDirectory, endpointName, spec.Name, new Dictionary<string, string> { ["AZUREML_MODEL_DIR"] = modelDirectory }, log), cancellationToken).ConfigureAwait(false);

            var batches = new List<MiniBatch>();
            foreach (var file in files)
            {
                batches.AddRange(await ReadAsync(file, inputPath, spec.MiniBatchSize, cancellationToken).ConfigureAwait(false));
            }
            long scored = 0, failed = 0;
            var done = 0;
            var reportLock = new Lock();
            progress?.Report(new BatchScoringProgress(0, batches.Count, 0, 0));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = spec.MaxConcurrency, CancellationToken = cancellationToken }, async (batch, ct) =>
            {
                await ScoreAsync(scorer, batch, ct).ConfigureAwait(false);
                // Counted and reported under one lock, so reports arrive in order: mini-batches done and rows only ever grow.
                lock (reportLock)
                {
                    scored += batch.Rows.Count(r => r.Error is null && r.Prediction is not null);
                    failed += batch.Rows.Count(r => r.Error is not null);
                    progress?.Report(new BatchScoringProgress(++done, batches.Count, scored, failed));
                }
            }).ConfigureAwait(false);
            return new BatchScoringOutcome(files.Count, batches, scored, failed);
        }
        finally
        {
            switch (scorer)
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
            try
            {
                if (Directory.Exists(modelDirectory))
                {
                    Directory.Delete(modelDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The .csv and .jsonl files a batch job reads from <paramref name="inputPath"/> (a file or a folder), in ordinal order.</summary>
    internal static List<string> InputFiles(string inputPath) => BatchInputs.InputFiles(inputPath);

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

    /// <summary>One line of an output file: <c>{"file", "row", "&lt;name&gt;": value}</c>.</summary>
    internal static byte[] Line(Row row, string name, JsonElement value)
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

    internal sealed record MiniBatch(Row[] Rows);

    /// <summary>One input row: where it came from (file, 1-based data row / line), its values, and then its outcome.</summary>
    internal sealed class Row(string file, int number, List<string> columns)
    {
        public string File { get; } = file;

        public int Number { get; } = number;

        public List<string> Columns { get; } = columns;

        public object?[]? Values { get; set; }

        public JsonElement? Prediction { get; set; }

        public string? Error { get; set; }
    }
}

/// <summary>
/// What a batch job's scoring produced: counts, and every row in input order with its prediction or its error, to be written as
/// the predictions file (<c>{"file","row","prediction"}</c> lines) and the errors file (<c>{"file","row","error"}</c> lines).
/// </summary>
internal sealed class BatchScoringOutcome
{
    private readonly List<BatchFileScoring.MiniBatch> _batches;

    internal BatchScoringOutcome(int files, List<BatchFileScoring.MiniBatch> batches, long scored, long failed)
    {
        Files = files;
        _batches = batches;
        RowsScored = scored;
        RowsFailed = failed;
    }

    /// <summary>Input files read.</summary>
    public int Files { get; }

    /// <summary>Mini-batches scored.</summary>
    public int MiniBatches => _batches.Count;

    /// <summary>Rows with a prediction.</summary>
    public long RowsScored { get; }

    /// <summary>Rows without one.</summary>
    public long RowsFailed { get; }

    /// <summary>True when more rows failed than <paramref name="errorThreshold"/> allows (-1 allows any number).</summary>
    public bool Exceeds(int errorThreshold) => errorThreshold >= 0 && RowsFailed > errorThreshold;

    /// <summary>The job run's metrics (<c>rows_scored</c>, <c>rows_failed</c>, <c>files</c>, <c>mini_batches</c>).</summary>
    public IReadOnlyList<MetricPoint> Metrics(DateTimeOffset now) =>
    [
        new MetricPoint("rows_scored", RowsScored, 0, now),
        new MetricPoint("rows_failed", RowsFailed, 0, now),
        new MetricPoint("files", Files, 0, now),
        new MetricPoint("mini_batches", MiniBatches, 0, now),
    ];

    /// <summary>The predictions file: one JSON line per scored row, in input order.</summary>
    public MemoryStream Predictions() => Lines(_batches.SelectMany(b => b.Rows).Where(r => r.Error is null && r.Prediction is not null), r => BatchFileScoring.Line(r, "prediction", r.Prediction!.Value));

    /// <summary>The errors file: one JSON line per failed row, in input order.</summary>
    public MemoryStream Errors() => Lines(_batches.SelectMany(b => b.Rows).Where(r => r.Error is not null), r => BatchFileScoring.Line(r, "error", JsonSerializer.SerializeToElement(r.Error)));

    private static MemoryStream Lines(IEnumerable<BatchFileScoring.Row> rows, Func<BatchFileScoring.Row, byte[]> line)
    {
        var content = new MemoryStream();
        foreach (var row in rows)
        {
            content.Write(line(row));
            content.WriteByte((byte)'\n');
        }
        content.Position = 0;
        return content;
    }
}
