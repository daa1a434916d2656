namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalTrackingStoreSearchTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = LocalWorkspaceFixture.Epoch;
    private ExperimentData _exp = null!;

    public async Task InitializeAsync() => _exp = await _ws.ExperimentAsync();
    public async Task DisposeAsync() => await _ws.DisposeAsync();

    private ITrackingStore Store => _ws.Tracking;

    /// <summary>Run i: started at T0+i min, acc = i/10 (except r3: none; r4: NaN), lr = '0.0i', team a (even) or b (odd).</summary>
    private async Task<List<RunData>> SeedAsync(int count = 10)
    {
        var runs = new List<RunData>();
        for (var i = 0; i < count; i++)
        {
            var run = await _ws.RunAsync(_exp.ExperimentId, $"run-{i:D2}", T0.AddMinutes(i));
            List<MetricPoint> metrics = i switch
            {
                3 => [],
                4 => [new("acc", double.NaN, 0, T0)],
                _ => [new("acc", i / 10.0, 0, T0), new("f1 score", i, 0, T0)],
            };
            await Store.LogBatchAsync(run.RunId, new LogBatch(metrics, [new("lr", $"0.0{i}")], [new("team", i % 2 == 0 ? "a" : "b")]), None);
            runs.Add(run);
        }
        return runs;
    }

    private async Task<List<string>> NamesAsync(string? filter = null, IReadOnlyList<string>? orderBy = null, ViewType view = ViewType.ActiveOnly) =>
        [.. (await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], filter, orderBy, ViewType: view), None)).Items.Select(r => r.DisplayName)];

    [Fact]
    public async Task Default_order_is_newest_start_first()
    {
        await SeedAsync(3);
        Assert.Equal(["run-02", "run-01", "run-00"], await NamesAsync());
    }

    [Fact]
    public async Task Metric_filter_compares_the_latest_value_and_skips_runs_without_it_or_with_NaN()
    {
        await SeedAsync();
        Assert.Equal(["run-09", "run-08", "run-07"], await NamesAsync("metrics.acc > 0.65"));
        Assert.Equal(["run-02"], await NamesAsync("metrics.acc = 0.2"));
        Assert.Equal(["run-01", "run-00"], await NamesAsync("metrics.acc <= 0.1"));
        Assert.Contains("run-04", await NamesAsync("metrics.acc != 0.2"));
        Assert.DoesNotContain("run-03", await NamesAsync("metrics.acc != 0.2"));
        Assert.Equal(["run-09"], await NamesAsync("metrics.`f1 score` >= 9"));
    }

    [Fact]
    public async Task Param_and_tag_filters_with_equality_like_ilike_and_in()
    {
        await SeedAsync();
        Assert.Equal(["run-05"], await NamesAsync("params.lr = '0.05'"));
        Assert.Equal(9, (await NamesAsync("params.lr != '0.05'")).Count);
        Assert.Equal(["run-08", "run-06", "run-04", "run-02", "run-00"], await NamesAsync("tags.team = \"a\""));
        Assert.Equal(10, (await NamesAsync("params.lr LIKE '0.0_'")).Count);
        Assert.Equal(["run-05"], await NamesAsync("params.lr LIKE '%5'"));
        Assert.Equal(["run-03", "run-01"], await NamesAsync("params.lr IN ('0.01', '0.03')"));
        Assert.Equal(8, (await NamesAsync("params.lr NOT IN ('0.01', '0.03')")).Count);
        Assert.Empty(await NamesAsync("params.missing = 'x'"));
    }

    [Fact]
    public async Task Like_is_case_sensitive_and_ilike_is_not()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId, "Mixed");
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("model", "ResNet-50")]), None);
        Assert.Empty(await NamesAsync("tags.model LIKE 'resnet%'"));
        Assert.Equal(["Mixed"], await NamesAsync("tags.model LIKE 'Res%'"));
        Assert.Equal(["Mixed"], await NamesAsync("tags.model ILIKE 'resnet%'"));
        Assert.Equal(["Mixed"], await NamesAsync("attributes.run_name LIKE 'Mix_d'"));
    }

    [Fact]
    public async Task Conjunctions_combine_entities()
    {
        await SeedAsync();
        Assert.Equal(["run-08", "run-06"], await NamesAsync("metrics.acc > 0.5 and tags.team = 'a' AND params.lr != '0.00'"));
    }

    [Fact]
    public async Task Status_filter_accepts_Azure_ML_and_MLflow_names()
    {
        var runs = await SeedAsync(4);
        await Store.UpdateRunAsync(runs[0].RunId, new RunUpdate(RunStatus.Completed), None);
        await Store.UpdateRunAsync(runs[1].RunId, new RunUpdate(RunStatus.Failed), None);
        await Store.UpdateRunAsync(runs[2].RunId, new RunUpdate(RunStatus.Finalizing), None);

        Assert.Equal(["run-00"], await NamesAsync("attributes.status = 'FINISHED'"));
        Assert.Equal(["run-00"], await NamesAsync("status = 'Completed'"));
        Assert.Equal(["run-03", "run-02"], await NamesAsync("attributes.status = 'RUNNING'"));
        Assert.Equal(["run-02"], await NamesAsync("attributes.status = 'Finalizing'"));
        Assert.Equal(["run-03", "run-02", "run-00"], await NamesAsync("attributes.status != 'FAILED'"));
        Assert.Equal(["run-01", "run-00"], await NamesAsync("attributes.status IN ('FINISHED', 'Failed')"));
    }

    [Fact]
    public async Task Time_name_and_id_attribute_filters()
    {
        var runs = await SeedAsync(5);
        await Store.UpdateRunAsync(runs[1].RunId, new RunUpdate(EndTime: T0.AddHours(1)), None);
        var ms = T0.AddMinutes(2).ToUnixTimeMilliseconds();
        Assert.Equal(["run-04", "run-03"], await NamesAsync($"attributes.start_time > {ms}"));
        Assert.Equal(["run-02", "run-01", "run-00"], await NamesAsync($"start_time <= {ms}"));
        Assert.Equal(["run-01"], await NamesAsync($"attributes.end_time > {ms}"));
        Assert.Equal(["run-03"], await NamesAsync("attributes.run_name = 'run-03'"));
        Assert.Equal(["run-02"], await NamesAsync($"attributes.run_id = '{runs[2].RunId}'"));
        Assert.Equal(["run-04", "run-00"], await NamesAsync($"attributes.run_id IN ('{runs[0].RunId}', '{runs[4].RunId}')"));
    }

    [Fact]
    public async Task Child_runs_are_found_by_the_parent_tag()
    {
        var parent = await _ws.RunAsync(_exp.ExperimentId, "parent");
        await _ws.RunAsync(_exp.ExperimentId, "child-1", T0.AddMinutes(1), parent.RunId);
        await _ws.RunAsync(_exp.ExperimentId, "child-2", T0.AddMinutes(2), parent.RunId);
        Assert.Equal(["child-2", "child-1"], await NamesAsync($"tags.mlflow.parentRunId = '{parent.RunId}'"));
    }

    [Fact]
    public async Task Order_by_metric_puts_NaN_then_missing_last_in_both_directions()
    {
        await SeedAsync(6);
        Assert.Equal(["run-05", "run-02", "run-01", "run-00", "run-04", "run-03"], await NamesAsync(orderBy: ["metrics.acc DESC"]));
        Assert.Equal(["run-00", "run-01", "run-02", "run-05", "run-04", "run-03"], await NamesAsync(orderBy: ["metrics.acc"]));
    }

    [Fact]
    public async Task Order_by_params_tags_and_attributes_with_ties_broken_by_start_time()
    {
        await SeedAsync(4);
        Assert.Equal(["run-03", "run-02", "run-01", "run-00"], await NamesAsync(orderBy: ["params.lr DESC"]));
        Assert.Equal(["run-02", "run-00", "run-03", "run-01"], await NamesAsync(orderBy: ["tags.team ASC"]));
        Assert.Equal(["run-00", "run-01", "run-02", "run-03"], await NamesAsync(orderBy: ["attributes.start_time ASC"]));
        Assert.Equal(["run-00", "run-01", "run-02", "run-03"], await NamesAsync(orderBy: ["start_time"]));
        Assert.Equal(["run-03", "run-02", "run-01", "run-00"], await NamesAsync(orderBy: ["run_name DESC"]));
        Assert.Equal(["run-03", "run-01", "run-02", "run-00"], await NamesAsync(orderBy: ["tags.team DESC", "params.lr DESC"]));
    }

    [Fact]
    public async Task Paging_returns_every_run_once_in_order()
    {
        for (var i = 0; i < 45; i++)
        {
            await _ws.RunAsync(_exp.ExperimentId, $"run-{i:D2}", T0.AddSeconds(i % 7));
        }
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], MaxResults: 10, PageToken: token), None);
            Assert.True(page.Items.Count <= 10);
            seen.AddRange(page.Items.Select(r => r.RunId));
            token = page.NextPageToken;
        }
        while (token is not null);

        var all = (await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId]), None)).Items.Select(r => r.RunId).ToList();
        Assert.Equal(45, seen.Distinct().Count());
        Assert.Equal(all, seen);
    }

    [Fact]
    public async Task Search_spans_several_experiments_and_returns_full_runs()
    {
        await SeedAsync(2);
        var other = await _ws.ExperimentAsync("other");
        await _ws.RunAsync(other.ExperimentId, "elsewhere", T0.AddDays(1));
        var page = await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId, other.ExperimentId]), None);
        Assert.Equal(["elsewhere", "run-01", "run-00"], page.Items.Select(r => r.DisplayName));
        var run1 = page.Items[1];
        Assert.Equal("0.01", run1.Params["lr"]);
        Assert.Equal("b", run1.Tags["team"]);
        Assert.Equal(0.1, run1.LatestMetrics["acc"].Value);
    }

    [Fact]
    public async Task View_type_selects_active_deleted_or_all_runs_and_deleted_experiments_hide_their_runs()
    {
        var runs = await SeedAsync(3);
        await Store.DeleteRunAsync(runs[1].RunId, None);
        Assert.Equal(["run-02", "run-00"], await NamesAsync());
        Assert.Equal(["run-01"], await NamesAsync(view: ViewType.DeletedOnly));
        Assert.Equal(["run-02", "run-01", "run-00"], await NamesAsync(view: ViewType.All));

        await Store.DeleteExperimentAsync(_exp.ExperimentId, None);
        Assert.Empty(await NamesAsync());
        Assert.Equal(3, (await NamesAsync(view: ViewType.DeletedOnly)).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50001)]
    public async Task Page_size_out_of_range_is_rejected(int max) =>
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], MaxResults: max), None));

    [Fact]
    public async Task Bad_filter_order_token_or_experiment_list_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], "metrics.acc >> 1"), None));
        Assert.Contains("metrics.acc >> 1", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], OrderBy: ["attributes.nope"]), None));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], PageToken: "Zm9v"), None));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.SearchRunsAsync(new RunQuery([]), None));
    }

    [Fact]
    public async Task Filter_values_are_parameters_not_sql()
    {
        await SeedAsync(2);
        Assert.Empty(await NamesAsync("params.lr = ''' OR 1=1 --'"));
        Assert.Empty(await NamesAsync("tags.`x' OR 1=1 --` = 'a'"));
    }
}
