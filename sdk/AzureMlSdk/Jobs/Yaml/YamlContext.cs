using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>Where a definition's keys were in its YAML file: dotted key path → 1-based line and column of the value.</summary>
internal sealed class SourceMap
{
    private readonly Dictionary<string, (int Line, int Column)> _positions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _literalBlocks = new(StringComparer.Ordinal);

    public SourceMap(string filePath) => FilePath = filePath;

    /// <summary>The YAML file as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>Records a value's position; for a literal block scalar (<c>|</c>) its text too, so offsets inside it map to lines.</summary>
    /// <summary>Nodes made by <c>--set</c>: they have no place in the file.</summary>
    public HashSet<YamlNode> Overridden { get; } = new(ReferenceEqualityComparer.Instance);

    public void Record(string key, YamlNode value)
    {
        if (Overridden.Contains(value))
        {
            _positions.Remove(key);
            _literalBlocks.Remove(key);
            return;
        }
        Record(key, value.Start);
        if (value is YamlScalarNode { Style: ScalarStyle.Literal, Value: { } text } && value.Start.Line > 0)
        {
            _literalBlocks[key] = text;
        }
        else
        {
            _literalBlocks.Remove(key);
        }
    }

    public void Record(string key, Mark mark)
    {
        if (mark.Line > 0)
        {
            _positions[key] = ((int)mark.Line, (int)mark.Column);
        }
        else
        {
            _positions.Remove(key);
        }
    }

    /// <summary>
    /// An error located at <paramref name="key"/>, or at its nearest recorded parent key. An <paramref name="offset"/> into
    /// a literal block scalar's text gives the exact line (the block's text starts on the line after its <c>|</c>).
    /// </summary>
    public JobDefinitionException Error(string key, string message, int? offset = null)
    {
        if (offset is { } at0 && _literalBlocks.TryGetValue(key, out var text) && _positions.TryGetValue(key, out var start) && at0 <= text.Length)
        {
            var line = start.Line + 1 + text.AsSpan(0, at0).Count('\n');
            return new JobDefinitionException(message, FilePath, line, null, key);
        }
        for (var probe = key; probe.Length > 0; probe = probe.LastIndexOf('.') is var dot and > 0 ? probe[..dot] : "")
        {
            if (_positions.TryGetValue(probe, out var at))
            {
                return new JobDefinitionException(message, FilePath, at.Line, at.Column, key);
            }
        }
        return new JobDefinitionException(message, FilePath, null, null, key);
    }
}

/// <summary>
/// One YAML file being read into a definition: its folder (relative paths resolve against it), the problems found so far
/// (all are reported at once, each with file, line, column and key) and the positions of the keys read, kept on the
/// definition so that later checks (placeholders, paths) can point at the right line too.
/// </summary>
internal sealed partial class YamlContext
{
    public YamlContext(string filePath, string baseDirectory)
    {
        FilePath = filePath;
        BaseDirectory = baseDirectory;
        Map = new SourceMap(filePath);
    }

    public string FilePath { get; }

    public string BaseDirectory { get; }

    public SourceMap Map { get; }

    public List<JobDefinitionException> Problems { get; } = [];

    /// <summary>Nodes made by <c>--set</c>: they have no place in the file.</summary>
    public HashSet<YamlNode> Overridden => Map.Overridden;

    public void Report(YamlNode? node, string key, string message) =>
        Problems.Add(node is null ? Map.Error(key, message)
            : Overridden.Contains(node) ? new JobDefinitionException($"{message} (value given with --set)", FilePath, null, null, key)
            : new JobDefinitionException(message, FilePath, (int)node.Start.Line, (int)node.Start.Column, key));

    /// <summary>Throws every problem found, as one <see cref="JobDefinitionException"/>.</summary>
    public void ThrowIfProblems()
    {
        if (Problems.Count > 0)
        {
            throw JobDefinitionException.Combine(Problems);
        }
    }

    /// <summary>Reads a file's single YAML document; syntax errors become located <see cref="JobDefinitionException"/>s.</summary>
    public static (YamlContext Context, YamlNode Root) Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new JobDefinitionException(Directory.Exists(full)
                ? $"'{path}' is a folder; give the path of a YAML file."
                : $"The YAML file '{path}' does not exist.", path);
        }
        var context = new YamlContext(path, Path.GetDirectoryName(full)!);
        return (context, context.Parse(File.ReadAllText(full)));
    }

    /// <summary>Parses YAML text that has no file (tests, <c>--set</c> values); relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static (YamlContext Context, YamlNode Root) FromText(string yaml, string displayName, string baseDirectory)
    {
        var context = new YamlContext(displayName, Path.GetFullPath(baseDirectory));
        return (context, context.Parse(yaml));
    }

    private YamlNode Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // The parser's own message ends with its position; ours leads with it.
            var reason = e.InnerException is { } inner && e.Message.StartsWith("(Line", StringComparison.Ordinal) ? inner.Message : StripPosition(e.Message);
            throw new JobDefinitionException($"invalid YAML: {reason}", FilePath, (int)e.Start.Line, (int)e.Start.Column, null, e);
        }
        catch (ArgumentException e)
        {
            // A mapping with the same key twice.
            throw new JobDefinitionException($"invalid YAML: {e.Message}", FilePath, null, null, null, e);
        }
        if (stream.Documents.Count == 0)
        {
            throw new JobDefinitionException("the file is empty; expected a YAML mapping such as 'command: ...'.", FilePath, 1, 1);
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            throw new JobDefinitionException("the file holds several YAML documents ('---'); a definition is one document.", FilePath, (int)second.Start.Line, (int)second.Start.Column);
        }
        var root = stream.Documents[0].RootNode;
        ExpandMergeKeys(root, new HashSet<YamlNode>(ReferenceEqualityComparer.Instance));
        return root;
    }

    /// <summary>
    /// YAML merge keys (<c>&lt;&lt;: *defaults</c>, or a list of aliases), which az ml's PyYAML applies: the merged
    /// mappings' keys are copied in unless the mapping sets them itself. Aliases are already the anchored nodes.
    /// </summary>
    private void ExpandMergeKeys(YamlNode node, HashSet<YamlNode> seen)
    {
        if (!seen.Add(node))
        {
            return;
        }
        switch (node)
        {
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    ExpandMergeKeys(item, seen);
                }
                break;
            case YamlMappingNode map:
                foreach (var child in map.Children.Values.ToList())
                {
                    ExpandMergeKeys(child, seen);
                }
                var mergeKey = new YamlScalarNode("<<");
                if (!map.Children.TryGetValue(mergeKey, out var merged))
                {
                    break;
                }
                map.Children.Remove(mergeKey);
                var sources = merged is YamlSequenceNode list ? list.Children.ToList() : [merged];
                foreach (var source in sources)
                {
                    if (source is not YamlMappingNode from)
                    {
                        Report(source, "<<", $"a merge key ('<<') takes a mapping or a list of mappings, not {Describe(source)}.");
                        continue;
                    }
                    foreach (var (key, value) in from.Children)
                    {
                        if (!map.Children.ContainsKey(key))
                        {
                            map.Children.Add(key, value);
                        }
                    }
                }
                break;
        }
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();

    private static string StripPosition(string message) => PositionPrefix().Replace(message, "");

    /// <summary>Starts reading a mapping node that must have only <paramref name="allowed"/> keys.</summary>
    public YamlMap? Mapping(YamlNode node, string path, string what, IReadOnlyCollection<string> allowed)
    {
        if (node is YamlMappingNode mapping)
        {
            return new YamlMap(this, mapping, path, what, allowed);
        }
        Report(node, path, $"{(path.Length == 0 ? "the document" : $"'{path}'")} must be a mapping ({what}), not {Describe(node)}.");
        return null;
    }

    /// <summary>A resolved local path: absolute paths as they are, relative ones against the YAML file's folder.</summary>
    public string ResolvePath(string path) => PathResolution.Resolve(path, BaseDirectory);

    /// <summary>How a node reads in an error message: <c>a list</c>, <c>the number 3</c>, <c>the text 'abc'</c>.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => YamlScalars.Value(s) switch
        {
            null => "null",
            bool b => $"the boolean {(b ? "true" : "false")}",
            long or double => $"the number {s.Value}",
            _ => $"the text '{Validate.Shorten(s.Value ?? "")}'",
        },
        _ => "an unsupported node",
    };

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
