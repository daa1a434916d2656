using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AzureMlSdk.Serving.Scoring;

/// <summary>
/// Feeds an ONNX model whose inputs are table columns (each a <c>[rows]</c> or <c>[rows, 1]</c> tensor named after its column, as
/// AutoML models and ML.NET's exports are) from rows of raw values: text cells of a CSV file or JSON values. Each value is converted
/// to its input's type: text for string inputs (a number becomes its text, a missing value the empty string), numbers for numeric
/// ones (a missing value is NaN, which an AutoML model imputes as in training); an AutoML model's date column is given by its value
/// and split into the parts the model takes. Columns the model does not take are ignored. A value of the wrong type is an
/// <see cref="InvalidInputException"/> naming its column.
/// </summary>
internal sealed class ColumnBinding
{
    private readonly IReadOnlyList<OnnxTensorInfo> _inputs;
    private readonly (string Column, string? DatePart)[] _sources;

    private ColumnBinding(IReadOnlyList<OnnxTensorInfo> inputs, (string Column, string? DatePart)[] sources)
    {
        _inputs = inputs;
        _sources = sources;
    }

    /// <summary>The columns the model takes, in input order (a date column once).</summary>
    public IReadOnlyList<string> Columns => _sources.Select(s => s.Column).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>A binding for <paramref name="scorer"/>'s model, or null when its inputs are not columns (e.g. one <c>[rows, n]</c> tensor).</summary>
    public static ColumnBinding? TryCreate(OnnxScorer scorer)
    {
        var inputs = scorer.Inputs;
        if (inputs.Count == 0 || !scorer.RowsWritable || inputs.Any(i => !i.IsTensor || !(i.Dimensions.Count == 1 || (i.Dimensions.Count == 2 && i.Dimensions[1] is 1 or -1))
            || i.ElementType is not { } t || !(t == typeof(float) || t == typeof(double) || t == typeof(long) || t == typeof(int) || t == typeof(bool) || t == typeof(string))))
        {
            return null;
        }
        var dates = scorer.AutoML?.DateColumns ?? [];
        var sources = inputs.Select(i =>
        {
            foreach (var date in dates)
            {
                foreach (var part in AutoMLModelInfo.DateParts)
                {
                    if (i.Name == $"{date}_{part}")
                    {
                        return (date, (string?)part);
                    }
                }
            }
            return (i.Name, null);
        }).ToArray();
        return new ColumnBinding(inputs, sources);
    }

    /// <summary>Whether rows with these columns are meant for this model: they name at least one of its inputs or columns.</summary>
    public bool AppliesTo(IReadOnlyList<string> columns) =>
        _inputs.Any(i => columns.Contains(i.Name)) || _sources.Any(s => columns.Contains(s.Column));

    /// <summary>The first column the model takes that <paramref name="columns"/> lack (a date column may come as its parts), or null.</summary>
    public string? MissingColumn(IReadOnlyList<string> columns)
    {
        for (var i = 0; i < _inputs.Count; i++)
        {
            if (!columns.Contains(_inputs[i].Name) && !columns.Contains(_sources[i].Column))
            {
                return _sources[i].Column;
            }
        }
        return null;
    }

    /// <summary>
    /// One row's values in input order, converted to the inputs' types. <paramref name="values"/> are raw text (null: missing) or
    /// <see cref="JsonElement"/>s, named by <paramref name="columns"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">A column is missing, or a value is of the wrong type; the message and <c>ParameterName</c> name the column.</exception>
    public object[] Convert(IReadOnlyList<string> columns, IReadOnlyList<object?> values)
    {
        var row = new object[_inputs.Count];
        for (var i = 0; i < _inputs.Count; i++)
        {
            var input = _inputs[i];
            var (column, part) = _sources[i];
            var direct = IndexOf(columns, input.Name);
            if (direct >= 0 || part is null)
            {
                var index = direct >= 0 ? direct : IndexOf(columns, column);
                if (index < 0)
                {
                    throw new InvalidInputException($"Column '{column}' is missing; the model takes {string.Join(", ", Columns.Select(c => $"'{c}'"))}.", column);
                }
                row[i] = ToInput(input, direct >= 0 ? input.Name : column, values[index]);
            }
            else
            {
                var index = IndexOf(columns, column);
                if (index < 0)
                {
                    throw new InvalidInputException($"Column '{column}' is missing; the model takes {string.Join(", ", Columns.Select(c => $"'{c}'"))}.", column);
                }
                row[i] = DatePart(column, part, values[index]);
            }
        }
        return row;
    }

    /// <summary>The model's input tensors for converted rows.</summary>
    public List<NamedOnnxValue> Tensors(IReadOnlyList<object[]> rows)
    {
        var tensors = new List<NamedOnnxValue>(_inputs.Count);
        for (var i = 0; i < _inputs.Count; i++)
        {
            var input = _inputs[i];
            int[] shape = input.Dimensions.Count == 1 ? [rows.Count] : [rows.Count, 1];
            var column = i;
            var type = input.ElementType!;
            NamedOnnxValue value = type == typeof(string) ? Tensor<string>(input.Name, shape, rows, column)
                : type == typeof(float) ? Tensor<float>(input.Name, shape, rows, column)
                : type == typeof(double) ? Tensor<double>(input.Name, shape, rows, column)
                : type == typeof(long) ? Tensor<long>(input.Name, shape, rows, column)
                : type == typeof(int) ? Tensor<int>(input.Name, shape, rows, column)
                : Tensor<bool>(input.Name, shape, rows, column);
            tensors.Add(value);
        }
        return tensors;
    }

    private static NamedOnnxValue Tensor<T>(string name, int[] shape, IReadOnlyList<object[]> rows, int column)
    {
        var tensor = new DenseTensor<T>(shape);
        var span = tensor.Buffer.Span;
        for (var r = 0; r < rows.Count; r++)
        {
            span[r] = (T)rows[r][column];
        }
        return NamedOnnxValue.CreateFromTensor(name, tensor);
    }

    private static int IndexOf(IReadOnlyList<string> columns, string name)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    private static object ToInput(OnnxTensorInfo input, string column, object? value)
    {
        var type = input.ElementType!;
        if (type == typeof(string))
        {
            return value switch
            {
                null => "",
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
                JsonElement { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } e => e.GetRawText(),
                JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => "",
                _ => throw Wrong(column, "text", value),
            };
        }
        if (type == typeof(float) || type == typeof(double))
        {
            double number;
            if (value is null || value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } || value is string { Length: 0 })
            {
                number = double.NaN;
            }
            else if (value is JsonElement { ValueKind: JsonValueKind.Number } n)
            {
                number = n.GetDouble();
            }
            else if (Text(value) is { } text && double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var parsed))
            {
                number = parsed;
            }
            else
            {
                throw Wrong(column, "a number", value);
            }
            return type == typeof(float) ? (object)(float)number : number;
        }
        if (type == typeof(long) || type == typeof(int))
        {
            long whole;
            if (value is JsonElement { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var l))
            {
                whole = l;
            }
            else if (Text(value) is { Length: > 0 } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                whole = parsed;
            }
            else
            {
                throw Wrong(column, "a whole number", value);
            }
            return type == typeof(long) ? (object)whole : whole is >= int.MinValue and <= int.MaxValue ? (int)whole : throw Wrong(column, "a 32-bit whole number", value);
        }
        return value switch
        {
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            _ when bool.TryParse(Text(value), out var b) => b,
            _ => throw Wrong(column, "true or false", value),
        };
    }

    private static float DatePart(string column, string part, object? value)
    {
        if (value is null || value is JsonElement { ValueKind: JsonValueKind.Null } || value is string { Length: 0 })
        {
            return float.NaN;
        }
        if (Text(value) is not { } text || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            throw Wrong(column, "a date", value);
        }
        return part switch
        {
            "year" => date.Year,
            "month" => date.Month,
            "day" => date.Day,
            "dayofweek" => (float)date.DayOfWeek,
            _ => date.Hour,
        };
    }

    private static string? Text(object? value) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
        _ => null,
    };

    private static InvalidInputException Wrong(string column, string expected, object? value) =>
        new($"Column '{column}' takes {expected}; got {Describe(value)}.", column);

    private static string Describe(object? value) => value switch
    {
        null => "no value",
        string s => $"\"{Validate.Shorten(s)}\"",
        JsonElement { ValueKind: JsonValueKind.String } e => $"the string \"{Validate.Shorten(e.GetString()!)}\"",
        JsonElement { ValueKind: JsonValueKind.Object } => "a JSON object",
        JsonElement { ValueKind: JsonValueKind.Array } => "a JSON array",
        JsonElement e => e.GetRawText(),
        _ => value.ToString() ?? "a value",
    };
}
