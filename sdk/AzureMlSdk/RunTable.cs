using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureMlSdk;

/// <summary>
/// A table logged with <see cref="Run.LogRow(string, object)"/> or <see cref="Run.LogTable(string, IReadOnlyDictionary{string, double[]})"/>,
/// stored as the run artifact <c>tables/&lt;name&gt;.json</c> in MLflow's <c>log_table</c> format
/// (<c>{"columns": [...], "data": [[...], ...]}</c>).
/// </summary>
public sealed class RunTable
{
    /// <summary>Creates a table.</summary>
    public RunTable(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<object?>> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>Column names, in first-seen order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows; a cell is a <see cref="double"/>, <see cref="string"/>, <see cref="bool"/> or null.</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    /// <summary>The artifact path a table of this name is stored at.</summary>
    public static string ArtifactPathFor(string name) => $"tables/{name}.json";

    internal static RunTable Parse(byte[] json)
    {
        var node = JsonNode.Parse(json) as JsonObject
            ?? throw new AzureMlException("A logged table is not a JSON object.", AzureMlErrorCodes.DataLoss);
        var columns = node["columns"]?.AsArray().Select(c => c?.GetValue<string>() ?? "").ToList() ?? [];
        var rows = new List<IReadOnlyList<object?>>();
        foreach (var row in node["data"]?.AsArray() ?? [])
        {
            rows.Add(row!.AsArray().Select(ToCell).ToList());
        }
        return new RunTable(columns, rows);
    }

    private static object? ToCell(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.Number => node.GetValue<double>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => node.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}

/// <summary>The mutable table a run handle accumulates rows into; serialised by the flusher.</summary>
internal sealed class TableBuffer
{
    private readonly Lock _lock = new();
    private readonly List<string> _columns = [];
    private readonly List<Dictionary<string, object?>> _rows = [];
    private int _uploadPending;

    public void AddRow(IReadOnlyDictionary<string, object?> row)
    {
        lock (_lock)
        {
            foreach (var key in row.Keys)
            {
                if (!_columns.Contains(key))
                {
                    _columns.Add(key);
                }
            }
            _rows.Add(new Dictionary<string, object?>(row));
        }
    }

    public void Replace(IReadOnlyDictionary<string, double[]> columns)
    {
        var lengths = columns.Values.Select(v => v.Length).Distinct().ToList();
        if (lengths.Count > 1)
        {
            throw new InvalidInputException($"The table's columns have different lengths ({string.Join(", ", columns.Select(c => $"{c.Key}: {c.Value.Length}"))}); every column needs the same number of values.", "table");
        }
        lock (_lock)
        {
            _columns.Clear();
            _rows.Clear();
            _columns.AddRange(columns.Keys);
            var count = lengths.Count == 0 ? 0 : lengths[0];
            for (var i = 0; i < count; i++)
            {
                _rows.Add(columns.ToDictionary(c => c.Key, c => (object?)c.Value[i]));
            }
        }
    }

    /// <summary>True when the caller should enqueue an upload (none is waiting yet).</summary>
    public bool MarkDirty() => Interlocked.Exchange(ref _uploadPending, 1) == 0;

    public byte[] Serialize()
    {
        Volatile.Write(ref _uploadPending, 0);
        lock (_lock)
        {
            var data = new JsonArray();
            foreach (var row in _rows)
            {
                var cells = new JsonArray();
                foreach (var column in _columns)
                {
                    cells.Add(row.TryGetValue(column, out var value) ? ToNode(value) : null);
                }
                data.Add(cells);
            }
            var table = new JsonObject
            {
                ["columns"] = new JsonArray([.. _columns.Select(c => (JsonNode?)JsonValue.Create(c))]),
                ["data"] = data,
            };
            return JsonSerializer.SerializeToUtf8Bytes(table);
        }
    }

    private static JsonValue? ToNode(object? value) => value switch
    {
        null => null,
        double d when double.IsFinite(d) => JsonValue.Create(d),
        double d => JsonValue.Create(d.ToString(CultureInfo.InvariantCulture)),
        float f when float.IsFinite(f) => JsonValue.Create((double)f),
        bool b => JsonValue.Create(b),
        string s => JsonValue.Create(s),
        int or long or short or byte or uint or ulong or ushort or sbyte or decimal => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        IFormattable f => JsonValue.Create(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => JsonValue.Create(value.ToString()),
    };

    /// <summary>Reads the public properties of an object (e.g. an anonymous <c>new { epoch = 1, loss = 0.3 }</c>) as a row.</summary>
    public static IReadOnlyDictionary<string, object?> RowFromObject(object row)
    {
        if (row is IReadOnlyDictionary<string, object?> dictionary)
        {
            return dictionary;
        }
        if (row is IDictionary<string, object?> mutable)
        {
            return mutable.AsReadOnly();
        }
        var properties = row.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToList();
        if (properties.Count == 0)
        {
            throw new InvalidInputException($"A row of type {row.GetType().Name} has no public properties to use as columns; pass an object like new {{ epoch = 1, loss = 0.31 }} or a dictionary.", "row");
        }
        return properties.ToDictionary(p => p.Name, p => p.GetValue(row));
    }
}
