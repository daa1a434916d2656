using System.Globalization;
using System.Text;
using AzureMlSdk.Tabular;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.AutoML.Data;

/// <summary>
/// A table of raw text values, as read from CSV or Parquet (null = missing): what every later step starts from. Parquet's column
/// types are kept as <see cref="Kinds"/> (the values are their invariant text), so featurisation takes a string column of digits as
/// categories and a timestamp column as dates, as the file says, where a CSV's columns are inferred from their text.
/// </summary>
internal sealed class TabularData
{
    public TabularData(IReadOnlyList<string> columns, List<string?[]> rows, string source, IReadOnlyList<TabularKind?>? kinds = null)
    {
        Columns = columns;
        Rows = rows;
        Source = source;
        Kinds = kinds;
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Each column's declared kind (Parquet), null where it is inferred from the text (CSV; the path column).</summary>
    public IReadOnlyList<TabularKind?>? Kinds { get; }

    public TabularKind? KindOf(int column) => Kinds is null ? null : Kinds[column];

    public List<string?[]> Rows { get; }

    public string Source { get; }

    public int RowCount => Rows.Count;

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == column)
            {
                return i;
            }
        }
        return -1;
    }

    public IEnumerable<string?> Column(int index) => Rows.Select(r => r[index]);

    public TabularData WithRows(IEnumerable<int> indices) => new(Columns, indices.Select(i => Rows[i]).ToList(), Source, Kinds);

    public TabularData WithRows(List<string?[]> rows) => new(Columns, rows, Source, Kinds);

    /// <summary>
    /// Reads a CSV or Parquet file, an MLTable folder (its <c>MLTable</c> file: <c>paths</c> and <c>read_delimited</c> or
    /// <c>read_parquet</c>) or a folder of CSV files (or, with none, of Parquet files).
    /// </summary>
    public static TabularData Load(string path)
    {
        if (File.Exists(path))
        {
            return Path.GetFileName(path) == "MLTable" ? LoadMLTable(Path.GetDirectoryName(path)!)
                : IsParquet(path) ? ParquetData.Read(path, null)
                : Csv.Read(path, ',', header: true);
        }
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "MLTable")))
            {
                return LoadMLTable(path);
            }
            var files = Directory.GetFiles(path, "*.csv").Order(StringComparer.Ordinal).ToList();
            if (files.Count > 0)
            {
                return Concat(files.Select(f => Csv.Read(f, ',', header: true)).ToList(), path);
            }
            files = Directory.GetFiles(path, "*.parquet").Where(f => !IsHidden(f)).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{path}' is a folder with neither an MLTable file nor CSV or Parquet files.");
            }
            return Concat(files.Select(f => ParquetData.Read(f, null)).ToList(), path);
        }
        throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"The data '{path}' does not exist.");
    }

    private static TabularData Concat(List<TabularData> parts, string source)
    {
        var first = parts[0];
        foreach (var p in parts.Skip(1))
        {
            if (!p.Columns.SequenceEqual(first.Columns))
            {
                throw new AutoMLDataException(AutoMLDataProblem.SchemaMismatch, $"'{p.Source}' has columns {string.Join(", ", p.Columns)}; '{first.Source}' has {string.Join(", ", first.Columns)}.");
            }
        }
        List<TabularKind?>? kinds = null;
        if (first.Kinds is not null)
        {
            kinds = [.. first.Kinds];
            foreach (var p in parts.Skip(1))
            {
                for (var c = 0; c < kinds.Count; c++)
                {
                    var (a, b) = (kinds[c], p.KindOf(c));
                    if (a == b)
                    {
                        continue;
                    }
                    // Whole numbers in one file and decimals or floating point in another are numbers: the wider kind.
                    kinds[c] = (a, b) switch
                    {
                        (TabularKind.Integer or TabularKind.Real or TabularKind.Decimal, TabularKind.Integer or TabularKind.Real or TabularKind.Decimal) => TabularKind.Real,
                        _ => throw new AutoMLDataException(AutoMLDataProblem.SchemaMismatch,
                            $"Column '{first.Columns[c]}' is {Describe(b)} in '{p.Source}' but {Describe(a)} in '{first.Source}'.", first.Columns[c]),
                    };
                }
            }
        }
        return new TabularData(first.Columns, parts.SelectMany(p => p.Rows).ToList(), source, kinds);
    }

    private static string Describe(TabularKind? kind) => kind switch
    {
        null => "text",
        TabularKind.DateTime => "date/time",
        var k => k.ToString()!.ToLowerInvariant(),
    };

    private static bool IsParquet(string file) => Path.GetExtension(file).Equals(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>Files that Spark, Hadoop and pyarrow leave beside Parquet data (<c>_SUCCESS</c>, <c>.crc</c>, <c>_metadata</c>) and skip when reading a folder.</summary>
    private static bool IsHidden(string file) => Path.GetFileName(file) is var name && (name.StartsWith('_') || name.StartsWith('.'));

    /// <summary>
    /// An MLTable folder: <c>paths</c> (<c>file</c>, <c>folder</c>, <c>pattern</c>) read with <c>read_delimited</c> (delimiter, header,
    /// encoding, empty_as_string) or <c>read_parquet</c> (include_path_column: a <c>Path</c> column naming each row's file, relative to
    /// the folder).
    /// </summary>
    internal static TabularData LoadMLTable(string folder)
    {
        var file = Path.Combine(folder, "MLTable");
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m
                : throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' must be a YAML mapping with 'paths' and 'transformations'.");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' (line {e.Start.Line}) is not valid YAML: {e.Message}");
        }
        var delimiter = ',';
        var header = true;
        var emptyAsString = false;
        var parquet = false;
        var includePath = false;
        if (Child(root, "transformations") is YamlSequenceNode transformations)
        {
            foreach (var t in transformations.Children)
            {
                var name = t is YamlMappingNode tm ? (tm.Children.Keys.FirstOrDefault() as YamlScalarNode)?.Value : (t as YamlScalarNode)?.Value;
                switch (name)
                {
                    case "read_delimited":
                        var settings = ((YamlMappingNode)t).Children.Values.First() as YamlMappingNode;
                        if (settings is not null)
                        {
                            if (Scalar(settings, "delimiter") is { Length: > 0 } d)
                            {
                                delimiter = d == "\\t" ? '\t' : d[0];
                            }
                            header = Scalar(settings, "header") is not { } h || h is "all_files_same_headers" or "from_first_file" or "all_files_different_headers" or "true" or "True";
                            emptyAsString = Scalar(settings, "empty_as_string") is "true" or "True";
                            if (Scalar(settings, "encoding") is { } enc && enc.ToLowerInvariant() is not ("utf8" or "utf-8" or "ascii" or "latin1" or "iso88591"))
                            {
                                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}': encoding '{enc}' is not supported locally; use utf8, ascii or latin1.");
                            }
                        }
                        break;
                    case "read_parquet":
                        parquet = true;
                        if (t is YamlMappingNode { Children.Values: var values } && values.FirstOrDefault() is YamlMappingNode parquetSettings)
                        {
                            includePath = Scalar(parquetSettings, "include_path_column") switch
                            {
                                null or "false" or "False" => false,
                                "true" or "True" => true,
                                var other => throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' has include_path_column '{other}'; use true or false."),
                            };
                            if (parquetSettings.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value is not "include_path_column") is { } unknown)
                            {
                                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' has read_parquet setting '{unknown.Value}'; read_parquet takes include_path_column.");
                            }
                        }
                        break;
                    case "read_json_lines":
                        throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' reads JSON lines (read_json_lines), which the local AutoML does not read; use CSV (read_delimited).");
                    case "take" or "drop_columns" or "keep_columns" or "convert_column_types" or "skip" or "filter" or null:
                        break;
                }
            }
        }
        if (Child(root, "paths") is not YamlSequenceNode paths || paths.Children.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' has no 'paths' (a list of file:, folder: or pattern: entries).");
        }
        var files = new List<string>();
        foreach (var entry in paths.Children.OfType<YamlMappingNode>())
        {
            foreach (var (k, v) in entry.Children)
            {
                var kind = (k as YamlScalarNode)?.Value;
                var value = (v as YamlScalarNode)?.Value ?? "";
                if (value.Contains("://", StringComparison.Ordinal))
                {
                    throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' reads '{value}', a remote path; the local AutoML reads local files (download the data, or run the job in Azure ML).");
                }
                var full = Path.GetFullPath(Path.Combine(folder, value));
                switch (kind)
                {
                    case "file":
                        files.Add(full);
                        break;
                    case "folder":
                        files.AddRange(Directory.Exists(full)
                            ? Directory.GetFiles(full).Where(f => Path.GetFileName(f) != "MLTable" && !(parquet && IsHidden(f))).Order(StringComparer.Ordinal)
                            : []);
                        break;
                    case "pattern":
                        var dir = Path.GetDirectoryName(full)!;
                        files.AddRange(Directory.Exists(dir) ? Directory.GetFiles(dir, Path.GetFileName(full)).Order(StringComparer.Ordinal) : []);
                        break;
                }
            }
        }
        var missing = files.FirstOrDefault(f => !File.Exists(f));
        if (missing is not null || files.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, missing is null ? $"'{file}' names no files." : $"'{file}' names '{missing}', which does not exist.");
        }
        var parts = parquet
            ? files.Select(f => ParquetData.Read(f, includePath ? Path.GetRelativePath(folder, f).Replace('\\', '/') : null)).ToList()
            : files.Select(f => Csv.Read(f, delimiter, header, emptyAsString)).ToList();
        return Concat(parts, folder);
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var v } && v == key).Value;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}

/// <summary>Parquet files (<c>read_parquet</c>), read row group by row group; the values become their invariant text, their types <see cref="TabularData.Kinds"/>.</summary>
internal static class ParquetData
{
    /// <summary>Reads <paramref name="path"/>; with <paramref name="pathValue"/>, adds a <c>Path</c> column holding it (include_path_column).</summary>
    public static TabularData Read(string path, string? pathValue)
    {
        static Exception Fail(string message, string? column) => new AutoMLDataException(AutoMLDataProblem.UnreadableData, message, column);
        // Parquet.Net is asynchronous only; loading data is synchronous here, on the job's own thread (no synchronization context).
        return ReadAsync(path, pathValue, Fail).GetAwaiter().GetResult();
    }

    private static async Task<TabularData> ReadAsync(string path, string? pathValue, Func<string, string?, Exception> fail)
    {
        await using var table = await ParquetTable.OpenAsync(path, fail, CancellationToken.None).ConfigureAwait(false);
        var names = table.Columns.Select(c => c.Name).ToList();
        var kinds = table.Columns.Select(c => (TabularKind?)c.Kind).ToList();
        if (pathValue is not null)
        {
            if (names.Contains(ParquetTable.PathColumn, StringComparer.Ordinal))
            {
                throw fail($"'{path}' already has a column '{ParquetTable.PathColumn}', which include_path_column would add.", ParquetTable.PathColumn);
            }
            names.Add(ParquetTable.PathColumn);
            kinds.Add(null);
        }
        var rows = new List<string?[]>(checked((int)Math.Min(table.RowCount, int.MaxValue)));
        await foreach (var values in table.RowsAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var row = new string?[names.Count];
            for (var c = 0; c < values.Length; c++)
            {
                row[c] = values[c] is double d && !double.IsFinite(d) || values[c] is float f && !float.IsFinite(f) ? null : ParquetTable.Text(values[c]);
            }
            if (pathValue is not null)
            {
                row[^1] = pathValue;
            }
            rows.Add(row);
        }
        return new TabularData(names, rows, path, kinds);
    }
}

/// <summary>RFC 4180 CSV: quoted fields (with doubled quotes and line breaks), any one-character delimiter; empty fields are missing.</summary>
internal static class Csv
{
    public static TabularData Read(string path, char delimiter, bool header, bool emptyAsString = false)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (IOException e)
        {
            throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{path}' could not be read: {e.Message}");
        }
        var records = Parse(text, delimiter);
        if (records.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData, $"'{path}' is empty: it has no header and no rows.");
        }
        var names = header ? records[0].Select((n, i) => string.IsNullOrWhiteSpace(n) ? string.Create(CultureInfo.InvariantCulture, $"Column{i + 1}") : n.Trim()).ToArray()
            : records[0].Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"Column{i + 1}")).ToArray();
        var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{path}' has two columns named '{duplicate.Key}'.", duplicate.Key);
        }
        var rows = new List<string?[]>(records.Count);
        for (var r = header ? 1 : 0; r < records.Count; r++)
        {
            var record = records[r];
            if (record.Count == 1 && record[0].Length == 0)
            {
                continue;
            }
            if (record.Count != names.Length)
            {
                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, string.Create(CultureInfo.InvariantCulture, $"'{path}' line {r + 1} has {record.Count} fields; the header has {names.Length}."));
            }
            var row = new string?[names.Length];
            for (var c = 0; c < names.Length; c++)
            {
                var v = record[c];
                row[c] = v.Length == 0 && !emptyAsString ? null : v;
            }
            rows.Add(row);
        }
        return new TabularData(names, rows, path);
    }

    internal static List<List<string>> Parse(string text, char delimiter)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            i = 1;
        }
        var any = false;
        for (; i < text.Length; i++)
        {
            var ch = text[i];
            any = true;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(ch);
                }
                continue;
            }
            if (ch == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (ch == delimiter)
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (ch is '\n' or '\r')
            {
                if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                any = false;
            }
            else
            {
                field.Append(ch);
            }
        }
        if (any || field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }
        return records;
    }
}
