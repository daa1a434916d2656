using System.Globalization;
using System.Text;

namespace AzureMlSdk.Tracking;

/// <summary>What a filter or order-by term looks at.</summary>
internal enum RunFilterEntity
{
    /// <summary>A metric's latest value (<c>metrics.x</c>).</summary>
    Metric,
    /// <summary>A param (<c>params.x</c>).</summary>
    Param,
    /// <summary>A tag (<c>tags.x</c>).</summary>
    Tag,
    /// <summary>A run attribute (<c>attributes.status</c>, or a bare <c>start_time</c>).</summary>
    Attribute,
}

/// <summary>A filter comparator.</summary>
internal enum RunFilterOperator
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Like,
    ILike,
    In,
    NotIn,
}

/// <summary>One <c>entity.key op value</c> clause of a filter; clauses are joined by AND.</summary>
/// <param name="Entity">What is compared.</param>
/// <param name="Key">The metric, param or tag key, or the canonical attribute name (see <see cref="RunFilter.Attributes"/>).</param>
/// <param name="Operator">The comparator.</param>
/// <param name="Text">The string operand (params, tags, string attributes), else null.</param>
/// <param name="Number">The numeric operand (metrics, time attributes), else null.</param>
/// <param name="List">The operands of IN / NOT IN, else null.</param>
internal sealed record RunFilterClause(
    RunFilterEntity Entity,
    string Key,
    RunFilterOperator Operator,
    string? Text = null,
    double? Number = null,
    IReadOnlyList<string>? List = null);

/// <summary>One order-by term.</summary>
/// <param name="Entity">What is ordered by.</param>
/// <param name="Key">The key, or the canonical attribute name.</param>
/// <param name="Descending">True for DESC.</param>
internal sealed record RunOrderTerm(RunFilterEntity Entity, string Key, bool Descending);

/// <summary>
/// Parses the subset of MLflow's run search syntax that every backend supports: clauses joined by
/// <c>and</c>; entities <c>metrics.</c>, <c>params.</c>, <c>tags.</c>, <c>attributes.</c> (and MLflow's aliases
/// <c>metric.</c>, <c>param.</c>, <c>parameter(s).</c>, <c>tag.</c>, <c>attribute.</c>, <c>attr.</c>, <c>run.</c>;
/// a key without entity is an attribute); keys bare, in backquotes or double quotes; string literals in single
/// or double quotes; numbers. Errors are <see cref="InvalidInputException"/>s that quote the offending part.
/// </summary>
internal static class RunFilter
{
    /// <summary>Canonical attribute names.</summary>
    public static class Attributes
    {
        public const string RunId = "run_id";
        public const string RunName = "run_name";
        public const string Status = "status";
        public const string StartTime = "start_time";
        public const string EndTime = "end_time";
    }

    private const string ParameterName = "filter";

    private static readonly RunFilterOperator[] NumericOperators =
    [
        RunFilterOperator.Equal, RunFilterOperator.NotEqual, RunFilterOperator.Greater,
        RunFilterOperator.GreaterOrEqual, RunFilterOperator.Less, RunFilterOperator.LessOrEqual,
    ];

    private static readonly RunFilterOperator[] StringOperators =
    [
        RunFilterOperator.Equal, RunFilterOperator.NotEqual, RunFilterOperator.Like,
        RunFilterOperator.ILike, RunFilterOperator.In, RunFilterOperator.NotIn,
    ];

    private static readonly RunFilterOperator[] StatusOperators =
    [
        RunFilterOperator.Equal, RunFilterOperator.NotEqual, RunFilterOperator.In, RunFilterOperator.NotIn,
    ];

    private static readonly string[] MlflowStatuses = ["SCHEDULED", "RUNNING", "FINISHED", "FAILED", "KILLED"];

    /// <summary>Parses a filter; null or blank means no clause.</summary>
    /// <exception cref="InvalidInputException">The filter is malformed; the message quotes the offending part.</exception>
    public static IReadOnlyList<RunFilterClause> Parse(string? filter)
    {
        var clauses = new List<RunFilterClause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }
        var scanner = new Scanner(filter, ParameterName);
        while (true)
        {
            clauses.Add(ParseClause(scanner));
            scanner.SkipWhitespace();
            if (scanner.AtEnd)
            {
                return clauses;
            }
            if (!scanner.TryKeyword("and"))
            {
                throw scanner.Error("expected 'and' between clauses");
            }
        }
    }

    /// <summary>Parses order-by terms such as <c>metrics.acc DESC</c>, <c>params.lr</c>, <c>start_time ASC</c>.</summary>
    /// <exception cref="InvalidInputException">A term is malformed or names something that cannot be ordered by.</exception>
    public static IReadOnlyList<RunOrderTerm> ParseOrderBy(IReadOnlyList<string>? orderBy)
    {
        var terms = new List<RunOrderTerm>();
        if (orderBy is null)
        {
            return terms;
        }
        foreach (var text in orderBy)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new InvalidInputException("An order-by term is empty; use e.g. 'metrics.accuracy DESC' or 'attributes.start_time'.", "orderBy");
            }
            var scanner = new Scanner(text, "orderBy");
            var (entity, key) = ParseIdentifier(scanner);
            var descending = false;
            scanner.SkipWhitespace();
            if (scanner.TryKeyword("desc"))
            {
                descending = true;
            }
            else if (!scanner.TryKeyword("asc") && !scanner.AtEnd)
            {
                throw scanner.Error("expected ASC or DESC");
            }
            scanner.SkipWhitespace();
            if (!scanner.AtEnd)
            {
                throw scanner.Error("expected the end of the order-by term");
            }
            if (entity == RunFilterEntity.Attribute)
            {
                key = CanonicalAttribute(key, text, "orderBy");
            }
            terms.Add(new RunOrderTerm(entity, key, descending));
        }
        return terms;
    }

    /// <summary>
    /// The statuses a status operand stands for: an MLflow name covers every Azure ML status that maps onto it
    /// (RUNNING also matches Finalizing and CancelRequested); an Azure ML name matches itself.
    /// </summary>
    public static IReadOnlyList<RunStatus> StatusesMatching(string text)
    {
        var upper = text.Trim().ToUpperInvariant();
        if (Array.IndexOf(MlflowStatuses, upper) >= 0)
        {
            return [.. Enum.GetValues<RunStatus>().Where(s => s.ToMlflowStatus() == upper)];
        }
        return [RunStatusExtensions.ParseRunStatus(text)];
    }

    private static RunFilterClause ParseClause(Scanner scanner)
    {
        scanner.SkipWhitespace();
        var start = scanner.Position;
        var (entity, key) = ParseIdentifier(scanner);
        var op = ParseOperator(scanner);
        scanner.SkipWhitespace();
        var valueStart = scanner.Position;
        string? text = null;
        double? number = null;
        IReadOnlyList<string>? list = null;
        if (op is RunFilterOperator.In or RunFilterOperator.NotIn)
        {
            list = ParseList(scanner);
        }
        else if (scanner.Peek is '\'' or '"')
        {
            text = scanner.ReadQuoted("string");
        }
        else
        {
            number = ParseNumber(scanner);
        }
        var clauseText = scanner.Slice(start);
        var valueText = scanner.Slice(valueStart);

        switch (entity)
        {
            case RunFilterEntity.Metric:
                RequireOperator(op, NumericOperators, "metric", clauseText);
                if (number is null)
                {
                    throw new InvalidInputException($"Invalid filter clause '{clauseText}': metric '{key}' must be compared with a number, not {valueText}.", ParameterName);
                }
                break;
            case RunFilterEntity.Param:
            case RunFilterEntity.Tag:
                RequireOperator(op, StringOperators, entity == RunFilterEntity.Param ? "param" : "tag", clauseText);
                RequireString(text, list, clauseText, valueText);
                break;
            default:
                key = CanonicalAttribute(key, clauseText, ParameterName);
                switch (key)
                {
                    case Attributes.StartTime:
                    case Attributes.EndTime:
                        RequireOperator(op, NumericOperators, $"attribute '{key}'", clauseText);
                        if (number is null)
                        {
                            throw new InvalidInputException($"Invalid filter clause '{clauseText}': attribute '{key}' must be compared with a number (milliseconds since the Unix epoch), not {valueText}.", ParameterName);
                        }
                        break;
                    case Attributes.Status:
                        RequireOperator(op, StatusOperators, "attribute 'status'", clauseText);
                        RequireString(text, list, clauseText, valueText);
                        foreach (var status in list ?? [text!])
                        {
                            try
                            {
                                _ = StatusesMatching(status);
                            }
                            catch (InvalidInputException ex)
                            {
                                throw new InvalidInputException($"Invalid filter clause '{clauseText}': {ex.Message}", ParameterName);
                            }
                        }
                        break;
                    default:
                        RequireOperator(op, StringOperators, $"attribute '{key}'", clauseText);
                        RequireString(text, list, clauseText, valueText);
                        break;
                }
                break;
        }
        return new RunFilterClause(entity, key, op, text, number, list);
    }

    private static void RequireOperator(RunFilterOperator op, RunFilterOperator[] allowed, string what, string clauseText)
    {
        if (Array.IndexOf(allowed, op) < 0)
        {
            throw new InvalidInputException(
                $"Invalid filter clause '{clauseText}': the comparator {OperatorText(op)} is not valid for a {what}; use one of {string.Join(", ", allowed.Select(OperatorText))}.",
                ParameterName);
        }
    }

    private static void RequireString(string? text, IReadOnlyList<string>? list, string clauseText, string valueText)
    {
        if (text is null && list is null)
        {
            throw new InvalidInputException($"Invalid filter clause '{clauseText}': the value {valueText} must be a string in single or double quotes.", ParameterName);
        }
    }

    private static string CanonicalAttribute(string key, string context, string parameterName) => key.ToLowerInvariant() switch
    {
        "run_id" => Attributes.RunId,
        "run_name" => Attributes.RunName,
        "status" => Attributes.Status,
        "start_time" or "created" => Attributes.StartTime,
        "end_time" => Attributes.EndTime,
        _ => throw new InvalidInputException(
            $"Invalid attribute '{key}' in '{context}': use one of run_id, run_name, status, start_time, end_time (or a metrics., params. or tags. key).",
            parameterName),
    };

    private static (RunFilterEntity Entity, string Key) ParseIdentifier(Scanner scanner)
    {
        scanner.SkipWhitespace();
        if (scanner.Peek is '`' or '"')
        {
            return (RunFilterEntity.Attribute, scanner.ReadQuoted("key"));
        }
        var start = scanner.Position;
        while (!scanner.AtEnd && (char.IsAsciiLetterOrDigit(scanner.Peek) || scanner.Peek == '_'))
        {
            scanner.Advance();
        }
        var head = scanner.Slice(start);
        if (head.Length == 0)
        {
            throw scanner.Error("expected an identifier such as metrics.accuracy, params.lr, tags.team or attributes.status");
        }
        if (scanner.AtEnd || scanner.Peek != '.')
        {
            return (RunFilterEntity.Attribute, head);
        }
        var entity = head.ToLowerInvariant() switch
        {
            "metric" or "metrics" => RunFilterEntity.Metric,
            "param" or "params" or "parameter" or "parameters" => RunFilterEntity.Param,
            "tag" or "tags" => RunFilterEntity.Tag,
            "attribute" or "attributes" or "attr" or "run" => RunFilterEntity.Attribute,
            _ => throw new InvalidInputException(
                $"Invalid entity type '{head}' in '{scanner.Text}': use metrics., params., tags. or attributes.",
                scanner.ParameterName),
        };
        scanner.Advance(); // the dot
        string key;
        if (!scanner.AtEnd && scanner.Peek is '`' or '"')
        {
            key = scanner.ReadQuoted("key");
        }
        else
        {
            var keyStart = scanner.Position;
            while (!scanner.AtEnd && (char.IsLetterOrDigit(scanner.Peek) || scanner.Peek is '_' or '.' or '-' or ':' or '/'))
            {
                scanner.Advance();
            }
            key = scanner.Slice(keyStart);
        }
        if (key.Length == 0)
        {
            throw scanner.Error($"expected a key after '{head}.' (use backquotes for keys with spaces: {head}.`my key`)");
        }
        return (entity, key);
    }

    private static RunFilterOperator ParseOperator(Scanner scanner)
    {
        scanner.SkipWhitespace();
        if (scanner.TryText("!=")) return RunFilterOperator.NotEqual;
        if (scanner.TryText(">=")) return RunFilterOperator.GreaterOrEqual;
        if (scanner.TryText("<=")) return RunFilterOperator.LessOrEqual;
        if (scanner.TryText("=")) return RunFilterOperator.Equal;
        if (scanner.TryText(">")) return RunFilterOperator.Greater;
        if (scanner.TryText("<")) return RunFilterOperator.Less;
        if (scanner.TryKeyword("like")) return RunFilterOperator.Like;
        if (scanner.TryKeyword("ilike")) return RunFilterOperator.ILike;
        if (scanner.TryKeyword("in")) return RunFilterOperator.In;
        if (scanner.TryKeyword("not"))
        {
            scanner.SkipWhitespace();
            if (scanner.TryKeyword("in")) return RunFilterOperator.NotIn;
            throw scanner.Error("expected IN after NOT");
        }
        throw scanner.Error("expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN)");
    }

    private static List<string> ParseList(Scanner scanner)
    {
        if (!scanner.TryText("("))
        {
            throw scanner.Error("expected '(' to open the IN list");
        }
        var items = new List<string>();
        while (true)
        {
            scanner.SkipWhitespace();
            if (scanner.Peek is not ('\'' or '"'))
            {
                throw scanner.Error("expected a quoted string in the IN list");
            }
            items.Add(scanner.ReadQuoted("string"));
            scanner.SkipWhitespace();
            if (scanner.TryText(")"))
            {
                return items;
            }
            if (!scanner.TryText(","))
            {
                throw scanner.Error("expected ',' or ')' in the IN list");
            }
        }
    }

    private static double ParseNumber(Scanner scanner)
    {
        var start = scanner.Position;
        while (!scanner.AtEnd && (char.IsAsciiLetterOrDigit(scanner.Peek) || scanner.Peek is '.' or '+' or '-'))
        {
            scanner.Advance();
        }
        var text = scanner.Slice(start);
        if (text.Length == 0)
        {
            throw scanner.Error("expected a value: a number, or a string in quotes");
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new InvalidInputException($"Invalid value '{text}' in filter '{scanner.Text}': use a number, or a string in single or double quotes.", scanner.ParameterName);
        }
        return value;
    }

    private static string OperatorText(RunFilterOperator op) => op switch
    {
        RunFilterOperator.Equal => "=",
        RunFilterOperator.NotEqual => "!=",
        RunFilterOperator.Greater => ">",
        RunFilterOperator.GreaterOrEqual => ">=",
        RunFilterOperator.Less => "<",
        RunFilterOperator.LessOrEqual => "<=",
        RunFilterOperator.Like => "LIKE",
        RunFilterOperator.ILike => "ILIKE",
        RunFilterOperator.In => "IN",
        _ => "NOT IN",
    };

    private sealed class Scanner(string text, string parameterName)
    {
        public string Text { get; } = text;
        public string ParameterName { get; } = parameterName;
        public int Position { get; private set; }
        public bool AtEnd => Position >= Text.Length;
        public char Peek => AtEnd ? '\0' : Text[Position];

        public void Advance() => Position++;

        public string Slice(int start) => Text[start..Position].Trim();

        public void SkipWhitespace()
        {
            while (!AtEnd && char.IsWhiteSpace(Text[Position]))
            {
                Position++;
            }
        }

        public bool TryText(string symbol)
        {
            if (string.CompareOrdinal(Text, Position, symbol, 0, symbol.Length) == 0)
            {
                Position += symbol.Length;
                return true;
            }
            return false;
        }

        /// <summary>Consumes a case-insensitive keyword that is not the start of a longer word.</summary>
        public bool TryKeyword(string keyword)
        {
            if (Position + keyword.Length > Text.Length
                || string.Compare(Text, Position, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0)
            {
                return false;
            }
            var end = Position + keyword.Length;
            if (end < Text.Length && (char.IsLetterOrDigit(Text[end]) || Text[end] == '_'))
            {
                return false;
            }
            Position = end;
            return true;
        }

        /// <summary>Reads text between matching quotes (', " or `); a doubled quote inside stands for one.</summary>
        public string ReadQuoted(string what)
        {
            var quote = Text[Position];
            var start = Position;
            Position++;
            var builder = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw new InvalidInputException($"Unclosed {quote} in {what} starting at '{Text[start..]}' in '{Text}'.", ParameterName);
                }
                var c = Text[Position++];
                if (c == quote)
                {
                    if (!AtEnd && Text[Position] == quote)
                    {
                        builder.Append(quote);
                        Position++;
                        continue;
                    }
                    return builder.ToString();
                }
                builder.Append(c);
            }
        }

        public InvalidInputException Error(string expectation)
        {
            var near = AtEnd ? "the end" : $"'{Validate.Shorten(Text[Position..])}'";
            return new InvalidInputException($"Invalid {(ParameterName == "filter" ? "filter" : "order-by term")} '{Text}': {expectation}, at position {Position} near {near}.", ParameterName);
        }
    }
}
