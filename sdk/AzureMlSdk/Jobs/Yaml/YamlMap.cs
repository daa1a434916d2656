using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// A YAML mapping read against a fixed set of keys: an unknown key is reported (with the closest valid key), and each
/// typed getter reports a value of the wrong type with its line, column and dotted key path. Getters return null when the
/// key is absent, null, or reported.
/// </summary>
internal sealed class YamlMap
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public YamlMap(YamlContext context, YamlMappingNode node, string path, string what, IReadOnlyCollection<string> allowed)
    {
        Context = context;
        Node = node;
        Path = path;
        What = what;
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is not YamlScalarNode key || key.Value is null)
            {
                context.Report(keyNode, path, $"keys of {what} must be text, not {YamlContext.Describe(keyNode)}.");
                continue;
            }
            var keyPath = Sub(key.Value);
            if (!allowed.Contains(key.Value))
            {
                var suggestion = Suggest.Closest(key.Value, allowed);
                context.Report(key, keyPath, suggestion is not null
                    ? $"unknown key '{key.Value}' in {what}. Did you mean '{suggestion}'?"
                    : $"unknown key '{key.Value}' in {what}. Valid keys: {string.Join(", ", allowed.Where(a => a != "$schema").Order(StringComparer.Ordinal))}.");
                continue;
            }
            _entries[key.Value] = (key, value);
            context.Map.Record(keyPath, value);
        }
    }

    public YamlContext Context { get; }

    public YamlMappingNode Node { get; }

    /// <summary>This mapping's dotted path from the document's root ("" for the root).</summary>
    public string Path { get; }

    /// <summary>What this mapping is, for messages ("a command job", "input 'iris'").</summary>
    public string What { get; }

    public IEnumerable<string> Keys => _entries.Keys;

    public bool Has(string key) => _entries.ContainsKey(key);

    public string Sub(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The value node of a key, or null when the key is absent.</summary>
    public YamlNode? Get(string key) => _entries.TryGetValue(key, out var e) ? e.Value : null;

    /// <summary>The key node itself (for errors about the key rather than its value).</summary>
    public YamlScalarNode? KeyNode(string key) => _entries.TryGetValue(key, out var e) ? e.Key : null;

    public void Report(string key, string message) => Context.Report(Get(key) ?? Node, Sub(key), message);

    private YamlScalarNode? Scalar(string key, string expected)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s:
                return YamlScalars.Value(s) is null ? null : s;
            default:
                Context.Report(node, Sub(key), $"'{Sub(key)}' must be {expected}, not {YamlContext.Describe(node)}.");
                return null;
        }
    }

    /// <summary>Text; numbers and booleans are taken as written (<c>version: 10</c> is "10").</summary>
    public string? String(string key) => Scalar(key, "text") is { } s ? s.Value : null;

    /// <summary>Text that must be present and not blank.</summary>
    public string? RequiredString(string key)
    {
        if (!Has(key))
        {
            Context.Report(Node, Sub(key), $"{What} needs '{key}'.");
            return null;
        }
        var value = String(key);
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Report(key, $"'{Sub(key)}' must not be empty.");
            return null;
        }
        if (value is null && Get(key) is YamlScalarNode)
        {
            Report(key, $"'{Sub(key)}' must not be null.");
        }
        return value;
    }

    public long? Long(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        if (Scalar(key, "an integer") is not { } s)
        {
            return null;
        }
        if (YamlScalars.Value(s) is not long value)
        {
            Context.Report(s, Sub(key), $"'{Sub(key)}' must be an integer, not {YamlContext.Describe(s)}.");
            return null;
        }
        if (value < min || value > max)
        {
            Context.Report(s, Sub(key), max == long.MaxValue
                ? YamlContext.Invariant($"'{Sub(key)}' must be at least {min}, not {value}.")
                : YamlContext.Invariant($"'{Sub(key)}' must be between {min} and {max}, not {value}."));
            return null;
        }
        return value;
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue) => (int?)Long(key, min, max);

    public double? Number(string key)
    {
        if (Scalar(key, "a number") is not { } s)
        {
            return null;
        }
        switch (YamlScalars.Value(s))
        {
            case long l:
                return l;
            case double d:
                return d;
            default:
                Context.Report(s, Sub(key), $"'{Sub(key)}' must be a number, not {YamlContext.Describe(s)}.");
                return null;
        }
    }

    public bool? Bool(string key)
    {
        if (Scalar(key, "true or false") is not { } s)
        {
            return null;
        }
        if (YamlScalars.Value(s) is bool b)
        {
            return b;
        }
        Context.Report(s, Sub(key), $"'{Sub(key)}' must be true or false, not {YamlContext.Describe(s)}.");
        return null;
    }

    /// <summary>One of a fixed set of words (case-insensitive, as az ml), reported with the valid ones and the closest.</summary>
    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> values) where T : struct
    {
        if (String(key) is not { } text)
        {
            return null;
        }
        foreach (var (word, value) in values)
        {
            if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        Report(key, $"'{Sub(key)}' must be one of {string.Join(", ", values.Keys)}, not '{text}'.{Suggest.DidYouMean(text, values.Keys)}");
        return null;
    }

    /// <summary>One of a fixed set of words (case-sensitive, as az ml's enums), reported with the valid ones and the closest.</summary>
    public string? Word(string key, IReadOnlyCollection<string> words)
    {
        if (String(key) is not { } text)
        {
            return null;
        }
        if (words.Contains(text))
        {
            return text;
        }
        Report(key, $"'{Sub(key)}' must be one of {string.Join(", ", words)}, not '{text}'.{Suggest.DidYouMean(text, words)}");
        return null;
    }

    /// <summary>A nested mapping with its own set of keys, or null when absent, null, or of the wrong type.</summary>
    public YamlMap? Map(string key, string what, IReadOnlyCollection<string> allowed)
    {
        var node = Get(key);
        if (node is null || node is YamlScalarNode s && YamlScalars.Value(s) is null)
        {
            return null;
        }
        return Context.Mapping(node, Sub(key), what, allowed);
    }

    /// <summary>A mapping of names to anything: (name, key node, value node) in file order.</summary>
    public IEnumerable<(string Name, YamlScalarNode KeyNode, YamlNode Value)> Entries(string key)
    {
        var node = Get(key);
        if (node is null || node is YamlScalarNode s && YamlScalars.Value(s) is null)
        {
            yield break;
        }
        if (node is not YamlMappingNode mapping)
        {
            Context.Report(node, Sub(key), $"'{Sub(key)}' must be a mapping of names to values, not {YamlContext.Describe(node)}.");
            yield break;
        }
        foreach (var (k, v) in mapping.Children)
        {
            if (k is not YamlScalarNode name || string.IsNullOrEmpty(name.Value))
            {
                Context.Report(k, Sub(key), $"the names in '{Sub(key)}' must be text, not {YamlContext.Describe(k)}.");
                continue;
            }
            Context.Map.Record($"{Sub(key)}.{name.Value}", v);
            yield return (name.Value, name, v);
        }
    }

    /// <summary>A mapping of names to text values (tags, properties, environment variables); scalars are taken as written, null as "".</summary>
    public Dictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _, value) in Entries(key))
        {
            if (value is YamlScalarNode s)
            {
                result[name] = YamlScalars.Text(s) ?? "";
            }
            else
            {
                Context.Report(value, $"{Sub(key)}.{name}", $"'{Sub(key)}.{name}' must be text, not {YamlContext.Describe(value)}.");
            }
        }
        return result;
    }

    /// <summary>A list of text values.</summary>
    public List<string>? StringList(string key)
    {
        var node = Get(key);
        if (node is null || node is YamlScalarNode s0 && YamlScalars.Value(s0) is null)
        {
            return null;
        }
        if (node is not YamlSequenceNode seq)
        {
            Context.Report(node, Sub(key), $"'{Sub(key)}' must be a list, not {YamlContext.Describe(node)}.");
            return null;
        }
        var list = new List<string>();
        var i = 0;
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode s && YamlScalars.Text(s) is { } text)
            {
                list.Add(text);
            }
            else
            {
                Context.Report(item, Sub(key) + string.Create(CultureInfo.InvariantCulture, $"[{i}]"), $"the items of '{Sub(key)}' must be text, not {YamlContext.Describe(item)}.");
            }
            i++;
        }
        return list;
    }
}
