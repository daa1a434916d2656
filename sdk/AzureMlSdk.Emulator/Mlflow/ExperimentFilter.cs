using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AzureMlSdk.Backends;

namespace AzureMlSdk.Emulator.Mlflow;

/// <summary>
/// MLflow's <c>search_experiments</c> filter: clauses joined by AND over <c>name</c>, <c>creation_time</c>,
/// <c>last_update_time</c> (optionally prefixed <c>attribute(s).</c>) and <c>tags.&lt;key&gt;</c>, with =, !=, LIKE, ILIKE
/// and, for times, &lt; &lt;= &gt; &gt;=.
/// </summary>
internal static class ExperimentFilter
{
    private sealed record Clause(string Kind, string Key, string Op, string Value);

    public static Func<ExperimentData, bool> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }
        var tokens = Tokenize(filter);
        var clauses = new List<Clause>();
        var i = 0;
        while (i < tokens.Count)
        {
            if (tokens.Count - i < 3)
            {
                throw MlflowException.Invalid($"Invalid filter '{filter}': expected '<identifier> <comparator> <value>'.");
            }
            var (kind, key) = Identifier(tokens[i], filter);
            var op = tokens[i + 1].ToUpperInvariant();
            var value = tokens[i + 2];
            clauses.Add(Check(new Clause(kind, key, op, value), filter));
            i += 3;
            if (i < tokens.Count)
            {
                if (!tokens[i].Equals("AND", StringComparison.OrdinalIgnoreCase))
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': clauses must be joined by AND (OR is not supported).");
                }
                i++;
                if (i >= tokens.Count)
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': it ends with AND.");
                }
            }
        }
        return e => clauses.All(c => Matches(c, e));
    }

    private static Clause Check(Clause c, string filter)
    {
        var isString = c.Value.Length >= 2 && (c.Value[0] is '\'' or '"');
        if (c.Kind is "name" or "tag")
        {
            if (c.Op is not ("=" or "!=" or "LIKE" or "ILIKE"))
            {
                throw MlflowException.Invalid($"Invalid comparator '{c.Op}' for a string attribute in filter '{filter}'; use =, !=, LIKE or ILIKE.");
            }
            if (!isString)
            {
                throw MlflowException.Invalid($"Invalid filter '{filter}': the value of '{c.Key}' must be a quoted string.");
            }
            return c with { Value = c.Value[1..^1] };
        }
        if (c.Op is not ("=" or "!=" or "<" or "<=" or ">" or ">="))
        {
            throw MlflowException.Invalid($"Invalid comparator '{c.Op}' for a numeric attribute in filter '{filter}'.");
        }
        if (!long.TryParse(c.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw MlflowException.Invalid($"Invalid filter '{filter}': the value of '{c.Key}' must be a whole number (milliseconds).");
        }
        return c;
    }

    private static (string Kind, string Key) Identifier(string token, string filter)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? "attribute" : token[..dot].ToLowerInvariant();
        var rest = dot < 0 ? token : token[(dot + 1)..];
        if (rest.Length >= 2 && (rest[0] is '"' or '`' or '\''))
        {
            rest = rest[1..^1];
        }
        switch (prefix)
        {
            case "attribute" or "attributes":
                if (rest is "name" or "creation_time" or "last_update_time")
                {
                    return (rest == "name" ? "name" : "time", rest);
                }
                throw MlflowException.Invalid($"Invalid attribute key '{rest}' in filter '{filter}'; valid keys are name, creation_time, last_update_time.");
            case "tag" or "tags":
                return ("tag", rest);
            default:
                throw MlflowException.Invalid($"Invalid entity type '{prefix}' in filter '{filter}'; use attributes or tags.");
        }
    }

    private static bool Matches(Clause c, ExperimentData e)
    {
        if (c.Kind == "time")
        {
            var actual = (c.Key == "creation_time" ? e.CreationTime : e.LastUpdateTime).ToUnixTimeMilliseconds();
            var expected = long.Parse(c.Value, CultureInfo.InvariantCulture);
            return c.Op switch
            {
                "=" => actual == expected,
                "!=" => actual != expected,
                "<" => actual < expected,
                "<=" => actual <= expected,
                ">" => actual > expected,
                _ => actual >= expected,
            };
        }
        string? value = c.Kind == "name" ? e.Name : e.Tags.TryGetValue(c.Key, out var t) ? t : null;
        if (value is null)
        {
            return false; // MLflow: a missing tag matches no comparison
        }
        return c.Op switch
        {
            "=" => value == c.Value,
            "!=" => value != c.Value,
            "LIKE" => Like(value, c.Value, ignoreCase: false),
            _ => Like(value, c.Value, ignoreCase: true),
        };
    }

    /// <summary>SQL LIKE: <c>%</c> any run, <c>_</c> one character.</summary>
    internal static bool Like(string value, string pattern, bool ignoreCase)
    {
        var regex = new StringBuilder("^");
        foreach (var ch in pattern)
        {
            regex.Append(ch switch { '%' => ".*", '_' => ".", _ => Regex.Escape(ch.ToString()) });
        }
        regex.Append('$');
        return Regex.IsMatch(value, regex.ToString(), (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static List<string> Tokenize(string filter)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < filter.Length)
        {
            var ch = filter[i];
            if (char.IsWhiteSpace(ch))
            {
                i++;
                continue;
            }
            if (ch is '\'' or '"')
            {
                var end = filter.IndexOf(ch, i + 1);
                if (end < 0)
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': unterminated string.");
                }
                tokens.Add(filter[i..(end + 1)]);
                i = end + 1;
                continue;
            }
            if (ch is '=' or '!' or '<' or '>')
            {
                var op = i + 1 < filter.Length && filter[i + 1] == '=' ? filter.Substring(i, 2) : ch.ToString();
                if (op == "!")
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': '!' must be followed by '='.");
                }
                tokens.Add(op);
                i += op.Length;
                continue;
            }
            var start = i;
            while (i < filter.Length && !char.IsWhiteSpace(filter[i]) && filter[i] is not ('=' or '!' or '<' or '>'))
            {
                if (filter[i] is '`' or '"')
                {
                    var close = filter.IndexOf(filter[i], i + 1);
                    i = close < 0 ? filter.Length : close + 1;
                    continue;
                }
                i++;
            }
            tokens.Add(filter[start..i]);
        }
        return tokens;
    }
}
