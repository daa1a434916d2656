using System.Globalization;
using static AzureMlSdk.Server.Mlflow.FilterSyntax;

namespace AzureMlSdk.Server.Mlflow;

/// <summary>What a registry search filter can look at: a registered model (name, tags) or a model version (also run id, source, number).</summary>
internal sealed record RegistryFields(string Name, IReadOnlyDictionary<string, string> Tags, string? RunId = null, string? Source = null, long? Version = null);

/// <summary>
/// The filters of <c>registered-models/search</c> and <c>model-versions/search</c> (MLflow's <c>SearchModelUtils</c> /
/// <c>SearchModelVersionUtils</c>): clauses joined by AND. Registered models: <c>name</c> and <c>tags.&lt;key&gt;</c> with
/// =, !=, LIKE, ILIKE. Versions add <c>run_id</c> (also IN ('a', 'b')), <c>source_path</c>, and <c>version_number</c> with
/// =, !=, &lt;, &lt;=, &gt;, &gt;=. A tag the entity does not have matches no comparison.
/// </summary>
internal static class RegistryFilter
{
    private sealed record Clause(string Key, bool IsTag, string Op, IReadOnlyList<string> Values);

    public static Func<RegistryFields, bool> ForModels(string? filter) => Parse(filter, versions: false);

    public static Func<RegistryFields, bool> ForVersions(string? filter) => Parse(filter, versions: true);

    private static Func<RegistryFields, bool> Parse(string? filter, bool versions)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }
        var tokens = Tokenize(filter, lists: true);
        var clauses = new List<Clause>();
        var i = 0;
        while (i < tokens.Count)
        {
            ExpectClause(tokens, i, filter);
            var (key, isTag) = Identifier(tokens[i], filter, versions);
            var op = tokens[i + 1].ToUpperInvariant();
            i += 2;
            List<string> values;
            if (op == "IN")
            {
                if (isTag || key != "run_id")
                {
                    throw MlflowException.Invalid($"Invalid comparator for attribute: IN (only run_id supports it) in filter '{filter}'.");
                }
                values = [];
                if (tokens[i] != "(")
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': IN takes a list like ('a', 'b').");
                }
                i++;
                while (i < tokens.Count && tokens[i] != ")")
                {
                    if (tokens[i] != ",")
                    {
                        values.Add(Quoted(tokens[i], key, filter));
                    }
                    i++;
                }
                if (i >= tokens.Count || values.Count == 0)
                {
                    throw MlflowException.Invalid($"Invalid filter '{filter}': IN takes a non-empty list like ('a', 'b').");
                }
                i++;
            }
            else
            {
                values = [Value(tokens[i], key, isTag, op, filter)];
                i++;
            }
            clauses.Add(new Clause(key, isTag, op, values));
            SkipAnd(tokens, ref i, filter);
        }
        return fields => clauses.All(c => Matches(c, fields));
    }

    private static (string Key, bool IsTag) Identifier(string token, string filter, bool versions)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? null : token[..dot].ToLowerInvariant();
        if (prefix is "tag" or "tags")
        {
            return (Unquote(token[(dot + 1)..]), true);
        }
        var key = Unquote(prefix is "attribute" or "attributes" ? token[(dot + 1)..] : token);
        string[] valid = versions ? ["name", "run_id", "source_path", "version_number"] : ["name"];
        return valid.Contains(key, StringComparer.Ordinal)
            ? (key, false)
            : throw MlflowException.Invalid($"Invalid attribute key '{key}' in filter '{filter}'; valid keys are {string.Join(", ", valid)} and tags.<key>.");
    }

    private static string Unquote(string text) =>
        text.Length >= 2 && (text[0] is '`' or '"' or '\'') && text[^1] == text[0] ? text[1..^1] : text;

    private static string Quoted(string token, string key, string filter) =>
        token.Length >= 2 && (token[0] is '\'' or '"') && token[^1] == token[0]
            ? token[1..^1]
            : throw MlflowException.Invalid($"Invalid filter '{filter}': the value of '{key}' must be a quoted string.");

    private static string Value(string token, string key, bool isTag, string op, string filter)
    {
        if (!isTag && key == "version_number")
        {
            if (op is not ("=" or "!=" or "<" or "<=" or ">" or ">="))
            {
                throw MlflowException.Invalid($"Invalid comparator for attribute {key}: {op}");
            }
            return long.TryParse(Unquote(token), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? Unquote(token)
                : throw MlflowException.Invalid($"Invalid filter '{filter}': version_number must be compared with a whole number.");
        }
        if (op is not ("=" or "!=" or "LIKE" or "ILIKE"))
        {
            throw MlflowException.Invalid(isTag ? $"Invalid comparator for tag: {op}" : $"Invalid comparator for attribute: {op}");
        }
        return Quoted(token, key, filter);
    }

    private static bool Matches(Clause c, RegistryFields f)
    {
        if (!c.IsTag && c.Key == "version_number")
        {
            if (f.Version is not { } actual)
            {
                return false;
            }
            var expected = long.Parse(c.Values[0], CultureInfo.InvariantCulture);
            return Compare(actual, c.Op, expected);
        }
        string? value = c.IsTag
            ? (f.Tags.TryGetValue(c.Key, out var t) ? t : null)
            : c.Key switch { "name" => f.Name, "run_id" => f.RunId ?? string.Empty, _ => f.Source ?? string.Empty };
        if (value is null)
        {
            return false;
        }
        return c.Op == "IN" ? c.Values.Contains(value, StringComparer.Ordinal) : Compare(value, c.Op, c.Values[0]);
    }
}
