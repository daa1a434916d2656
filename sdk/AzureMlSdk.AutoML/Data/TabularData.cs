using System.Globalization;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.AutoML.Data;

/// <summary>A table of raw text values, as read from CSV (null = missing): what every later step starts from.</summary>
internal sealed class TabularData
{
    public TabularData(IReadOnlyList<string> columns, List<string?[]> rows, string source)
    {
        Columns = columns;
        Rows = rows;
        Source = source;
    }

    public IReadOnlyList<string> Columns { get; }

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

    public TabularData WithRows(IEnumerable<int> indices) => new(Columns, indices.Select(i => Rows[i]).ToList(), Source);

    public TabularData WithRows(List<string?[]> rows) => new(Columns, rows, Source);

    /// <summary>Reads a CSV file, an MLTable folder (its <c>MLTable</c> file: <c>paths</c> and <c>read_delimited</c>) or a folder of CSV files.</summary>
    public static TabularData Load(string path)
    {
        if (File.Exists(path))
        {
            return Path.GetFileName(path) == "MLTable" ? LoadMLTable(Path.GetDirectoryName(path)!) : Csv.Read(path, ',', header: true);
        }
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, "MLTable")))
            {
                return LoadMLTable(path);
            }
            var files = Directory.GetFiles(path, "*.csv").Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{path}' is a folder with neither an MLTable file nor CSV files.");
            }
            return Concat(files.Select(f => Csv.Read(f, ',', header: true)).ToList(), path);
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
        return new TabularData(first.Columns, parts.SelectMany(p => p.Rows).ToList(), source);
    }

    /// <summary>An MLTable folder: <c>paths</c> (<c>file</c>, <c>folder</c>, <c>pattern</c>) read with <c>read_delimited</c> (delimiter, header, encoding, empty_as_string).</summary>
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
                        throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"'{file}' reads Parquet files (read_parquet), which the local AutoML does not read; convert them to CSV (read_delimited), or run the job in Azure ML.");
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
                        files.AddRange(Directory.Exists(full) ? Directory.GetFiles(full).Order(StringComparer.Ordinal) : []);
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
        var parts = files.Select(f => Csv.Read(f, delimiter, header, emptyAsString)).ToList();
        return Concat(parts, folder);
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var v } && v == key).Value;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
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
