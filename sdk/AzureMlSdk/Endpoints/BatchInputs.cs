using System.Text;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Endpoints;

/// <summary>How a batch input file is read.</summary>
internal enum BatchFileFormat
{
    /// <summary>Delimited text with (or without) a header row.</summary>
    Delimited,

    /// <summary>One JSON object per line.</summary>
    JsonLines,

    /// <summary>A Parquet file (an MLTable's <c>read_parquet</c>, or a plain <c>.parquet</c> file): typed columns, read row group by row group.</summary>
    Parquet,
}

/// <summary>
/// One file a batch job reads: where it is, its name in the outputs (relative to the input folder), and how it is read (an MLTable's
/// <c>read_delimited</c> settings; plain <c>.csv</c> files are comma-separated with a header).
/// </summary>
internal sealed record BatchInputFile(string Path, string Name, BatchFileFormat Format)
{
    /// <summary>The field delimiter of a delimited file.</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>Whether the file's first row names its columns.</summary>
    public bool Header { get; init; } = true;

    /// <summary>Column names of a file without a header row (an MLTable's <c>header: from_first_file</c>); else <c>Column1</c>, <c>Column2</c>, ….</summary>
    public IReadOnlyList<string>? Columns { get; init; }

    /// <summary>Whether an empty field is an empty string rather than a missing value (<c>empty_as_string</c>).</summary>
    public bool EmptyAsString { get; init; }

    /// <summary>The text encoding.</summary>
    public Encoding Encoding { get; init; } = Encoding.UTF8;

    /// <summary>Whether each row gets a <c>Path</c> column naming its file (<see cref="Name"/>): <c>read_parquet</c>'s <c>include_path_column</c>.</summary>
    public bool IncludePathColumn { get; init; }
}

/// <summary>
/// What a batch endpoint reads: shared by the local batch scorer (AzureMlSdk.Serving), the Emulator and the remote backend, which
/// uploads the same files. An input is a <c>.csv</c> / <c>.jsonl</c> / <c>.parquet</c> file, a folder of them, or an <b>MLTable
/// folder</b> (a folder with an <c>MLTable</c> file, or that file itself): its <c>paths</c> (<c>file</c>, <c>folder</c>,
/// <c>pattern</c>, relative to the folder) read with <c>read_delimited</c> (delimiter, header, encoding, empty_as_string),
/// <c>read_json_lines</c> or <c>read_parquet</c> (include_path_column).
/// </summary>
internal static class BatchInputs
{
    /// <summary>The name of an MLTable folder's definition file.</summary>
    public const string MLTableFileName = "MLTable";

    /// <summary>The .csv, .jsonl and .parquet files a batch job reads from <paramref name="inputPath"/> (a file, a folder or an MLTable folder), in order.</summary>
    internal static List<string> InputFiles(string inputPath) => Resolve(inputPath).Select(f => f.Path).ToList();

    /// <summary>The folder or file an input stands for: an <c>MLTable</c> file stands for its folder.</summary>
    internal static string Root(string inputPath) =>
        File.Exists(inputPath) && string.Equals(Path.GetFileName(inputPath), MLTableFileName, StringComparison.Ordinal)
            ? Path.GetDirectoryName(Path.GetFullPath(inputPath))!
            : inputPath;

    /// <summary>Whether <paramref name="inputPath"/> is an MLTable folder (or its MLTable file).</summary>
    internal static bool IsMLTable(string inputPath)
    {
        var root = Root(inputPath);
        return Directory.Exists(root) && File.Exists(Path.Combine(root, MLTableFileName));
    }

    /// <summary>The files a batch job reads from <paramref name="inputPath"/>, each with its output name and reading settings.</summary>
    /// <exception cref="InvalidInputException">The input does not exist, holds nothing to read, or its MLTable file is invalid or unsupported.</exception>
    internal static List<BatchInputFile> Resolve(string inputPath)
    {
        var root = Root(inputPath);
        if (IsMLTable(root))
        {
            return ReadMLTable(root);
        }
        string[] files;
        if (File.Exists(root))
        {
            files = [root];
        }
        else if (Directory.Exists(root))
        {
            files = Directory.GetFiles(root, "*", SearchOption.AllDirectories);
        }
        else
        {
            throw new InvalidInputException($"Batch input '{inputPath}' is neither a file nor a folder.", nameof(inputPath));
        }
        var inputs = files.Where(f => IsReadable(f)).Order(StringComparer.Ordinal).ToList();
        if (inputs.Count == 0)
        {
            throw new InvalidInputException($"Batch input '{inputPath}' holds no .csv, .jsonl or .parquet file (nor an MLTable file).", nameof(inputPath));
        }
        var isFolder = Directory.Exists(root);
        return inputs.Select(f => new BatchInputFile(f, isFolder ? Path.GetRelativePath(root, f).Replace('\\', '/') : Path.GetFileName(f),
            Path.GetExtension(f).ToLowerInvariant() switch
            {
                ".jsonl" => BatchFileFormat.JsonLines,
                ".parquet" => BatchFileFormat.Parquet,
                _ => BatchFileFormat.Delimited,
            })).ToList();
    }

    /// <summary>Whether a file of a plain (non-MLTable) input is read: <c>.csv</c>, <c>.jsonl</c> or <c>.parquet</c>.</summary>
    internal static bool IsReadable(string file) => Path.GetExtension(file).ToLowerInvariant() is ".csv" or ".jsonl" or ".parquet";

    /// <summary>
    /// The files to send for <paramref name="inputPath"/> (relative to <see cref="Root"/> for a folder): the files read, plus the
    /// MLTable file of an MLTable folder. An MLTable whose paths leave its folder cannot be sent.
    /// </summary>
    internal static List<string> FilesToSend(string inputPath)
    {
        var files = InputFiles(inputPath);
        if (!IsMLTable(inputPath))
        {
            return files;
        }
        var root = Path.GetFullPath(Root(inputPath));
        var outside = files.FirstOrDefault(f => !Path.GetFullPath(f).StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        if (outside is not null)
        {
            throw new InvalidInputException($"MLTable '{Path.Combine(root, MLTableFileName)}' reads '{outside}', outside its folder; only an MLTable folder that holds its files can be uploaded.", nameof(inputPath));
        }
        return [Path.Combine(root, MLTableFileName), .. files];
    }

    private static List<BatchInputFile> ReadMLTable(string folder)
    {
        var file = Path.Combine(folder, MLTableFileName);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                stream.Load(reader);
            }
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m ? m
                : throw Invalid(file, "must be a YAML mapping with 'paths' and 'transformations'.");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw Invalid(file, $"(line {e.Start.Line}) is not valid YAML: {e.Message}");
        }
        var format = BatchFileFormat.Delimited;
        var delimiter = ',';
        var header = "all_files_same_headers";
        var emptyAsString = false;
        var encoding = Encoding.UTF8;
        var includePath = false;
        if (Child(root, "transformations") is YamlSequenceNode transformations)
        {
            foreach (var t in transformations.Children)
            {
                var name = t is YamlMappingNode tm ? (tm.Children.Keys.FirstOrDefault() as YamlScalarNode)?.Value : (t as YamlScalarNode)?.Value;
                var settings = t is YamlMappingNode withSettings ? withSettings.Children.Values.FirstOrDefault() as YamlMappingNode : null;
                switch (name)
                {
                    case "read_delimited":
                        if (settings is not null)
                        {
                            if (Scalar(settings, "delimiter") is { Length: > 0 } d)
                            {
                                delimiter = d is "\\t" or "\t" ? '\t' : d.Length == 1 ? d[0] : throw Invalid(file, $"has delimiter '{d}'; a delimiter is one character.");
                            }
                            header = Scalar(settings, "header") ?? header;
                            if (header is not ("all_files_same_headers" or "all_files_different_headers" or "from_first_file" or "no_header"))
                            {
                                throw Invalid(file, $"has header '{header}'; use all_files_same_headers, all_files_different_headers, from_first_file or no_header.");
                            }
                            emptyAsString = Scalar(settings, "empty_as_string") is "true" or "True";
                            encoding = Scalar(settings, "encoding")?.ToLowerInvariant() switch
                            {
                                null or "utf8" or "utf-8" => Encoding.UTF8,
                                "ascii" => Encoding.ASCII,
                                "latin1" or "iso88591" or "iso-8859-1" => Encoding.Latin1,
                                var other => throw Invalid(file, $"has encoding '{other}'; use utf8, ascii or latin1."),
                            };
                        }
                        break;
                    case "read_json_lines":
                        format = BatchFileFormat.JsonLines;
                        break;
                    case "read_parquet":
                        format = BatchFileFormat.Parquet;
                        includePath = settings is not null && Scalar(settings, "include_path_column") switch
                        {
                            null or "false" or "False" => false,
                            "true" or "True" => true,
                            var other => throw Invalid(file, $"has include_path_column '{other}'; use true or false."),
                        };
                        if (settings is not null && settings.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value is not "include_path_column") is { } unknown)
                        {
                            throw Invalid(file, $"has read_parquet setting '{unknown.Value}'; read_parquet takes include_path_column.");
                        }
                        break;
                    case "drop_columns" or "keep_columns" or "convert_column_types":
                        // Scoring takes the model's columns by name and converts each value to its input's type: nothing to do.
                        break;
                    default:
                        throw Invalid(file, $"has transformation '{name}', which batch scoring here does not apply (it reads read_delimited, read_json_lines or read_parquet; drop_columns, keep_columns and convert_column_types change nothing); remove it or apply it to the files first.");
                }
            }
        }
        if (Child(root, "paths") is not YamlSequenceNode paths || paths.Children.Count == 0)
        {
            throw Invalid(file, "has no 'paths' (a list of file:, folder: or pattern: entries).");
        }
        var files = new List<string>();
        foreach (var entry in paths.Children)
        {
            if (entry is not YamlMappingNode mapping)
            {
                throw Invalid(file, "has a 'paths' entry that is not a mapping such as '- file: ./data.csv'.");
            }
            foreach (var (k, v) in mapping.Children)
            {
                var kind = (k as YamlScalarNode)?.Value;
                var value = (v as YamlScalarNode)?.Value ?? "";
                if (value.Contains("://", StringComparison.Ordinal))
                {
                    throw Invalid(file, $"reads '{value}', a remote path; batch scoring reads the MLTable's local files (download the data first).");
                }
                var full = Path.GetFullPath(Path.Combine(folder, value));
                switch (kind)
                {
                    case "file":
                        files.Add(File.Exists(full) ? full : throw Invalid(file, $"names file '{value}', which does not exist."));
                        break;
                    case "folder":
                        // A folder of Parquet files skips what Spark and pyarrow leave beside them (_SUCCESS, _metadata, .crc files), as they do.
                        files.AddRange(Directory.Exists(full)
                            ? Directory.GetFiles(full, "*", SearchOption.AllDirectories)
                                .Where(f => Path.GetFileName(f) != MLTableFileName && !(format == BatchFileFormat.Parquet && Path.GetFileName(f) is ['_' or '.', ..]))
                                .Order(StringComparer.Ordinal)
                            : throw Invalid(file, $"names folder '{value}', which does not exist."));
                        break;
                    case "pattern":
                        files.AddRange(Glob(folder, value));
                        break;
                    default:
                        throw Invalid(file, $"has a path of kind '{kind}'; use file, folder or pattern.");
                }
            }
        }
        files = files.Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw Invalid(file, "names no files.");
        }
        IReadOnlyList<string>? firstColumns = null;
        if (header == "from_first_file" && format == BatchFileFormat.Delimited)
        {
            using var reader = new StreamReader(files[0], encoding);
            firstColumns = SplitHeader(reader.ReadLine() ?? "", delimiter);
        }
        return files.Select((f, i) => new BatchInputFile(f, Path.GetRelativePath(folder, f).Replace('\\', '/'), format)
        {
            Delimiter = delimiter,
            Header = header switch
            {
                "no_header" => false,
                "from_first_file" => i == 0,
                _ => true,
            },
            Columns = header == "from_first_file" && i > 0 ? firstColumns : null,
            EmptyAsString = emptyAsString,
            Encoding = encoding,
            IncludePathColumn = includePath,
        }).ToList();
    }

    /// <summary>The files matching a pattern relative to the folder: <c>*</c> and <c>?</c> within a name, <c>**</c> for any folders.</summary>
    private static IEnumerable<string> Glob(string folder, string pattern)
    {
        var regex = new StringBuilder("^");
        var normalized = pattern.Replace('\\', '/');
        if (normalized.StartsWith("./", StringComparison.Ordinal))
        {
            normalized = normalized[2..];
        }
        for (var i = 0; i < normalized.Length; i++)
        {
            var c = normalized[i];
            if (c == '*' && i + 1 < normalized.Length && normalized[i + 1] == '*')
            {
                regex.Append(i + 2 < normalized.Length && normalized[i + 2] == '/' ? "(.*/)?" : ".*");
                i += i + 2 < normalized.Length && normalized[i + 2] == '/' ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()),
                });
            }
        }
        var matcher = new System.Text.RegularExpressions.Regex(regex.Append('$').ToString(), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => matcher.IsMatch(Path.GetRelativePath(folder, f).Replace('\\', '/')) && Path.GetFileName(f) != MLTableFileName)
            .Order(StringComparer.Ordinal);
    }

    private static List<string> SplitHeader(string line, char delimiter) =>
        line.TrimStart('\uFEFF').Split(delimiter).Select(c => c.Trim().Trim('"')).ToList();

    private static InvalidInputException Invalid(string file, string problem) => new($"MLTable '{file}' {problem}", "inputPath");

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var v } && v == key).Value;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
