using System.Globalization;
using static AzureMlSdk.Server.Mlflow.FilterSyntax;

namespace AzureMlSdk.Server.Mlflow;

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
        var tokens = Tokenize(filter, lists: false);
        var clauses = new List<Clause>();
        var i = 0;
        while (i < tokens.Count)
        {
            ExpectClause(tokens, i, filter);
            var (kind, key) = Identifier(tokens[i], filter);
            var op = tokens[i + 1].ToUpperInvariant();
            var value = tokens[i + 2];
            clauses.Add(Check(new Clause(kind, key, op, value), filter));
            i += 3;
            SkipAnd(tokens, ref i, filter);
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
            return Compare(actual, c.Op, expected);
        }
        string? value = c.Kind == "name" ? e.Name : e.Tags.TryGetValue(c.Key, out var t) ? t : null;
        if (value is null)
        {
            return false; // MLflow: a missing tag matches no comparison
        }
        return Compare(value, c.Op, c.Value);
    }
}
