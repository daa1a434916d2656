using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AzureMlSdk.Serving.Scoring;

/// <summary>
/// Turns a scoring request into ONNX Runtime inputs, checked against the model's metadata. Accepted shapes:
/// <list type="bullet">
/// <item><c>{"input_data": {"columns": [...], "data": [[...], ...]}}</c> (Azure ML / MLflow split orient; <c>dataframe_split</c> too):
/// when the columns are the model's input names, each column feeds its input (<c>[rows]</c> or <c>[rows,1]</c>);
/// otherwise a model with a single 2-D input takes the rows as a <c>[rows, columns]</c> tensor.</item>
/// <item><c>{"inputs": {"name": [[...]], ...}}</c> (named tensors as nested arrays; <c>input_data</c> as such an object too).</item>
/// <item><c>{"input_data": [[...]]}</c> or <c>{"inputs": [[...]]}</c> for a model with a single input.</item>
/// </list>
/// Anything else raises <see cref="InvalidInputException"/> whose message (and <see cref="InvalidInputException.ParameterName"/>)
/// names the missing, unknown, mistyped or misshapen input.
/// </summary>
internal static class OnnxRequestBinder
{
    public static List<NamedOnnxValue> Bind(JsonElement root, IReadOnlyList<OnnxTensorInfo> inputs)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"The request must be a JSON object such as {Shapes(inputs)}; got a JSON {Kind(root.ValueKind)}.", "body");
        }
        if (root.TryGetProperty("inputs", out var named) || (root.TryGetProperty("input_data", out named) && !IsSplit(named)))
        {
            return named.ValueKind switch
            {
                JsonValueKind.Object => BindNamed(named, inputs),
                JsonValueKind.Array when inputs.Count == 1 => [Tensor(inputs[0], named)],
                JsonValueKind.Array => throw Invalid($"The model has {inputs.Count} inputs ({List(inputs)}); name them: {{\"inputs\": {{\"{inputs[0].Name}\": [...], ...}}}}.", "inputs"),
                _ => throw Invalid($"'inputs' must be an object of input name to nested arrays; got a JSON {Kind(named.ValueKind)}.", "inputs"),
            };
        }
        if (root.TryGetProperty("input_data", out var split) || root.TryGetProperty("dataframe_split", out split))
        {
            return BindSplit(split, inputs);
        }
        var keys = string.Join(", ", root.EnumerateObject().Select(p => $"'{p.Name}'"));
        throw Invalid($"The request must be {Shapes(inputs)}; got {(keys.Length == 0 ? "an empty object" : "keys " + keys)}.", "body");
    }

    private static bool IsSplit(JsonElement element) => element.ValueKind == JsonValueKind.Object && element.TryGetProperty("data", out _);

    private static List<NamedOnnxValue> BindNamed(JsonElement named, IReadOnlyList<OnnxTensorInfo> inputs)
    {
        foreach (var property in named.EnumerateObject())
        {
            if (!inputs.Any(i => i.Name == property.Name))
            {
                throw Invalid($"Unknown input '{property.Name}'; the model's inputs are {List(inputs)}.", property.Name);
            }
        }
        var values = new List<NamedOnnxValue>(inputs.Count);
        foreach (var input in inputs)
        {
            if (!named.TryGetProperty(input.Name, out var value))
            {
                throw Invalid($"Input '{input.Name}' is missing; the model expects {List(inputs)}.", input.Name);
            }
            values.Add(Tensor(input, value));
        }
        return values;
    }

    private static List<NamedOnnxValue> BindSplit(JsonElement split, IReadOnlyList<OnnxTensorInfo> inputs)
    {
        if (split.ValueKind != JsonValueKind.Object || !split.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("'input_data' must be {\"columns\": [...], \"data\": [[...], ...]} (data: one array per row).", "input_data");
        }
        var rows = data.GetArrayLength();
        List<string>? columns = null;
        if (split.TryGetProperty("columns", out var columnsElement))
        {
            if (columnsElement.ValueKind != JsonValueKind.Array || columnsElement.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
            {
                throw Invalid("'input_data.columns' must be an array of strings.", "columns");
            }
            columns = columnsElement.EnumerateArray().Select(c => c.GetString()!).ToList();
        }
        var index = 0;
        foreach (var row in data.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array)
            {
                throw Invalid($"'input_data.data' row {index} is a JSON {Kind(row.ValueKind)}; each row must be an array of values.", "data");
            }
            if (columns is not null && row.GetArrayLength() != columns.Count)
            {
                throw Invalid($"'input_data.data' row {index} has {row.GetArrayLength()} values for {columns.Count} columns.", "data");
            }
            index++;
        }

        // Columns that are the model's input names: one column per input.
        if (columns is not null && columns.Any(c => inputs.Any(i => i.Name == c)) && !(inputs.Count == 1 && columns.Count > 1 && columns.Count == Width(inputs[0])))
        {
            var missing = inputs.FirstOrDefault(i => !columns.Contains(i.Name));
            if (missing is not null)
            {
                throw Invalid($"Input '{missing.Name}' is missing from 'input_data.columns'; the model expects {List(inputs)}.", missing.Name);
            }
            var unknown = columns.FirstOrDefault(c => !inputs.Any(i => i.Name == c));
            if (unknown is not null)
            {
                throw Invalid($"Unknown column '{unknown}'; the model's inputs are {List(inputs)}.", unknown);
            }
            var values = new List<NamedOnnxValue>(inputs.Count);
            foreach (var input in inputs)
            {
                var column = columns.IndexOf(input.Name);
                int[] shape = input.Dimensions.Count switch
                {
                    1 => [rows],
                    2 when input.Dimensions[1] is 1 or -1 => [rows, 1],
                    _ => throw Invalid($"Input '{input.Name}' is a {input.TypeName}{input.ShapeText} tensor, which one column cannot fill; send it as {{\"inputs\": {{\"{input.Name}\": [...]}}}}.", input.Name),
                };
                values.Add(Build(input, shape, data.EnumerateArray().Select(r => r[column]).ToList()));
            }
            return values;
        }

        if (inputs.Count != 1 || inputs[0].Dimensions.Count != 2)
        {
            throw Invalid($"'input_data.columns' must name the model's inputs ({List(inputs)}); got {(columns is null ? "no columns" : string.Join(", ", columns.Select(c => $"'{c}'")))}.", inputs.Count > 0 ? inputs[0].Name : "columns");
        }
        var single = inputs[0];
        var width = rows > 0 ? data[0].GetArrayLength() : columns?.Count ?? 0;
        if (single.Dimensions[1] > 0 && width != single.Dimensions[1])
        {
            throw Invalid($"Input '{single.Name}' takes {single.Dimensions[1]} values per row ({single.TypeName}{single.ShapeText}); got {width}.", single.Name);
        }
        var r = 0;
        foreach (var row in data.EnumerateArray())
        {
            if (row.GetArrayLength() != width)
            {
                throw Invalid($"Input '{single.Name}': row {r} has {row.GetArrayLength()} values; row 0 has {width}.", single.Name);
            }
            r++;
        }
        return [Build(single, [rows, width], data.EnumerateArray().SelectMany(row => row.EnumerateArray()).ToList())];
    }

    private static int Width(OnnxTensorInfo input) => input.Dimensions.Count == 2 ? input.Dimensions[1] : -1;

    private static NamedOnnxValue Tensor(OnnxTensorInfo input, JsonElement value)
    {
        if (!input.IsTensor)
        {
            throw Invalid($"Input '{input.Name}' is not a tensor; this scorer only feeds tensors.", input.Name);
        }
        var shape = new List<int>();
        var probe = value;
        while (probe.ValueKind == JsonValueKind.Array)
        {
            shape.Add(probe.GetArrayLength());
            if (probe.GetArrayLength() == 0)
            {
                break;
            }
            probe = probe[0];
        }
        if (shape.Count != input.Dimensions.Count)
        {
            throw Invalid($"Input '{input.Name}' must be a {input.Dimensions.Count}-D {input.TypeName} tensor {input.ShapeText} (-1: any size); got {(shape.Count == 0 ? "a single value" : $"{shape.Count}-D nested arrays [{string.Join(",", shape)}]")}.", input.Name);
        }
        var flat = new List<JsonElement>();
        Flatten(input, value, shape, 0, flat, "");
        return Build(input, shape.ToArray(), flat);
    }

    private static void Flatten(OnnxTensorInfo input, JsonElement value, List<int> shape, int level, List<JsonElement> flat, string path)
    {
        if (level == shape.Count)
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                throw Invalid($"Input '{input.Name}' has a nested array at {path}; expected a {input.TypeName} value (shape {input.ShapeText}).", input.Name);
            }
            flat.Add(value);
            return;
        }
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != shape[level])
        {
            throw Invalid($"Input '{input.Name}' is ragged at {(path.Length == 0 ? "the top level" : path)}: expected an array of {shape[level]} like the first one, got {(value.ValueKind == JsonValueKind.Array ? $"{value.GetArrayLength()} items" : "a JSON " + Kind(value.ValueKind))}.", input.Name);
        }
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            Flatten(input, item, shape, level + 1, flat, path + "[" + i++ + "]");
        }
    }

    private static NamedOnnxValue Build(OnnxTensorInfo input, int[] shape, List<JsonElement> flat)
    {
        for (var d = 0; d < shape.Length; d++)
        {
            if (input.Dimensions[d] > 0 && shape[d] != input.Dimensions[d])
            {
                throw Invalid($"Input '{input.Name}' has size {shape[d]} in dimension {d}; the model requires {input.Dimensions[d]} (shape {input.ShapeText}).", input.Name);
            }
        }
        var type = input.ElementType;
        if (type == typeof(float))
        {
            return Fill<float>(input, shape, flat, static (JsonElement e, out float v) => { v = 0; if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var d)) { return false; } v = (float)d; return float.IsFinite(v); });
        }
        if (type == typeof(double))
        {
            return Fill<double>(input, shape, flat, static (JsonElement e, out double v) => { v = 0; return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out v); });
        }
        if (type == typeof(long))
        {
            return Fill<long>(input, shape, flat, static (JsonElement e, out long v) => { v = 0; return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out v); });
        }
        if (type == typeof(int))
        {
            return Fill<int>(input, shape, flat, static (JsonElement e, out int v) => { v = 0; return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out v); });
        }
        if (type == typeof(bool))
        {
            return Fill<bool>(input, shape, flat, static (JsonElement e, out bool v) => { v = e.ValueKind == JsonValueKind.True; return e.ValueKind is JsonValueKind.True or JsonValueKind.False; });
        }
        if (type == typeof(string))
        {
            return Fill<string>(input, shape, flat, static (JsonElement e, out string v) => { v = e.ValueKind == JsonValueKind.String ? e.GetString()! : ""; return e.ValueKind == JsonValueKind.String; });
        }
        throw Invalid($"Input '{input.Name}' has element type {input.TypeName}, which JSON requests cannot feed; use a custom scorer.", input.Name);
    }

    private delegate bool Reader<T>(JsonElement element, out T value);

    private static NamedOnnxValue Fill<T>(OnnxTensorInfo input, int[] shape, List<JsonElement> flat, Reader<T> read)
    {
        var tensor = new DenseTensor<T>(shape);
        var span = tensor.Buffer.Span;
        for (var i = 0; i < flat.Count; i++)
        {
            if (!read(flat[i], out span[i]))
            {
                throw Invalid($"Input '{input.Name}' expects {input.TypeName} values; element {Position(shape, i)} is {Describe(flat[i])}.", input.Name);
            }
        }
        return NamedOnnxValue.CreateFromTensor(input.Name, tensor);
    }

    private static string Position(int[] shape, int flatIndex)
    {
        var index = new int[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flatIndex % shape[d];
            flatIndex = shape[d] == 0 ? 0 : flatIndex / shape[d];
        }
        return string.Concat(index.Select(i => "[" + i + "]"));
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Validate.Shorten(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}, out of range",
        _ => "a JSON " + Kind(e.ValueKind),
    };

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string List(IReadOnlyList<OnnxTensorInfo> inputs) => string.Join(", ", inputs.Select(i => i.ToString()));

    private static string Shapes(IReadOnlyList<OnnxTensorInfo> inputs) =>
        $"{{\"input_data\": {{\"columns\": [...], \"data\": [[...]]}}}} or {{\"inputs\": {{{string.Join(", ", inputs.Select(i => $"\"{i.Name}\": [...]"))}}}}}";

    private static InvalidInputException Invalid(string message, string parameter) => new(message, parameter);
}
