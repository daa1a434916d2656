using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DevLab.JmesPath;
using YamlDotNet.Serialization;

namespace AzureMlSdk.Cli.Output;

/// <summary>What a command prints: its value (snake_case JSON, as az ml prints it) and how <c>-o table</c> shows it.</summary>
/// <param name="Value">The value; null prints nothing.</param>
/// <param name="Table">Columns for <c>-o table</c> (header, key); null: the value's scalar fields, as az does.</param>
/// <param name="CustomTable">A table that is not one row per item (e.g. <c>run compare</c>'s side-by-side view).</param>
internal sealed record CliResult(JsonNode? Value, IReadOnlyList<(string Header, string Key)>? Table = null, Func<JsonNode, TableData>? CustomTable = null)
{
    public static CliResult None { get; } = new((JsonNode?)null);
}

/// <summary>A rendered table's headers and cells.</summary>
internal sealed record TableData(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>Prints results as <c>az</c> does: <c>-o json|jsonc|table|tsv|yaml</c>, after <c>--query</c> (JMESPath).</summary>
internal static class OutputWriter
{
    public static readonly string[] Formats = ["json", "jsonc", "table", "tsv", "yaml", "none"];

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Validate(string format, string? query)
    {
        if (!Formats.Contains(format, StringComparer.Ordinal))
        {
            throw new UsageException($"argument --output/-o: invalid choice '{format}' (choose from {string.Join(", ", Formats.Where(f => f != "none"))}).");
        }
        if (query is not null)
        {
            try
            {
                new JmesPath().Parse(query);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new UsageException($"argument --query: invalid JMESPath query '{query}': {ex.Message.Split('\n')[0].Trim()}");
            }
        }
    }

    public static void Write(CliResult result, string format, string? query, TextWriter output)
    {
        var value = result.Value;
        var table = result.Table;
        var custom = result.CustomTable;
        if (query is not null)
        {
            var json = value?.ToJsonString() ?? "null";
            var transformed = new JmesPath().Transform(json, query);
            value = JsonNode.Parse(transformed);
            table = null;
            custom = null;
        }
        if (value is null || format == "none")
        {
            return;
        }
        switch (format)
        {
            case "json":
                output.WriteLine(value.ToJsonString(Indented));
                break;
            case "jsonc":
                output.WriteLine(JsonColor.Colorize(value.ToJsonString(Indented)));
                break;
            case "yaml":
                output.Write(ToYaml(value));
                break;
            case "tsv":
                WriteTsv(value, output);
                break;
            case "table" when value is JsonArray { Count: 0 }:
                break;
            case "table":
                WriteTable(custom is not null ? custom(value) : Tabulate(value, table), output);
                break;
            default:
                throw new UsageException($"argument --output/-o: invalid choice '{format}'.");
        }
    }

    /// <summary>A scalar as az prints it in tables and tsv (Python's True/False, invariant numbers, empty for null).</summary>
    public static string Scalar(JsonNode? node)
    {
        if (node is null)
        {
            return "";
        }
        if (node is JsonValue v)
        {
            return v.GetValueKind() switch
            {
                JsonValueKind.String => v.GetValue<string>(),
                JsonValueKind.True => "True",
                JsonValueKind.False => "False",
                JsonValueKind.Number => v.ToJsonString(),
                _ => "",
            };
        }
        if (node is JsonObject map && map.All(p => IsScalar(p.Value)))
        {
            return string.Join(" ", map.Select(p => $"{p.Key}={Scalar(p.Value)}"));
        }
        if (node is JsonArray list && list.All(IsScalar))
        {
            return string.Join(", ", list.Select(Scalar));
        }
        return node.ToJsonString();
    }

    private static bool IsScalar(JsonNode? node) => node is null or JsonValue;

    /// <summary>az's automatic table: one row per item, a column per scalar field (nested objects left out), or the given columns.</summary>
    public static TableData Tabulate(JsonNode value, IReadOnlyList<(string Header, string Key)>? columns)
    {
        var items = value is JsonArray array ? array.ToList() : [value];
        if (columns is null)
        {
            if (items.All(IsScalar))
            {
                return new TableData(["Result"], items.Select(i => (IReadOnlyList<string>)[Scalar(i)]).ToList());
            }
            var keys = new List<string>();
            foreach (var item in items.OfType<JsonObject>())
            {
                foreach (var (key, v) in item)
                {
                    if (IsScalar(v) && !keys.Contains(key))
                    {
                        keys.Add(key);
                    }
                }
            }
            columns = keys.Select(k => (Header(k), k)).ToList();
        }
        var rows = new List<IReadOnlyList<string>>();
        foreach (var item in items)
        {
            rows.Add(columns.Select(c => Scalar(Lookup(item, c.Key))).ToList());
        }
        return new TableData(columns.Select(c => c.Header).ToList(), rows);
    }

    /// <summary>A dotted key (<c>creation_context.created_at</c>) in an object.</summary>
    public static JsonNode? Lookup(JsonNode? node, string key)
    {
        foreach (var part in key.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node))
            {
                return null;
            }
        }
        return node;
    }

    /// <summary><c>created_at</c> → <c>CreatedAt</c>.</summary>
    public static string Header(string key)
    {
        var text = new StringBuilder();
        foreach (var part in key.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            text.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }
        return text.Length == 0 ? key : text.ToString();
    }

    /// <summary>knack's table: headers, a dash line per column, columns two spaces apart; trailing blanks trimmed.</summary>
    public static void WriteTable(TableData table, TextWriter output)
    {
        var widths = table.Headers.Select((h, i) => Math.Max(h.Length, table.Rows.Count == 0 ? 0 : table.Rows.Max(r => i < r.Count ? Clean(r[i]).Length : 0))).ToArray();
        void Line(IEnumerable<string> cells) =>
            output.WriteLine(string.Join("  ", cells.Select((c, i) => Clean(c).PadRight(widths[i]))).TrimEnd());
        Line(table.Headers);
        Line(widths.Select(w => new string('-', w)));
        foreach (var row in table.Rows)
        {
            Line(row);
        }
    }

    private static string Clean(string cell) => cell.Replace("\r", "", StringComparison.Ordinal).Replace('\n', ' ').Replace('\t', ' ');

    /// <summary>az's tsv: one line per item, its scalar values tab-separated in field order (nested objects left out), no header.</summary>
    private static void WriteTsv(JsonNode value, TextWriter output)
    {
        if (value is JsonArray { Count: 0 })
        {
            return;
        }
        if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            // A text result (logs) as it is, newlines kept, as az's tsv prints a string.
            output.WriteLine(text.GetValue<string>().TrimEnd('\n'));
            return;
        }
        if (value is JsonArray scalars && scalars.All(IsScalar))
        {
            // A list of scalars is one line, as az prints `--query "[name, version]" -o tsv`.
            output.WriteLine(string.Join('\t', scalars.Select(Scalar).Select(Clean)));
            return;
        }
        var items = value is JsonArray array ? array.ToList() : [value];
        foreach (var item in items)
        {
            var cells = item is JsonObject o
                ? o.Where(p => IsScalar(p.Value)).Select(p => Scalar(p.Value))
                : item is JsonArray inner ? inner.Where(IsScalar).Select(Scalar) : [Scalar(item)];
            output.WriteLine(string.Join('\t', cells.Select(Clean)));
        }
    }

    private static string ToYaml(JsonNode value)
    {
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().DisableAliases().Build();
        return serializer.Serialize(ToPlain(value));
    }

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.TryGetValue<long>(out var l) ? l : double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };
}

/// <summary>ANSI colours for <c>-o jsonc</c> (keys, strings, numbers, literals), as az's pygments output.</summary>
internal static class JsonColor
{
    private const string Key = "\u001b[94m", Str = "\u001b[32m", Num = "\u001b[36m", Lit = "\u001b[95m", Reset = "\u001b[0m";

    public static string Colorize(string json)
    {
        var text = new StringBuilder(json.Length * 2);
        for (var i = 0; i < json.Length;)
        {
            var c = json[i];
            if (c == '"')
            {
                var end = i + 1;
                while (end < json.Length && json[end] != '"')
                {
                    end += json[end] == '\\' ? 2 : 1;
                }
                var token = json[i..Math.Min(end + 1, json.Length)];
                var next = end + 1;
                while (next < json.Length && json[next] == ' ')
                {
                    next++;
                }
                var isKey = next < json.Length && json[next] == ':';
                text.Append(isKey ? Key : Str).Append(token).Append(Reset);
                i = end + 1;
            }
            else if (char.IsDigit(c) || c == '-')
            {
                var end = i;
                while (end < json.Length && "0123456789+-.eE".Contains(json[end], StringComparison.Ordinal))
                {
                    end++;
                }
                text.Append(Num).Append(json, i, end - i).Append(Reset);
                i = end;
            }
            else if (char.IsLetter(c))
            {
                var end = i;
                while (end < json.Length && char.IsLetter(json[end]))
                {
                    end++;
                }
                text.Append(Lit).Append(json, i, end - i).Append(Reset);
                i = end;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }
        return text.ToString();
    }
}
