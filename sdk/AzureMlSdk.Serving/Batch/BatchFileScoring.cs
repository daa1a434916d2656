using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Serving.Local;
using AzureMlSdk.Serving.Scoring;
using AzureMlSdk.Tabular;

namespace AzureMlSdk.Serving.Batch;

/// <summary>
/// The scoring half of a batch job, shared by every host of batch deployments (the local workspace, the Emulator): fetches
/// the model version, starts its scorer (ONNX Runtime, or the deployment's custom scorer), cuts the <c>.csv</c> / <c>.jsonl</c> /
/// <c>.parquet</c> files into mini-batches of <see cref="BatchDeploymentSpec.MiniBatchSize"/> rows, scores them <see cref="BatchDeploymentSpec.MaxConcurrency"/>
/// at a time, and retries a failing mini-batch row by row so a failure is pinned on the rows that cause it. Where the outputs go
/// (run artifacts, datastore blobs) and how the job is recorded is the caller's business.
/// </summary>
internal static class BatchFileScoring
{
    /// <summary>
    /// Scores <paramref name="files"/> (<see cref="BatchInputs.Resolve"/>: rows are named by their file's <see cref="BatchInputFile.Name"/>) with <paramref name="spec"/>'s model, copied into a folder of its own under <paramref name="workRoot"/> and
    /// deleted afterwards. Reports after each mini-batch. Cancellation stops the scoring and throws.
    /// </summary>
    public static async Task<BatchScoringOutcome> ScoreAsync(IModelRegistry models, BatchDeploymentSpec spec, string endpointName, IReadOnlyList<BatchInputFile> files,
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

            // A model whose inputs are columns (AutoML's, ML.NET's) takes the files' columns by name, each value converted to its input's type.
            var onnx = scorer as OnnxScorer;
            var binding = onnx is null ? null : ColumnBinding.TryCreate(onnx);
            var bindAll = onnx?.AutoML is not null;
            var batches = new List<MiniBatch>();
            foreach (var file in files)
            {
                var (header, fileBatches) = await ReadAsync(file, spec.MiniBatchSize, cancellationToken).ConfigureAwait(false);
                if (binding is not null && header is not null && (bindAll || binding.AppliesTo(header)) && binding.MissingColumn(header) is { } missing)
                {
                    throw new InvalidInputException(
                        $"Batch input '{file.Name}' has no column '{missing}', which model {spec.ModelName}:{spec.ModelVersion} takes (its columns: {string.Join(", ", binding.Columns)}; the file has: {string.Join(", ", header)}).", missing);
                }
                batches.AddRange(fileBatches);
            }
            long scored = 0, failed = 0;
            var done = 0;
            var reportLock = new Lock();
            progress?.Report(new BatchScoringProgress(0, batches.Count, 0, 0));
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = spec.MaxConcurrency, CancellationToken = cancellationToken }, async (batch, ct) =>
            {
                await ScoreAsync(scorer, binding, bindAll, batch, ct).ConfigureAwait(false);
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

    /// <summary>
    /// Reads a file into mini-batches (and returns a delimited file's columns); a record that cannot be read becomes a failed row (not a
    /// failed job). Delimited values are kept as text (null: missing), JSON lines values as JSON: each scorer converts them.
    /// </summary>
    private static async Task<(List<string>? Header, List<MiniBatch> Batches)> ReadAsync(BatchInputFile file, int size, CancellationToken cancellationToken)
    {
        var name = file.Name;
        var rows = new List<Row>();
        List<string>? header = null;
        if (file.Format == BatchFileFormat.Delimited)
        {
            var text = await File.ReadAllTextAsync(file.Path, file.Encoding, cancellationToken).ConfigureAwait(false);
            var records = ParseDelimited(text, file.Delimiter);
            var first = 0;
            if (file.Header)
            {
                header = records.Count > 0 ? records[0].Fields.Select(f => f.Trim()).ToList() : [];
                first = 1;
            }
            else
            {
                var width = records.Count > 0 ? records.Max(r => r.Fields.Count) : 0;
                header = file.Columns?.ToList() ?? Enumerable.Range(1, width).Select(i => string.Create(CultureInfo.InvariantCulture, $"Column{i}")).ToList();
            }
            for (var i = first; i < records.Count; i++)
            {
                var (fields, line) = records[i];
                var number = file.Header ? i : i + 1;
                if (fields.Count == 1 && fields[0].Length == 0)
                {
                    continue;
                }
                var row = new Row(name, number, header);
                if (fields.Count != header.Count)
                {
                    row.Error = $"Line {line} has {fields.Count} values for {header.Count} columns.";
                }
                else
                {
                    row.Values = fields.Select(f => f.Length == 0 && !file.EmptyAsString ? null : (object?)f).ToArray();
                }
                rows.Add(row);
            }
        }
        else if (file.Format == BatchFileFormat.Parquet)
        {
            await using var table = await ParquetTable.OpenAsync(file.Path, (message, column) => new InvalidInputException($"Batch input {message}", column ?? "inputPath"), cancellationToken).ConfigureAwait(false);
            header = table.Columns.Select(c => c.Name).ToList();
            if (file.IncludePathColumn)
            {
                if (header.Contains(ParquetTable.PathColumn, StringComparer.Ordinal))
                {
                    throw new InvalidInputException($"Batch input '{file.Name}' already has a column '{ParquetTable.PathColumn}', which include_path_column would add.", ParquetTable.PathColumn);
                }
                header.Add(ParquetTable.PathColumn);
            }
            var number = 0;
            await foreach (var values in table.RowsAsync(cancellationToken).ConfigureAwait(false))
            {
                number++;
                rows.Add(new Row(name, number, header) { Values = JsonRow(values, file.IncludePathColumn ? name : null) });
            }
        }
        else
        {
            var lines = await File.ReadAllLinesAsync(file.Path, file.Encoding, cancellationToken).ConfigureAwait(false);
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
        return (header, rows.Chunk(size).Select(chunk => new MiniBatch(chunk)).ToList());
    }

    /// <summary>
    /// A Parquet row as JSON values, as a JSON-lines row holds them: numbers stay numbers, booleans booleans, strings strings (even
    /// when they look like numbers), timestamps ISO 8601 strings, nulls missing; then the file's name when the path column is asked for.
    /// </summary>
    private static object?[] JsonRow(object?[] values, string? path)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                switch (value)
                {
                    case null: writer.WriteNullValue(); break;
                    case long l: writer.WriteNumberValue(l); break;
                    case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
                    case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
                    case double or float: writer.WriteNullValue(); break;
                    case decimal m: writer.WriteNumberValue(m); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    default: writer.WriteStringValue(ParquetTable.Text(value)); break;
                }
            }
            if (path is not null)
            {
                writer.WriteStringValue(path);
            }
            writer.WriteEndArray();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone().EnumerateArray().Select(e => (object?)e).ToArray();
    }

    private static object? Cell(string cell) =>
        cell.Length == 0 ? null
        : double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number
        : cell;

    /// <summary>
    /// RFC 4180 records: fields split by <paramref name="delimiter"/>, quoted fields (doubled quotes, line breaks inside), unquoted
    /// fields trimmed; each record with the 1-based line it starts on.
    /// </summary>
    internal static List<(List<string> Fields, int Line)> ParseDelimited(string text, char delimiter)
    {
        var records = new List<(List<string>, int)>();
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        var line = 1;
        var start = 1;
        var i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        void EndField()
        {
            fields.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
            current.Clear();
            wasQuoted = false;
        }
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
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
                    if (c == '\n')
                    {
                        line++;
                    }
                    current.Append(c);
                }
            }
            else if (c == '"' && current.ToString().Trim().Length == 0)
            {
                current.Clear();
                quoted = true;
                wasQuoted = true;
            }
            else if (c == delimiter)
            {
                EndField();
            }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                EndField();
                records.Add((fields, start));
                fields = [];
                line++;
                start = line;
            }
            else
            {
                current.Append(c);
            }
        }
        if (current.Length > 0 || fields.Count > 0 || wasQuoted)
        {
            EndField();
            records.Add((fields, start));
        }
        return records;
    }

    /// <summary>
    /// Scores a mini-batch: rows for a column-taking model are converted first (a value of the wrong type fails its row, naming the
    /// column); the rest go to the scorer as an <c>input_data</c> request.
    /// </summary>
    private static async Task ScoreAsync(IScorer scorer, ColumnBinding? binding, bool bindAll, MiniBatch batch, CancellationToken cancellationToken)
    {
        var bound = new List<Row>();
        var requests = new List<Row>();
        foreach (var row in batch.Rows.Where(r => r.Error is null))
        {
            if (binding is not null && (bindAll || binding.AppliesTo(row.Columns)))
            {
                try
                {
                    row.Bound = binding.Convert(row.Columns, row.Values!);
                    bound.Add(row);
                }
                catch (InvalidInputException ex)
                {
                    row.Error = ex.Message;
                }
            }
            else
            {
                requests.Add(row);
            }
        }
        if (bound.Count > 0)
        {
            var onnx = (OnnxScorer)scorer;
            await ScoreGroupAsync(bound, rows => Task.FromResult(onnx.ScoreRows(binding!.Tensors(rows.Select(r => r.Bound!).ToList()), rows.Count)), cancellationToken).ConfigureAwait(false);
        }
        if (requests.Count > 0)
        {
            await ScoreGroupAsync(requests, rows => CallAsync(scorer, rows, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Scores rows in one call; when that call fails, scores them one by one so each failure is the row's own.</summary>
    private static async Task ScoreGroupAsync(List<Row> pending, Func<List<Row>, Task<JsonElement[]>> call, CancellationToken cancellationToken)
    {
        try
        {
            var predictions = await call(pending).ConfigureAwait(false);
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
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                row.Prediction = (await call([row]).ConfigureAwait(false))[0];
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
            case string s when Cell(s) is double d: writer.WriteNumberValue(d); break;
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

        /// <summary>The row's values converted to a column-taking model's inputs.</summary>
        public object[]? Bound { get; set; }

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

    /// <summary>The first failed row (file, row number, error), or null.</summary>
    public (string File, int Row, string Error)? FirstError =>
        _batches.SelectMany(b => b.Rows).FirstOrDefault(r => r.Error is not null) is { } row ? (row.File, row.Number, row.Error!) : null;

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
