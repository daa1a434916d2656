using System.CommandLine;

namespace AzureMlSdk.Cli;

/// <summary>Usage errors in one line, with the closest flag or command for an unknown one (as az's "the most similar choice").</summary>
internal static class Suggestions
{
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        foreach (var token in parse.UnmatchedTokens)
        {
            if (token.StartsWith('-'))
            {
                var name = token.Split('=', 2)[0];
                var candidates = OptionsOf(parse).SelectMany(o => o.Aliases.Append(o.Name)).Distinct().ToList();
                var closest = Closest(name, candidates);
                return closest is null
                    ? $"unrecognized argument '{name}' for 'azml {Path(parse)}'. See 'azml {Path(parse)} --help'."
                    : $"unrecognized argument '{name}' for 'azml {Path(parse)}'. Did you mean '{closest}'?";
            }
            if (command.Subcommands.Count > 0)
            {
                var closest = Closest(token, command.Subcommands.Select(c => c.Name).ToList());
                var where = Path(parse) is { Length: > 0 } p ? $"'{p}'" : "azml";
                return closest is null
                    ? $"'{token}' is not a command of {where}. See 'azml {Path(parse)} --help'.".Replace("  ", " ", StringComparison.Ordinal)
                    : $"'{token}' is not a command of {where}. Did you mean '{closest}'?";
            }
        }
        var first = parse.Errors[0].Message;
        return $"{AzmlApp.OneLine(first)} See 'azml {Path(parse)} --help'.".Replace("azml  --help", "azml --help", StringComparison.Ordinal);
    }

    private static string Path(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (result.Command is not RootCommand)
            {
                names.Insert(0, result.Command.Name);
            }
        }
        return string.Join(' ', names);
    }

    private static IEnumerable<Option> OptionsOf(ParseResult parse)
    {
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in result.Command.Options)
            {
                if (ReferenceEquals(result, parse.CommandResult) || option.Recursive)
                {
                    yield return option;
                }
            }
        }
    }

    /// <summary>The candidate closest to <paramref name="text"/> by edit distance (or prefix), when close enough to be a typo.</summary>
    public static string? Closest(string text, IReadOnlyCollection<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = candidate.StartsWith(text, StringComparison.OrdinalIgnoreCase) && text.TrimStart('-').Length >= 2 ? 0 : Distance(text.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, text.TrimStart('-').Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
