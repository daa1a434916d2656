using System.Globalization;
using System.Text;

namespace AzureMlSdk.Backends.Local;

internal sealed partial class LocalTrackingStore
{
    public Task<ResultPage<RunData>> SearchRunsAsync(RunQuery query, CancellationToken cancellationToken) => Run(() =>
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ExperimentIds is null || query.ExperimentIds.Count == 0)
        {
            throw new InvalidInputException("Give at least one experiment id to search runs in.", "experimentIds");
        }
        var experimentIds = query.ExperimentIds.Select(ParseExperimentId).Distinct().ToList();
        ValidateMaxResults(query.MaxResults);
        var offset = query.PageToken is null ? 0L : PageToken.Decode(query.PageToken, "runs");
        var clauses = RunFilter.Parse(query.Filter);
        var order = RunFilter.ParseOrderBy(query.OrderBy);
        var sql = new RunSearchSql();
        var text = sql.Build(experimentIds, query.ViewType, clauses, order);

        return _database.Read(connection =>
        {
            var keys = new List<long>();
            using (var command = Command(connection, null, text))
            {
                foreach (var (name, value) in sql.Parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }
                command.Parameters.AddWithValue("@limit", query.MaxResults + 1);
                command.Parameters.AddWithValue("@offset", offset);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    keys.Add(reader.GetInt64(0));
                }
            }
            string? next = null;
            if (keys.Count > query.MaxResults)
            {
                keys.RemoveAt(keys.Count - 1);
                next = PageToken.Encode("runs", offset + keys.Count);
            }
            return new ResultPage<RunData>(LoadRuns(connection, keys), next);
        }, cancellationToken);
    });

    /// <summary>Turns parsed filter clauses and order terms into one parameterised SELECT of run keys.</summary>
    private sealed class RunSearchSql
    {
        private readonly StringBuilder _joins = new();
        private readonly List<string> _where = [];
        private readonly List<string> _order = [];

        public List<KeyValuePair<string, object>> Parameters { get; } = [];

        public string Build(IReadOnlyList<long> experimentIds, ViewType viewType, IReadOnlyList<RunFilterClause> clauses, IReadOnlyList<RunOrderTerm> order)
        {
            _where.Add($"r.experiment_id IN ({string.Join(", ", experimentIds.Select(id => Parameter(id)))})");
            _where.Add(ViewCondition(viewType, "(r.is_deleted + e.is_deleted)"));
            foreach (var clause in clauses)
            {
                _where.Add(Condition(clause));
            }
            for (var i = 0; i < order.Count; i++)
            {
                AddOrder(order[i], i);
            }
            // MLflow's tie-breakers: newest first, then by id, so pages are stable.
            _order.Add("r.start_time DESC");
            _order.Add("r.run_id ASC");
            return $"""
                SELECT r.run_key FROM runs r JOIN experiments e ON e.experiment_id = r.experiment_id
                {_joins}WHERE {string.Join("\n  AND ", _where)}
                ORDER BY {string.Join(", ", _order)}
                LIMIT @limit OFFSET @offset
                """;
        }

        private string Parameter(object value)
        {
            var name = "@p" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
            Parameters.Add(new(name, value));
            return name;
        }

        private string Condition(RunFilterClause clause)
        {
            switch (clause.Entity)
            {
                case RunFilterEntity.Metric:
                    {
                        var value = Parameter(clause.Number!.Value);
                        // NaN compares unequal to everything, so it only satisfies '!='.
                        var comparison = clause.Operator == RunFilterOperator.NotEqual
                            ? $"(m.is_nan = 1 OR m.value <> {value})"
                            : $"m.is_nan <> 1 AND m.value {NumericOperator(clause.Operator)} {value}";
                        return $"EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_key = r.run_key AND m.key = {Parameter(clause.Key)} AND {comparison})";
                    }
                case RunFilterEntity.Param:
                case RunFilterEntity.Tag:
                    {
                        var table = clause.Entity == RunFilterEntity.Param ? "run_params" : "run_tags";
                        return $"EXISTS (SELECT 1 FROM {table} x WHERE x.run_key = r.run_key AND x.key = {Parameter(clause.Key)} AND {StringCondition("x.value", clause)})";
                    }
                default:
                    return clause.Key switch
                    {
                        RunFilter.Attributes.StartTime => $"r.start_time {NumericOperator(clause.Operator)} {Parameter(clause.Number!.Value)}",
                        RunFilter.Attributes.EndTime => $"r.end_time {NumericOperator(clause.Operator)} {Parameter(clause.Number!.Value)}",
                        RunFilter.Attributes.Status => StatusCondition(clause),
                        RunFilter.Attributes.RunName => StringCondition("r.name", clause),
                        _ => StringCondition("r.run_id", clause),
                    };
            }
        }

        private string StatusCondition(RunFilterClause clause)
        {
            var statuses = (clause.List ?? [clause.Text!])
                .SelectMany(RunFilter.StatusesMatching)
                .Distinct()
                .Select(s => Parameter(s.ToString()));
            var negated = clause.Operator is RunFilterOperator.NotEqual or RunFilterOperator.NotIn;
            return $"r.status {(negated ? "NOT IN" : "IN")} ({string.Join(", ", statuses)})";
        }

        private string StringCondition(string column, RunFilterClause clause) => clause.Operator switch
        {
            RunFilterOperator.Equal => $"{column} = {Parameter(clause.Text!)}",
            RunFilterOperator.NotEqual => $"{column} <> {Parameter(clause.Text!)}",
            // SQLite's LIKE ignores ASCII case; MLflow's LIKE does not, so LIKE becomes a GLOB.
            RunFilterOperator.Like => $"{column} GLOB {Parameter(LikeToGlob(clause.Text!))}",
            RunFilterOperator.ILike => $"{column} LIKE {Parameter(clause.Text!)}",
            RunFilterOperator.In => $"{column} IN ({string.Join(", ", clause.List!.Select(Parameter))})",
            RunFilterOperator.NotIn => $"{column} NOT IN ({string.Join(", ", clause.List!.Select(Parameter))})",
            _ => throw new InvalidInputException($"The comparator {clause.Operator} is not valid for '{clause.Key}'.", "filter"),
        };

        private static string NumericOperator(RunFilterOperator op) => op switch
        {
            RunFilterOperator.Equal => "=",
            RunFilterOperator.NotEqual => "<>",
            RunFilterOperator.Greater => ">",
            RunFilterOperator.GreaterOrEqual => ">=",
            RunFilterOperator.Less => "<",
            RunFilterOperator.LessOrEqual => "<=",
            _ => throw new InvalidInputException($"The comparator {op} is not valid for a number.", "filter"),
        };

        private void AddOrder(RunOrderTerm term, int index)
        {
            var direction = term.Descending ? "DESC" : "ASC";
            var alias = "o" + index.ToString(CultureInfo.InvariantCulture);
            switch (term.Entity)
            {
                case RunFilterEntity.Metric:
                    _joins.Append(CultureInfo.InvariantCulture, $"LEFT JOIN latest_metrics {alias} ON {alias}.run_key = r.run_key AND {alias}.key = {Parameter(term.Key)}\n");
                    // As MLflow: values first, then NaN, then runs without the metric, whatever the direction.
                    _order.Add($"CASE WHEN {alias}.is_nan = 1 THEN 1 WHEN {alias}.value IS NULL THEN 2 ELSE 0 END");
                    _order.Add($"{alias}.value {direction}");
                    break;
                case RunFilterEntity.Param:
                case RunFilterEntity.Tag:
                    var table = term.Entity == RunFilterEntity.Param ? "run_params" : "run_tags";
                    _joins.Append(CultureInfo.InvariantCulture, $"LEFT JOIN {table} {alias} ON {alias}.run_key = r.run_key AND {alias}.key = {Parameter(term.Key)}\n");
                    _order.Add($"({alias}.value IS NULL)");
                    _order.Add($"{alias}.value {direction}");
                    break;
                default:
                    var column = term.Key switch
                    {
                        RunFilter.Attributes.StartTime => "r.start_time",
                        RunFilter.Attributes.EndTime => "r.end_time",
                        RunFilter.Attributes.Status => "r.status",
                        RunFilter.Attributes.RunName => "r.name",
                        _ => "r.run_id",
                    };
                    _order.Add($"({column} IS NULL)");
                    _order.Add($"{column} {direction}");
                    break;
            }
        }

        /// <summary>MLflow LIKE (case-sensitive, % and _) as a SQLite GLOB (case-sensitive, * and ?).</summary>
        internal static string LikeToGlob(string pattern)
        {
            var builder = new StringBuilder(pattern.Length + 8);
            foreach (var c in pattern)
            {
                builder.Append(c switch
                {
                    '%' => "*",
                    '_' => "?",
                    '*' => "[*]",
                    '?' => "[?]",
                    '[' => "[[]",
                    _ => c.ToString(),
                });
            }
            return builder.ToString();
        }
    }

    /// <summary>Readable default run names, as MLflow's (adjective-noun-number).</summary>
    internal static class RunNames
    {
        private static readonly string[] Adjectives =
        [
            "able", "bold", "brave", "bright", "calm", "capable", "clever", "crisp", "dapper", "eager",
            "fair", "gentle", "glamorous", "gifted", "honest", "jolly", "keen", "kind", "lucky", "merry",
            "nimble", "patient", "polite", "quiet", "rare", "sincere", "smiling", "sunny", "swift", "tidy",
            "upbeat", "valuable", "vaunted", "wise", "witty", "zealous",
        ];

        private static readonly string[] Nouns =
        [
            "ant", "bass", "bear", "bee", "carp", "cat", "colt", "crab", "crow", "deer",
            "doe", "dove", "duck", "eel", "elk", "finch", "fox", "frog", "goat", "hare",
            "hawk", "hen", "horse", "jay", "koi", "lamb", "lark", "lion", "mole", "moth",
            "owl", "ox", "panda", "seal", "shrew", "slug", "snail", "squid", "stag", "toad",
            "trout", "whale", "wolf", "wren", "yak",
        ];

        public static string Generate(Random random) =>
            FormattableString.Invariant($"{Adjectives[random.Next(Adjectives.Length)]}-{Nouns[random.Next(Nouns.Length)]}-{random.Next(1000)}");
    }
}
