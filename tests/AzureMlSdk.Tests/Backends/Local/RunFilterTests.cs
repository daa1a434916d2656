namespace AzureMlSdk.Tests.Backends.Local;

public class RunFilterTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Empty_filter_has_no_clauses(string? filter) => Assert.Empty(RunFilter.Parse(filter));

    [Fact]
    public void Clauses_joined_by_and_of_any_case_are_parsed_in_order()
    {
        var clauses = RunFilter.Parse("metrics.accuracy > 0.9 AND params.lr = '0.01' and tags.team != \"vision\" aNd attributes.status = 'FINISHED'");
        Assert.Equal(4, clauses.Count);
        Assert.Equal(new RunFilterClause(RunFilterEntity.Metric, "accuracy", RunFilterOperator.Greater, Number: 0.9), clauses[0]);
        Assert.Equal(new RunFilterClause(RunFilterEntity.Param, "lr", RunFilterOperator.Equal, Text: "0.01"), clauses[1]);
        Assert.Equal(new RunFilterClause(RunFilterEntity.Tag, "team", RunFilterOperator.NotEqual, Text: "vision"), clauses[2]);
        Assert.Equal(RunFilterEntity.Attribute, clauses[3].Entity);
        Assert.Equal("status", clauses[3].Key);
        Assert.Equal("FINISHED", clauses[3].Text);
    }

    [Theory]
    [InlineData("metric.acc = 1", RunFilterEntity.Metric)]
    [InlineData("metrics.acc = 1", RunFilterEntity.Metric)]
    [InlineData("param.lr = '1'", RunFilterEntity.Param)]
    [InlineData("params.lr = '1'", RunFilterEntity.Param)]
    [InlineData("parameters.lr = '1'", RunFilterEntity.Param)]
    [InlineData("tag.t = '1'", RunFilterEntity.Tag)]
    [InlineData("tags.t = '1'", RunFilterEntity.Tag)]
    [InlineData("attribute.run_name = 'x'", RunFilterEntity.Attribute)]
    [InlineData("attributes.run_name = 'x'", RunFilterEntity.Attribute)]
    [InlineData("attr.run_name = 'x'", RunFilterEntity.Attribute)]
    [InlineData("run.run_name = 'x'", RunFilterEntity.Attribute)]
    [InlineData("run_name = 'x'", RunFilterEntity.Attribute)]
    public void MLflow_entity_aliases_are_accepted(string filter, object entity) =>
        Assert.Equal((RunFilterEntity)entity, Assert.Single(RunFilter.Parse(filter)).Entity);

    [Theory]
    [InlineData("metrics.`f1 score` >= 0.5", "f1 score")]
    [InlineData("metrics.\"f1 score\" >= 0.5", "f1 score")]
    [InlineData("metrics.train/loss <= 1e-3", "train/loss")]
    [InlineData("metrics.a.b-c:d < -2.5", "a.b-c:d")]
    public void Keys_may_be_backquoted_double_quoted_or_bare_with_dots_and_slashes(string filter, string key) =>
        Assert.Equal(key, Assert.Single(RunFilter.Parse(filter)).Key);

    [Fact]
    public void Parent_run_tag_key_with_a_dot_is_one_key()
    {
        var clause = Assert.Single(RunFilter.Parse("tags.mlflow.parentRunId = 'abc'"));
        Assert.Equal(new RunFilterClause(RunFilterEntity.Tag, "mlflow.parentRunId", RunFilterOperator.Equal, Text: "abc"), clause);
    }

    [Theory]
    [InlineData("metrics.a = 1", RunFilterOperator.Equal)]
    [InlineData("metrics.a != 1", RunFilterOperator.NotEqual)]
    [InlineData("metrics.a > 1", RunFilterOperator.Greater)]
    [InlineData("metrics.a >= 1", RunFilterOperator.GreaterOrEqual)]
    [InlineData("metrics.a < 1", RunFilterOperator.Less)]
    [InlineData("metrics.a <= 1", RunFilterOperator.LessOrEqual)]
    [InlineData("metrics.a<=1", RunFilterOperator.LessOrEqual)]
    [InlineData("params.a LIKE 'x%'", RunFilterOperator.Like)]
    [InlineData("params.a ilike 'x%'", RunFilterOperator.ILike)]
    [InlineData("tags.a IN ('x', 'y')", RunFilterOperator.In)]
    [InlineData("tags.a not in ('x')", RunFilterOperator.NotIn)]
    public void Comparators_are_parsed(string filter, object op) =>
        Assert.Equal((RunFilterOperator)op, Assert.Single(RunFilter.Parse(filter)).Operator);

    [Fact]
    public void In_list_keeps_its_items()
    {
        var clause = Assert.Single(RunFilter.Parse("attributes.run_id IN ('a', \"b\",'c')"));
        Assert.Equal(["a", "b", "c"], clause.List!);
    }

    [Fact]
    public void Quote_doubled_inside_a_string_stands_for_one_quote() =>
        Assert.Equal("it's", Assert.Single(RunFilter.Parse("params.p = 'it''s'")).Text);

    [Theory]
    [InlineData("start_time > 1700000000000", "start_time")]
    [InlineData("attributes.created > 1", "start_time")]
    [InlineData("attributes.end_time <= 5", "end_time")]
    public void Time_attributes_take_numbers(string filter, string key)
    {
        var clause = Assert.Single(RunFilter.Parse(filter));
        Assert.Equal(key, clause.Key);
        Assert.NotNull(clause.Number);
    }

    [Theory]
    [InlineData("metrics.acc > 'high'", "acc")]
    [InlineData("metrics.acc LIKE '1%'", "LIKE")]
    [InlineData("params.lr > '0.1'", ">")]
    [InlineData("params.lr = 0.1", "0.1")]
    [InlineData("tags.team = vision", "vision")]
    [InlineData("foo.bar = 1", "foo")]
    [InlineData("attributes.color = 'red'", "color")]
    [InlineData("attributes.status = 'Sleeping'", "Sleeping")]
    [InlineData("attributes.status LIKE 'R%'", "LIKE")]
    [InlineData("attributes.start_time > 'yesterday'", "start_time")]
    [InlineData("metrics.acc > 0.9 or params.lr = '1'", "or params")]
    [InlineData("metrics.acc > 0.9 and", "the end")]
    [InlineData("metrics.acc 0.9", "0.9")]
    [InlineData("params.p = 'unclosed", "unclosed")]
    [InlineData("metrics.`unclosed > 1", "unclosed")]
    [InlineData("metrics. > 1", "metrics.")]
    [InlineData("tags.t IN 'x'", "'x'")]
    [InlineData("tags.t IN ('x' 'y')", "'y'")]
    [InlineData("tags.t NOT LIKE 'x'", "LIKE")]
    [InlineData("metrics.acc > NaN", "NaN")]
    public void Bad_filters_are_rejected_naming_the_offending_part(string filter, string offending)
    {
        var ex = Assert.Throws<InvalidInputException>(() => RunFilter.Parse(filter));
        Assert.Contains(offending, ex.Message, StringComparison.Ordinal);
        Assert.Equal("filter", ex.ParameterName);
    }

    [Theory]
    [InlineData("metrics.acc DESC", RunFilterEntity.Metric, "acc", true)]
    [InlineData("metrics.`f1 score` desc", RunFilterEntity.Metric, "f1 score", true)]
    [InlineData("params.p", RunFilterEntity.Param, "p", false)]
    [InlineData("tags.t ASC", RunFilterEntity.Tag, "t", false)]
    [InlineData("attributes.start_time ASC", RunFilterEntity.Attribute, "start_time", false)]
    [InlineData("start_time", RunFilterEntity.Attribute, "start_time", false)]
    [InlineData("run_name DESC", RunFilterEntity.Attribute, "run_name", true)]
    [InlineData("attributes.end_time", RunFilterEntity.Attribute, "end_time", false)]
    public void Order_by_terms_are_parsed(string text, object entity, string key, bool descending) =>
        Assert.Equal(new RunOrderTerm((RunFilterEntity)entity, key, descending), Assert.Single(RunFilter.ParseOrderBy([text])));

    [Theory]
    [InlineData("metrics.acc DOWN", "DOWN")]
    [InlineData("attributes.color", "color")]
    [InlineData("", "empty")]
    [InlineData("metrics.acc DESC extra", "extra")]
    public void Bad_order_by_terms_are_rejected_naming_the_offending_part(string text, string offending)
    {
        var ex = Assert.Throws<InvalidInputException>(() => RunFilter.ParseOrderBy([text]));
        Assert.Contains(offending, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MLflow_running_status_covers_every_running_Azure_ML_status() =>
        Assert.Equal([RunStatus.Running, RunStatus.Finalizing, RunStatus.CancelRequested], RunFilter.StatusesMatching("RUNNING"));

    [Fact]
    public void Azure_ML_status_name_matches_only_itself() =>
        Assert.Equal([RunStatus.Finalizing], RunFilter.StatusesMatching("finalizing"));
}
