using System.Text;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Server.Mlflow;

/// <summary>
/// What MLflow's search filters share (<see cref="ExperimentFilter"/>, <see cref="RegistryFilter"/>): the tokenizer, the AND
/// between clauses, and the string and number comparisons.
/// </summary>
internal static class FilterSyntax
{
    /// <summary>
    /// Splits a filter into identifiers, quoted strings (quotes kept) and comparators; with <paramref name="lists"/>,
    /// <c>(</c>, <c>)</c> and <c>,</c> are tokens of their own (for <c>IN ('a', 'b')</c>).
    /// </summary>
    public static List<string> Tokenize(string filter, bool lists)
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
            if (lists && IsListPunctuation(ch))
            {
                tokens.Add(ch.ToString());
                i++;
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
            while (i < filter.Length && !char.IsWhiteSpace(filter[i]) && filter[i] is not ('=' or '!' or '<' or '>') && !(lists && IsListPunctuation(filter[i])))
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

    /// <summary>Throws unless a clause (<c>&lt;identifier&gt; &lt;comparator&gt; &lt;value&gt;</c>) can start at <paramref name="i"/>.</summary>
    public static void ExpectClause(List<string> tokens, int i, string filter)
    {
        if (tokens.Count - i < 3)
        {
            throw MlflowException.Invalid($"Invalid filter '{filter}': expected '<identifier> <comparator> <value>'.");
        }
    }

    /// <summary>After a clause: the end of the filter, or AND followed by another clause; moves <paramref name="i"/> past the AND.</summary>
    public static void SkipAnd(List<string> tokens, ref int i, string filter)
    {
        if (i >= tokens.Count)
        {
            return;
        }
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

    /// <summary>A numeric comparison (=, !=, &lt;, &lt;=, &gt;, &gt;=; the comparator was checked when parsing).</summary>
    public static bool Compare(long actual, string op, long expected) => op switch
    {
        "=" => actual == expected,
        "!=" => actual != expected,
        "<" => actual < expected,
        "<=" => actual <= expected,
        ">" => actual > expected,
        _ => actual >= expected,
    };

    /// <summary>A string comparison (=, !=, LIKE, else ILIKE).</summary>
    public static bool Compare(string actual, string op, string expected) => op switch
    {
        "=" => actual == expected,
        "!=" => actual != expected,
        "LIKE" => Like(actual, expected, ignoreCase: false),
        _ => Like(actual, expected, ignoreCase: true),
    };

    /// <summary>SQL LIKE: <c>%</c> any run, <c>_</c> one character.</summary>
    public static bool Like(string value, string pattern, bool ignoreCase)
    {
        var regex = new StringBuilder("^");
        foreach (var ch in pattern)
        {
            regex.Append(ch switch { '%' => ".*", '_' => ".", _ => Regex.Escape(ch.ToString()) });
        }
        regex.Append('$');
        return Regex.IsMatch(value, regex.ToString(), (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static bool IsListPunctuation(char ch) => ch is '(' or ')' or ',';
}
