using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AzureMlSdk;

/// <summary>What a command placeholder refers to.</summary>
public enum PlaceholderKind
{
    /// <summary><c>${{inputs.name}}</c>: the input's literal value or local path.</summary>
    Input,
    /// <summary><c>${{outputs.name}}</c>: the output's local folder (or file).</summary>
    Output,
    /// <summary><c>${{search_space.name}}</c>: a sweep trial's sampled hyperparameter.</summary>
    SearchSpace,
}

/// <summary>One <c>${{kind.name}}</c> in a command.</summary>
/// <param name="Kind">Input, output or search-space value.</param>
/// <param name="Name">The input, output or hyperparameter name.</param>
/// <param name="Index">Where the placeholder starts in the command text (0-based).</param>
/// <param name="Length">The placeholder's length, braces included.</param>
/// <param name="IsOptional">True inside a <c>$[[ … ]]</c> optional part.</param>
public sealed record CommandPlaceholder(PlaceholderKind Kind, string Name, int Index, int Length, bool IsOptional)
{
    /// <summary>The canonical spelling: <c>${{inputs.name}}</c>, <c>${{outputs.name}}</c>, <c>${{search_space.name}}</c>.</summary>
    public string Expression => "${{" + Prefix(Kind) + "." + Name + "}}";

    internal static string Prefix(PlaceholderKind kind) => kind switch
    {
        PlaceholderKind.Input => "inputs",
        PlaceholderKind.Output => "outputs",
        _ => "search_space",
    };
}

/// <summary>
/// A job's command with its placeholders parsed, in one place for every job kind: <c>${{inputs.x}}</c>,
/// <c>${{outputs.x}}</c>, <c>${{search_space.x}}</c> (sweep trials), and Azure ML's optional parts
/// <c>$[[ --lr ${{inputs.lr}} ]]</c>, which are dropped whole when an input inside them has no value.
/// Spaces inside the braces are allowed (<c>${{ inputs.x }}</c>), as in Azure ML.
/// </summary>
public sealed partial class CommandTemplate
{
    private readonly List<Segment> _segments;

    private CommandTemplate(string text, List<Segment> segments, List<CommandPlaceholder> placeholders)
    {
        Text = text;
        _segments = segments;
        Placeholders = placeholders;
    }

    /// <summary>The command as written.</summary>
    public string Text { get; }

    /// <summary>Every placeholder, in order.</summary>
    public IReadOnlyList<CommandPlaceholder> Placeholders { get; }

    /// <summary>The distinct names of one kind of placeholder, in order of first use.</summary>
    public IReadOnlyList<string> Names(PlaceholderKind kind) => Placeholders.Where(p => p.Kind == kind).Select(p => p.Name).Distinct(StringComparer.Ordinal).ToList();

    [GeneratedRegex(@"^\s*(inputs|outputs|search_space)\.([A-Za-z_][A-Za-z0-9_]*)\s*$")]
    private static partial Regex PlaceholderBody();

    /// <summary>Parses a command; bad placeholder syntax is a <see cref="JobDefinitionException"/> quoting the culprit.</summary>
    public static CommandTemplate Parse(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var problems = new List<(string Message, int Index)>();
        var template = Parse(command, problems);
        return problems.Count == 0 ? template : throw JobDefinitionException.Combine(problems.Select(p => new JobDefinitionException(p.Message, key: "command")).ToList());
    }

    /// <summary>Parses, collecting syntax problems instead of throwing (the definition checks report them with the file and line).</summary>
    internal static CommandTemplate Parse(string command, List<(string Message, int Index)> problems)
    {
        var segments = new List<Segment>();
        var placeholders = new List<CommandPlaceholder>();
        List<Segment>? optional = null;
        var optionalStart = -1;
        var text = new StringBuilder();
        var i = 0;

        void Flush()
        {
            if (text.Length > 0)
            {
                (optional ?? segments).Add(new Segment(text.ToString(), null, null));
                text.Clear();
            }
        }

        while (i < command.Length)
        {
            if (string.CompareOrdinal(command, i, "${{", 0, 3) == 0)
            {
                var end = command.IndexOf("}}", i + 3, StringComparison.Ordinal);
                var next = command.IndexOf("${{", i + 3, StringComparison.Ordinal);
                if (end < 0 || (next >= 0 && next < end))
                {
                    problems.Add(($"the command has an unclosed placeholder at '{Excerpt(command, i)}': write ${{{{inputs.<name>}}}}, ${{{{outputs.<name>}}}} or ${{{{search_space.<name>}}}}.", i));
                    text.Append(command, i, 3);
                    i += 3;
                    continue;
                }
                var body = command[(i + 3)..end];
                var match = PlaceholderBody().Match(body);
                if (!match.Success)
                {
                    problems.Add(($"the command has an unknown placeholder '${{{{{body}}}}}': write ${{{{inputs.<name>}}}}, ${{{{outputs.<name>}}}} or ${{{{search_space.<name>}}}}.", i));
                    text.Append(command, i, end + 2 - i);
                    i = end + 2;
                    continue;
                }
                Flush();
                var kind = match.Groups[1].Value switch
                {
                    "inputs" => PlaceholderKind.Input,
                    "outputs" => PlaceholderKind.Output,
                    _ => PlaceholderKind.SearchSpace,
                };
                var placeholder = new CommandPlaceholder(kind, match.Groups[2].Value, i, end + 2 - i, optional is not null);
                placeholders.Add(placeholder);
                (optional ?? segments).Add(new Segment(null, placeholder, null));
                i = end + 2;
            }
            else if (string.CompareOrdinal(command, i, "$[[", 0, 3) == 0)
            {
                if (optional is not null)
                {
                    problems.Add(($"the command has an optional part inside another at '{Excerpt(command, i)}': $[[ … ]] parts cannot be nested.", i));
                    text.Append(command, i, 3);
                    i += 3;
                    continue;
                }
                Flush();
                optional = [];
                optionalStart = i;
                i += 3;
            }
            else if (optional is not null && string.CompareOrdinal(command, i, "]]", 0, 2) == 0)
            {
                Flush();
                if (!optional.Any(s => s.Placeholder is not null))
                {
                    problems.Add(($"the optional part '{Excerpt(command, optionalStart, i + 2 - optionalStart)}' has no ${{{{inputs.<name>}}}}: an optional part is dropped when its input is not given, so it needs one.", optionalStart));
                }
                segments.Add(new Segment(null, null, optional));
                optional = null;
                i += 2;
            }
            else
            {
                text.Append(command[i]);
                i++;
            }
        }
        Flush();
        if (optional is not null)
        {
            problems.Add(($"the command has an unclosed optional part at '{Excerpt(command, optionalStart)}': close it with ']]'.", optionalStart));
            segments.AddRange(optional);
        }
        return new CommandTemplate(command, segments, placeholders);
    }

    /// <summary>
    /// The command to run: each placeholder replaced by <paramref name="resolve"/>'s value; an optional part whose
    /// placeholders are not all resolved (null) is dropped. A required placeholder without a value is a
    /// <see cref="JobDefinitionException"/> naming it.
    /// </summary>
    public string Render(Func<CommandPlaceholder, string?> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        var result = new StringBuilder(Text.Length);
        foreach (var segment in _segments)
        {
            if (segment.Text is not null)
            {
                result.Append(segment.Text);
            }
            else if (segment.Placeholder is { } p)
            {
                result.Append(resolve(p) ?? throw new JobDefinitionException(
                    $"the command uses {p.Expression}, but no value was given for {Describe(p)}.", key: $"{CommandPlaceholder.Prefix(p.Kind)}.{p.Name}"));
            }
            else
            {
                var values = new List<string>();
                var complete = true;
                foreach (var part in segment.Optional!)
                {
                    if (part.Text is not null)
                    {
                        values.Add(part.Text);
                    }
                    else if (resolve(part.Placeholder!) is { } value)
                    {
                        values.Add(value);
                    }
                    else
                    {
                        complete = false;
                        break;
                    }
                }
                if (complete)
                {
                    foreach (var v in values)
                    {
                        result.Append(v);
                    }
                }
            }
        }
        return result.ToString();
    }

    /// <summary>
    /// <see cref="Render(Func{CommandPlaceholder, string})"/> from dictionaries: input values (literal text or local
    /// paths), output paths and (for sweep trials) sampled hyperparameters. An input absent from
    /// <paramref name="inputs"/> counts as "not given".
    /// </summary>
    public string Render(IReadOnlyDictionary<string, string> inputs, IReadOnlyDictionary<string, string>? outputs = null, IReadOnlyDictionary<string, string>? searchSpace = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return Render(p => (p.Kind switch
        {
            PlaceholderKind.Input => inputs,
            PlaceholderKind.Output => outputs,
            _ => searchSpace,
        }) is { } values && values.TryGetValue(p.Name, out var v) ? v : null);
    }

    /// <summary>The command.</summary>
    public override string ToString() => Text;

    private static string Describe(CommandPlaceholder p) => p.Kind switch
    {
        PlaceholderKind.Input => $"input '{p.Name}'",
        PlaceholderKind.Output => $"output '{p.Name}'",
        _ => $"search-space parameter '{p.Name}'",
    };

    private static string Excerpt(string command, int start, int length = 30)
    {
        var s = command.Substring(start, Math.Min(length, command.Length - start));
        return s.Replace("\n", " ", StringComparison.Ordinal) + (start + length < command.Length && length == 30 ? "…" : "");
    }

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record Segment(string? Text, CommandPlaceholder? Placeholder, List<Segment>? Optional);
}
