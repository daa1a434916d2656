using System.Buffers;
using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AzureMlSdk.Serving.Scoring;

/// <summary>
/// Serves an ONNX model with ONNX Runtime: inputs and outputs come from the model's metadata. Requests are Azure ML's
/// MLflow shapes (see <see cref="OnnxRequestBinder"/>); the response is <c>{"predictions": …}</c>, where … is the
/// output tensor as nested arrays when the model has one output, else an object of output name → nested arrays.
/// Non-finite floats are written as null (JSON has no NaN).
/// </summary>
internal sealed class OnnxScorer : IScorer, IDisposable
{
    private InferenceSession? _session;
    private IReadOnlyList<OnnxTensorInfo> _inputs = [];
    private IReadOnlyList<OnnxTensorInfo> _outputs = [];
    private ScoringSchema? _schema;
    private string[] _outputNames = [];

    /// <summary>The model's inputs, from its metadata.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs => _inputs;

    /// <summary>The model's outputs, from its metadata.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs => _outputs;

    public ScoringSchema? Schema => _schema;

    /// <summary>The model's custom metadata (ONNX <c>metadata_props</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; private set; } = new Dictionary<string, string>();

    /// <summary>What an AutoML model's metadata says about it (task, classes, date columns), or null for other models.</summary>
    public AutoMLModelInfo? AutoML { get; private set; }

    /// <summary>The single <c>.onnx</c> file of a model folder (preferring <c>model.onnx</c>), or null when there is none.</summary>
    public static string? FindModelFile(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
        {
            return null;
        }
        var files = Directory.GetFiles(modelDirectory, "*.onnx", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        return files.FirstOrDefault(f => string.Equals(Path.GetFileName(f), "model.onnx", StringComparison.OrdinalIgnoreCase))
            ?? (files.Length == 1 ? files[0] : null);
    }

    public Task InitAsync(ScorerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var file = FindModelFile(context.ModelDirectory)
            ?? throw new InvalidInputException($"Model folder '{context.ModelDirectory}' holds no single .onnx file (name it model.onnx when there are several); give the deployment a custom scorer for other models.", "model");
        Load(file);
        if (context.Logger.IsEnabled(LogLevel.Information))
        {
            context.Logger.LogInformation("Loaded ONNX model {File}: inputs {Inputs}; outputs {Outputs}", Path.GetFileName(file),
                string.Join(", ", _inputs.Select(i => i.ToString())), string.Join(", ", _outputs.Select(o => o.ToString())));
        }
        return Task.CompletedTask;
    }

    /// <summary>Opens the session (also used directly by the benchmark's bare baseline).</summary>
    public void Load(string modelFile)
    {
        using var options = new SessionOptions { ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(modelFile, options);
        _inputs = _session.InputMetadata.Select(kv => OnnxTensorInfo.From(kv.Key, kv.Value)).ToList();
        _outputs = _session.OutputMetadata.Select(kv => OnnxTensorInfo.From(kv.Key, kv.Value)).ToList();
        _outputNames = _outputs.Select(o => o.Name).ToArray();
        _schema = OnnxSwagger.Schema(_inputs, _outputs);
        Metadata = new Dictionary<string, string>(_session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
        AutoML = AutoMLModelInfo.From(Metadata);
        _columns = AutoML is null ? null : ColumnBinding.TryCreate(this);
    }

    private ColumnBinding? _columns;

    /// <summary>
    /// An AutoML model's <c>input_data</c> table (<c>columns</c> + <c>data</c>) as tensors through <see cref="ColumnBinding"/>: the
    /// training columns by name with raw values (a date as a date, null for a missing number, extra columns ignored); null when the
    /// request is not such a table (the generic binder then answers it, or explains what is wrong with it).
    /// </summary>
    private List<NamedOnnxValue>? BindTable(JsonElement root)
    {
        if (_columns is null || root.ValueKind != JsonValueKind.Object
            || !(root.TryGetProperty("input_data", out var table) || root.TryGetProperty("dataframe_split", out table))
            || table.ValueKind != JsonValueKind.Object
            || !table.TryGetProperty("columns", out var columnsElement) || columnsElement.ValueKind != JsonValueKind.Array
            || columnsElement.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String)
            || !table.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var columns = columnsElement.EnumerateArray().Select(c => c.GetString()!).ToList();
        if (data.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != columns.Count))
        {
            return null;
        }
        var rows = data.EnumerateArray().Select(r => _columns.Convert(columns, r.EnumerateArray().Select(v => (object?)v).ToList())).ToList();
        return _columns.Tensors(rows);
    }

    /// <summary>
    /// Scores <paramref name="count"/> rows given as tensors (a row per index of the first dimension) and returns each row's
    /// prediction: for an AutoML classifier <c>{"label": "&lt;class&gt;", "probabilities": {"&lt;class&gt;": p, …}}</c>, for an
    /// AutoML regressor the value; otherwise the row's slice of the single output, or an object of output name → slice.
    /// </summary>
    public JsonElement[] ScoreRows(IReadOnlyList<NamedOnnxValue> inputs, int count)
    {
        var session = _session ?? throw new InvalidOperationException("The scorer is not initialised.");
        using var results = session.Run(inputs, _outputNames);
        var byName = results.ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
        var rows = new JsonElement[count];
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < count; i++)
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                if (AutoML is { IsClassification: true } automl && byName.TryGetValue(AutoMLModelInfo.LabelOutput, out var label) && label is DenseTensor<string> labels
                    && byName.TryGetValue(AutoMLModelInfo.ProbabilitiesOutput, out var probabilities) && probabilities is DenseTensor<float> scores
                    && scores.Dimensions.Length == 2 && scores.Dimensions[1] == automl.Classes.Count)
                {
                    writer.WriteStartObject();
                    writer.WriteString(AutoMLModelInfo.LabelOutput, labels.Buffer.Span[i * (int)(labels.Length / count)]);
                    writer.WriteStartObject(AutoMLModelInfo.ProbabilitiesOutput);
                    for (var c = 0; c < automl.Classes.Count; c++)
                    {
                        writer.WritePropertyName(automl.Classes[c]);
                        WriteScalar(writer, scores[i, c]);
                    }
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                else if (AutoML is { IsClassification: false } && byName.TryGetValue(AutoMLModelInfo.PredictionOutput, out var prediction) && prediction is DenseTensor<float> values
                    && values.Length == count)
                {
                    WriteScalar(writer, values.Buffer.Span[i]);
                }
                else if (results.Count == 1)
                {
                    WriteRow(writer, results[0].Value, i, count);
                }
                else
                {
                    writer.WriteStartObject();
                    foreach (var result in results)
                    {
                        writer.WritePropertyName(result.Name);
                        WriteRow(writer, result.Value, i, count);
                    }
                    writer.WriteEndObject();
                }
            }
            using var document = JsonDocument.Parse(buffer.WrittenMemory);
            rows[i] = document.RootElement.Clone();
        }
        return rows;
    }

    /// <summary>Whether <see cref="ScoreRows"/> can write every output of the model a row at a time.</summary>
    internal bool RowsWritable => _outputs.All(o => o.IsTensor && o.Dimensions.Count >= 1 && o.ElementType is { } t
        && (t == typeof(float) || t == typeof(double) || t == typeof(long) || t == typeof(int) || t == typeof(uint) || t == typeof(bool) || t == typeof(string)));

    private static void WriteRow(Utf8JsonWriter writer, object? value, int row, int count)
    {
        switch (value)
        {
            case DenseTensor<float> t: Slice(writer, t, row, count, static (w, v) => { if (float.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteNullValue(); } }); break;
            case DenseTensor<double> t: Slice(writer, t, row, count, static (w, v) => { if (double.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteNullValue(); } }); break;
            case DenseTensor<long> t: Slice(writer, t, row, count, static (w, v) => w.WriteNumberValue(v)); break;
            case DenseTensor<int> t: Slice(writer, t, row, count, static (w, v) => w.WriteNumberValue(v)); break;
            case DenseTensor<uint> t: Slice(writer, t, row, count, static (w, v) => w.WriteNumberValue(v)); break;
            case DenseTensor<bool> t: Slice(writer, t, row, count, static (w, v) => w.WriteBooleanValue(v)); break;
            case DenseTensor<string> t: Slice(writer, t, row, count, static (w, v) => w.WriteStringValue(v)); break;
            default: throw new InvalidStateException($"The model's output is a {value?.GetType().Name ?? "null"}, which cannot be split into rows.");
        }
    }

    private static void Slice<T>(Utf8JsonWriter writer, DenseTensor<T> tensor, int row, int count, ElementWriter<T> write)
    {
        if (tensor.Dimensions.Length == 0 || tensor.Dimensions[0] != count)
        {
            throw new InvalidStateException($"The model answered {(tensor.Dimensions.Length == 0 ? "a single value" : $"{tensor.Dimensions[0]} rows")} for {count} rows.");
        }
        var stride = (int)(tensor.Length / count);
        WriteTensor(writer, tensor.Buffer.Span.Slice(row * stride, stride), tensor.Dimensions[1..], write);
    }

    public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Score(System.Text.Encoding.UTF8.GetBytes(requestJson), buffer);
        return Task.FromResult(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Scores a UTF-8 JSON request and writes the UTF-8 JSON response.</summary>
    /// <param name="request">The request body.</param>
    /// <param name="output">Receives the response body.</param>
    /// <param name="runOptions">Options of this run; when another thread sets <see cref="RunOptions.Terminate"/> (the request
    /// timed out) ONNX Runtime stops and <see cref="TimeoutException"/> is thrown.</param>
    public void Score(ReadOnlyMemory<byte> request, IBufferWriter<byte> output, RunOptions? runOptions = null)
    {
        var session = _session ?? throw new InvalidOperationException("The scorer is not initialised.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request);
        }
        catch (JsonException ex)
        {
            // Where, not the parser's own text (which quotes the input).
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})" : string.Empty;
            throw new InvalidInputException($"The request body is not valid JSON{where}.", "body");
        }
        using (document)
        {
            var inputs = BindTable(document.RootElement) ?? OnnxRequestBinder.Bind(document.RootElement, _inputs);
            IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results;
            if (runOptions is null)
            {
                results = session.Run(inputs, _outputNames);
            }
            else
            {
                try
                {
                    results = session.Run(inputs, _outputNames, runOptions);
                }
                catch (OnnxRuntimeException) when (runOptions.Terminate)
                {
                    throw new TimeoutException("ONNX Runtime was stopped at the request timeout.");
                }
            }
            using var disposeResults = results;
            using var writer = new Utf8JsonWriter(output);
            writer.WriteStartObject();
            writer.WritePropertyName("predictions");
            if (results.Count == 1)
            {
                WriteValue(writer, results[0].Value);
            }
            else
            {
                writer.WriteStartObject();
                foreach (var result in results)
                {
                    writer.WritePropertyName(result.Name);
                    WriteValue(writer, result.Value);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
    }

    public void Dispose() => _session?.Dispose();

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case DenseTensor<float> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => { if (float.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteNullValue(); } });
                break;
            case DenseTensor<double> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => { if (double.IsFinite(v)) { w.WriteNumberValue(v); } else { w.WriteNullValue(); } });
                break;
            case DenseTensor<long> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<int> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<uint> t:
                // ML.NET exports key columns (e.g. a mapped label) as uint32 tensors.
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<ulong> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<short> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<ushort> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<byte> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<sbyte> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteNumberValue(v));
                break;
            case DenseTensor<bool> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteBooleanValue(v));
                break;
            case DenseTensor<string> t:
                WriteTensor(writer, t.Buffer.Span, t.Dimensions, static (w, v) => w.WriteStringValue(v));
                break;
            case IDictionary map:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in map)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                    WriteScalar(writer, entry.Value);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable<NamedOnnxValue> sequence:
                writer.WriteStartArray();
                foreach (var item in sequence)
                {
                    WriteValue(writer, item.Value);
                }
                writer.WriteEndArray();
                break;
            default:
                WriteScalar(writer, value);
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case long l: writer.WriteNumberValue(l); break;
            case int i: writer.WriteNumberValue(i); break;
            case uint u: writer.WriteNumberValue(u); break;
            case ulong u: writer.WriteNumberValue(u); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case string s: writer.WriteStringValue(s); break;
            case float or double or null: writer.WriteNullValue(); break;
            default: writer.WriteStringValue(value.ToString()); break;
        }
    }

    private delegate void ElementWriter<T>(Utf8JsonWriter writer, T value);

    private static void WriteTensor<T>(Utf8JsonWriter writer, ReadOnlySpan<T> data, ReadOnlySpan<int> dims, ElementWriter<T> write)
    {
        if (dims.Length == 0)
        {
            write(writer, data[0]);
            return;
        }
        var offset = 0;
        WriteLevel(writer, data, dims, 0, ref offset, write);
    }

    private static void WriteLevel<T>(Utf8JsonWriter writer, ReadOnlySpan<T> data, ReadOnlySpan<int> dims, int level, ref int offset, ElementWriter<T> write)
    {
        writer.WriteStartArray();
        if (level == dims.Length - 1)
        {
            for (var i = 0; i < dims[level]; i++)
            {
                write(writer, data[offset++]);
            }
        }
        else
        {
            for (var i = 0; i < dims[level]; i++)
            {
                WriteLevel(writer, data, dims, level + 1, ref offset, write);
            }
        }
        writer.WriteEndArray();
    }
}

/// <summary>One model input or output: name, element type and dimensions (-1 where symbolic, e.g. the batch).</summary>
internal sealed record OnnxTensorInfo(string Name, Type? ElementType, IReadOnlyList<int> Dimensions, bool IsTensor)
{
    public static OnnxTensorInfo From(string name, NodeMetadata metadata) =>
        new(name, metadata.IsTensor ? metadata.ElementType : null, metadata.IsTensor ? metadata.Dimensions.Select(d => d > 0 ? d : -1).ToArray() : [], metadata.IsTensor);

    /// <summary>The JSON-facing element type name: float, double, int64, int32, bool, string.</summary>
    public string TypeName => ElementType switch
    {
        null => "non-tensor",
        var t when t == typeof(float) => "float",
        var t when t == typeof(double) => "double",
        var t when t == typeof(long) => "int64",
        var t when t == typeof(int) => "int32",
        var t when t == typeof(bool) => "bool",
        var t when t == typeof(string) => "string",
        var t => t.Name,
    };

    public string ShapeText => "[" + string.Join(",", Dimensions) + "]";

    public override string ToString() => $"{Name} ({TypeName}{ShapeText})";
}

/// <summary>JSON schemas of the ONNX scorer's request and response, derived from the model's metadata.</summary>
internal static class OnnxSwagger
{
    public static ScoringSchema Schema(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs)
    {
        var namedInputs = new JsonObject();
        foreach (var input in inputs)
        {
            namedInputs[input.Name] = TensorSchema(input);
        }
        var columns = inputs.Count == 1 && inputs[0].Dimensions.Count == 2 ? (JsonNode)new JsonObject
        {
            ["type"] = "array",
            ["description"] = $"Column names ({(inputs[0].Dimensions[1] > 0 ? inputs[0].Dimensions[1].ToString(System.Globalization.CultureInfo.InvariantCulture) : "any number of")} columns, fed to '{inputs[0].Name}' in order), or the model's input names.",
            ["items"] = new JsonObject { ["type"] = "string" },
        } : new JsonObject
        {
            ["type"] = "array",
            ["description"] = "The model's input names: " + string.Join(", ", inputs.Select(i => i.Name)),
            ["items"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(inputs.Select(i => (JsonNode?)i.Name).ToArray()) },
        };
        var request = new JsonObject
        {
            ["type"] = "object",
            ["description"] = "Either input_data (MLflow split-orient table: one row per example) or inputs (named tensors as nested arrays).",
            ["properties"] = new JsonObject
            {
                ["input_data"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray("data"),
                    ["properties"] = new JsonObject
                    {
                        ["columns"] = columns,
                        ["index"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer" } },
                        ["data"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject() } },
                    },
                },
                ["inputs"] = new JsonObject
                {
                    ["type"] = "object",
                    ["required"] = new JsonArray(inputs.Select(i => (JsonNode?)i.Name).ToArray()),
                    ["properties"] = namedInputs,
                },
            },
            ["example"] = Example(inputs),
        };
        JsonNode predictions;
        if (outputs.Count == 1)
        {
            predictions = TensorSchema(outputs[0]);
        }
        else
        {
            var named = new JsonObject();
            foreach (var output in outputs)
            {
                named[output.Name] = TensorSchema(output);
            }
            predictions = new JsonObject { ["type"] = "object", ["properties"] = named };
        }
        var response = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("predictions"),
            ["properties"] = new JsonObject { ["predictions"] = predictions },
        };
        return new ScoringSchema(request, response);
    }

    private static JsonObject TensorSchema(OnnxTensorInfo info)
    {
        if (!info.IsTensor)
        {
            return new JsonObject { ["description"] = $"{info.Name}: a non-tensor value (sequence or map)." };
        }
        JsonObject node = info.TypeName switch
        {
            "float" or "double" => new JsonObject { ["type"] = "number", ["format"] = info.TypeName },
            "int64" or "int32" => new JsonObject { ["type"] = "integer", ["format"] = info.TypeName },
            "bool" => new JsonObject { ["type"] = "boolean" },
            _ => new JsonObject { ["type"] = "string" },
        };
        for (var i = info.Dimensions.Count - 1; i >= 0; i--)
        {
            var array = new JsonObject { ["type"] = "array", ["items"] = node };
            if (info.Dimensions[i] > 0)
            {
                array["minItems"] = info.Dimensions[i];
                array["maxItems"] = info.Dimensions[i];
            }
            node = array;
        }
        node["description"] = $"{info.Name}: {info.TypeName} tensor of shape {info.ShapeText} (-1: any size).";
        return node;
    }

    private static JsonObject Example(IReadOnlyList<OnnxTensorInfo> inputs)
    {
        var named = new JsonObject();
        foreach (var input in inputs.Where(i => i.IsTensor))
        {
            JsonNode node = input.TypeName switch
            {
                "bool" => JsonValue.Create(false),
                "string" => JsonValue.Create("text"),
                _ => JsonValue.Create(0),
            };
            for (var i = input.Dimensions.Count - 1; i >= 0; i--)
            {
                var count = input.Dimensions[i] > 0 ? Math.Min(input.Dimensions[i], 8) : 1;
                var array = new JsonArray();
                for (var k = 0; k < count; k++)
                {
                    array.Add(node.DeepClone());
                }
                node = array;
            }
            named[input.Name] = node;
        }
        return new JsonObject { ["inputs"] = named };
    }
}

/// <summary>
/// The metadata AzureMlSdk.AutoML writes into its models (<c>azureml.automl.*</c> ONNX <c>metadata_props</c>): the task, the classes
/// in the order of the <c>probabilities</c> output, the target's name and the date columns whose parts are inputs.
/// </summary>
internal sealed record AutoMLModelInfo(string Task, IReadOnlyList<string> Classes, string? Target, IReadOnlyList<string> DateColumns)
{
    public const string LabelOutput = "label";
    public const string ProbabilitiesOutput = "probabilities";
    public const string PredictionOutput = "prediction";

    /// <summary>The date parts an AutoML model takes for a date column, as inputs <c>&lt;column&gt;_&lt;part&gt;</c>.</summary>
    public static readonly IReadOnlyList<string> DateParts = ["year", "month", "day", "dayofweek", "hour"];

    public bool IsClassification => Task == "classification";

    public static AutoMLModelInfo? From(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("azureml.automl.task", out var task))
        {
            return null;
        }
        try
        {
            var classes = metadata.TryGetValue("azureml.automl.classes", out var c) ? JsonSerializer.Deserialize<List<string>>(c) ?? [] : [];
            var dates = metadata.TryGetValue("azureml.automl.date_columns", out var d) ? JsonSerializer.Deserialize<List<string>>(d) ?? [] : [];
            return new AutoMLModelInfo(task, classes, metadata.GetValueOrDefault("azureml.automl.target"), dates);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
