using System.Text.RegularExpressions;

namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalTrackingStoreRunTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = LocalWorkspaceFixture.Epoch;
    private ExperimentData _exp = null!;

    public async Task InitializeAsync() => _exp = await _ws.ExperimentAsync();
    public async Task DisposeAsync() => await _ws.DisposeAsync();

    private ITrackingStore Store => _ws.Tracking;

    [Fact]
    public async Task Created_run_has_a_hex_id_its_name_as_tag_and_its_artifact_folder_uri()
    {
        var run = await Store.CreateRunAsync(new NewRun(_exp.ExperimentId, "baseline", T0, Tags: new Dictionary<string, string> { ["team"] = "a" }), None);

        Assert.Matches("^[0-9a-f]{32}$", run.RunId);
        Assert.Equal("baseline", run.DisplayName);
        Assert.Equal("baseline", run.Tags["mlflow.runName"]);
        Assert.Equal("a", run.Tags["team"]);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(T0, run.StartTime);
        Assert.Null(run.EndTime);
        Assert.Null(run.ParentRunId);
        Assert.False(run.IsDeleted);
        Assert.Equal(_exp.ExperimentId, run.ExperimentId);
        Assert.Equal(new Uri(Path.Combine(_ws.Directory, "artifacts", run.RunId)).AbsoluteUri, run.ArtifactUri);
    }

    [Fact]
    public async Task Run_without_a_name_gets_a_readable_generated_one()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        Assert.Matches(new Regex("^[a-z]+-[a-z]+-\\d{1,3}$"), run.DisplayName);
        Assert.Equal(run.DisplayName, run.Tags["mlflow.runName"]);
    }

    [Fact]
    public async Task Child_run_records_its_parent_as_tag()
    {
        var parent = await _ws.RunAsync(_exp.ExperimentId, "parent");
        var child = await _ws.RunAsync(_exp.ExperimentId, "child", parent: parent.RunId);
        Assert.Equal(parent.RunId, child.ParentRunId);
        Assert.Equal(parent.RunId, child.Tags["mlflow.parentRunId"]);
    }

    [Fact]
    public async Task Child_run_with_a_missing_parent_is_rejected_and_not_created()
    {
        var missing = new string('a', 32);
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.RunAsync(_exp.ExperimentId, "child", parent: missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
        Assert.Empty((await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], ViewType: ViewType.All), None)).Items);
    }

    [Fact]
    public async Task Child_run_in_another_experiment_than_its_parent_is_rejected()
    {
        var other = await _ws.ExperimentAsync("other");
        var parent = await _ws.RunAsync(other.ExperimentId);
        await Assert.ThrowsAsync<InvalidInputException>(() => _ws.RunAsync(_exp.ExperimentId, parent: parent.RunId));
    }

    [Fact]
    public async Task Run_in_a_missing_experiment_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.RunAsync("424242"));
        Assert.Contains("424242", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_in_a_deleted_experiment_is_rejected()
    {
        await Store.DeleteExperimentAsync(_exp.ExperimentId, None);
        await Assert.ThrowsAsync<InvalidStateException>(() => _ws.RunAsync(_exp.ExperimentId));
    }

    [Fact]
    public async Task Run_name_over_the_limit_is_rejected() =>
        await Assert.ThrowsAsync<InvalidInputException>(() => _ws.RunAsync(_exp.ExperimentId, new string('n', TrackingLimits.MaxNameLength + 1)));

    [Fact]
    public async Task Unknown_run_is_not_found_naming_the_id()
    {
        var id = Guid.NewGuid().ToString("N");
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.GetRunAsync(id, None));
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.LogBatchAsync(id, LogBatch.OfMetrics([new("m", 1, 0, T0)]), None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.GetMetricHistoryAsync(id, "m", None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.UpdateRunAsync(id, new RunUpdate(RunStatus.Completed), None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.DeleteRunAsync(id, None));
    }

    [Fact]
    public async Task Update_changes_status_end_time_and_name_and_keeps_the_name_tag_in_step()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId, "before");
        var updated = await Store.UpdateRunAsync(run.RunId, new RunUpdate(RunStatus.Completed, T0.AddHours(1), "after"), None);

        Assert.Equal(RunStatus.Completed, updated.Status);
        Assert.Equal(T0.AddHours(1), updated.EndTime);
        Assert.Equal("after", updated.DisplayName);
        Assert.Equal("after", updated.Tags["mlflow.runName"]);

        var unchanged = await Store.UpdateRunAsync(run.RunId, new RunUpdate(), None);
        Assert.Equal(RunStatus.Completed, unchanged.Status);
        Assert.Equal(T0.AddHours(1), unchanged.EndTime);
        Assert.Equal("after", unchanged.DisplayName);
    }

    [Fact]
    public async Task Every_status_round_trips()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            Assert.Equal(status, (await Store.UpdateRunAsync(run.RunId, new RunUpdate(status), None)).Status);
        }
    }

    [Fact]
    public async Task Setting_the_run_name_tag_renames_the_run()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId, "before");
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("mlflow.runName", "after")]), None);
        Assert.Equal("after", (await Store.GetRunAsync(run.RunId, None)).DisplayName);
    }

    [Fact]
    public async Task Deleted_run_is_kept_but_rejects_writes_until_restored()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.DeleteRunAsync(run.RunId, None);

        Assert.True((await Store.GetRunAsync(run.RunId, None)).IsDeleted);
        var ex = await Assert.ThrowsAsync<InvalidStateException>(() => Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 0, T0)]), None));
        Assert.Contains("active", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidStateException>(() => Store.UpdateRunAsync(run.RunId, new RunUpdate(RunStatus.Completed), None));

        await Store.RestoreRunAsync(run.RunId, None);
        Assert.False((await Store.GetRunAsync(run.RunId, None)).IsDeleted);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 0, T0)]), None);
    }

    [Fact]
    public async Task Runs_of_a_deleted_experiment_count_as_deleted_and_come_back_with_it()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        var alreadyDeleted = await _ws.RunAsync(_exp.ExperimentId);
        await Store.DeleteRunAsync(alreadyDeleted.RunId, None);
        await Store.DeleteExperimentAsync(_exp.ExperimentId, None);

        Assert.True((await Store.GetRunAsync(run.RunId, None)).IsDeleted);
        await Assert.ThrowsAsync<InvalidStateException>(() => Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 0, T0)]), None));
        await Assert.ThrowsAsync<InvalidStateException>(() => Store.RestoreRunAsync(run.RunId, None));

        await Store.RestoreExperimentAsync(_exp.ExperimentId, None);
        Assert.False((await Store.GetRunAsync(run.RunId, None)).IsDeleted);
        Assert.True((await Store.GetRunAsync(alreadyDeleted.RunId, None)).IsDeleted);
    }

    [Fact]
    public async Task Delete_tag_removes_it_and_a_missing_tag_is_not_found()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("t", "v")]), None);
        await Store.DeleteTagAsync(run.RunId, "t", None);
        Assert.False((await Store.GetRunAsync(run.RunId, None)).Tags.ContainsKey("t"));
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.DeleteTagAsync(run.RunId, "t", None));
        Assert.Contains("'t'", ex.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ log batch

    [Fact]
    public async Task Log_batch_writes_params_tags_and_metrics_and_get_run_returns_them()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch(
            [new("acc", 0.5, 0, T0), new("acc", 0.9, 1, T0.AddSeconds(1)), new("loss", 0.3, 0, T0)],
            [new("lr", "0.01")],
            [new("team", "vision")]), None);

        var stored = await Store.GetRunAsync(run.RunId, None);
        Assert.Equal("0.01", stored.Params["lr"]);
        Assert.Equal("vision", stored.Tags["team"]);
        Assert.Equal(new MetricPoint("acc", 0.9, 1, T0.AddSeconds(1)), stored.LatestMetrics["acc"]);
        Assert.Equal(new MetricPoint("loss", 0.3, 0, T0), stored.LatestMetrics["loss"]);
    }

    [Fact]
    public async Task Log_batch_with_the_same_param_value_again_is_accepted()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [new("lr", "0.01")], []), None);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [new("lr", "0.01"), new("lr", "0.01")], []), None);
        Assert.Equal("0.01", (await Store.GetRunAsync(run.RunId, None)).Params["lr"]);
    }

    [Fact]
    public async Task Log_batch_with_changed_param_value_is_rejected_and_writes_nothing()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [new("lr", "0.01")], []), None);

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Store.LogBatchAsync(run.RunId, new LogBatch(
            [new("acc", 1, 0, T0)],
            [new("batch", "32"), new("lr", "0.02")],
            [new("team", "x")]), None));

        Assert.Contains("lr", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.01", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.02", ex.Message, StringComparison.Ordinal);
        Assert.Equal("lr", ex.ParameterName);
        var stored = await Store.GetRunAsync(run.RunId, None);
        Assert.Equal("0.01", stored.Params["lr"]);
        Assert.False(stored.Params.ContainsKey("batch"));
        Assert.False(stored.Tags.ContainsKey("team"));
        Assert.Empty(stored.LatestMetrics);
        Assert.Empty(await Store.GetMetricHistoryAsync(run.RunId, "acc", None));
    }

    [Fact]
    public async Task Log_batch_with_one_param_twice_with_different_values_is_rejected()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Store.LogBatchAsync(run.RunId, new LogBatch([], [new("lr", "1"), new("lr", "2")], []), None));
        Assert.Contains("lr", ex.Message, StringComparison.Ordinal);
        Assert.Empty((await Store.GetRunAsync(run.RunId, None)).Params);
    }

    [Fact]
    public async Task Log_batch_tags_last_write_wins()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("t", "1"), new("t", "2")]), None);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("u", "1")]), None);
        await Store.LogBatchAsync(run.RunId, new LogBatch([], [], [new("u", "3")]), None);
        var tags = (await Store.GetRunAsync(run.RunId, None)).Tags;
        Assert.Equal("2", tags["t"]);
        Assert.Equal("3", tags["u"]);
    }

    public static TheoryData<LogBatch, string> OverLimitBatches => new()
    {
        { LogBatch.OfMetrics([.. Enumerable.Range(0, 1001).Select(i => new MetricPoint("m", i, i, T0))]), "1001" },
        { new LogBatch([], [.. Enumerable.Range(0, 101).Select(i => new KeyValuePair<string, string>($"p{i}", "v"))], []), "101" },
        { new LogBatch([], [], [.. Enumerable.Range(0, 101).Select(i => new KeyValuePair<string, string>($"t{i}", "v"))]), "101" },
        { new LogBatch([.. Enumerable.Range(0, 950).Select(i => new MetricPoint("m", i, i, T0))], [.. Enumerable.Range(0, 60).Select(i => new KeyValuePair<string, string>($"p{i}", "v"))], []), "1010" },
        { LogBatch.OfMetrics([new("m", 1, 0, T0), new("bad/../key", 1, 0, T0)]), "bad/../key" },
        { new LogBatch([], [new("ok", "v"), new(new string('k', 251), "v")], []), "251" },
        { new LogBatch([], [new("p", new string('v', 6001))], []), "6001" },
        { new LogBatch([], [], [new("t", new string('v', 8001))]), "8001" },
        { new LogBatch([], [], [new("bad key!", "v")]), "bad key!" },
    };

    [Theory]
    [MemberData(nameof(OverLimitBatches))]
    public async Task Log_batch_over_a_limit_or_with_a_bad_key_is_rejected_naming_it_and_writes_nothing(LogBatch batch, string named)
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Store.LogBatchAsync(run.RunId, batch, None));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        var stored = await Store.GetRunAsync(run.RunId, None);
        Assert.Empty(stored.Params);
        Assert.Empty(stored.LatestMetrics);
        Assert.Equal(["mlflow.runName"], stored.Tags.Keys);
    }

    [Fact]
    public async Task Log_batch_at_the_limits_is_accepted()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, new LogBatch(
            [.. Enumerable.Range(0, 800).Select(i => new MetricPoint("m", i, i, T0))],
            [.. Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string>($"p{i}", new string('v', 6000)))],
            [.. Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string>($"t{i}", new string('v', 8000)))]), None);
        Assert.Equal(800, (await Store.GetMetricHistoryAsync(run.RunId, "m", None)).Count);
    }

    [Fact]
    public async Task NaN_and_infinities_round_trip_exactly()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        MetricPoint[] points =
        [
            new("v", double.NaN, 0, T0), new("v", double.PositiveInfinity, 1, T0),
            new("v", double.NegativeInfinity, 2, T0), new("v", -0.0, 3, T0), new("v", double.Epsilon, 4, T0),
            new("v", double.MaxValue, 5, T0), new("last", double.NaN, 7, T0),
        ];
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics(points), None);

        var history = await Store.GetMetricHistoryAsync(run.RunId, "v", None);
        Assert.Equal(points.Where(p => p.Key == "v"), history);
        Assert.True(double.IsNegative(history[3].Value), "-0.0 keeps its sign (record equality says -0.0 == 0.0)");
        Assert.True(double.IsNaN((await Store.GetRunAsync(run.RunId, None)).LatestMetrics["last"].Value));
    }

    [Fact]
    public async Task Negative_zero_is_kept_as_the_latest_value_and_compares_as_zero_in_searches()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("z", -0.0, 0, T0)]), None);
        Assert.True(double.IsNegative((await Store.GetRunAsync(run.RunId, None)).LatestMetrics["z"].Value));
        var found = await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], "metrics.z = 0", null, 100, null, ViewType.ActiveOnly), None);
        Assert.Contains(found.Items, r => r.RunId == run.RunId);
        var below = await Store.SearchRunsAsync(new RunQuery([_exp.ExperimentId], "metrics.z < 0", null, 100, null, ViewType.ActiveOnly), None);
        Assert.DoesNotContain(below.Items, r => r.RunId == run.RunId);
    }

    [Fact]
    public async Task Replaying_a_batch_changes_nothing()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        var batch = new LogBatch(
            [new("m", 1, 0, T0), new("m", 2, 1, T0), new("m", double.NaN, 2, T0), new("m", double.PositiveInfinity, 3, T0)],
            [new("p", "v")],
            [new("t", "v")]);
        await Store.LogBatchAsync(run.RunId, batch, None);
        var before = await Store.GetMetricHistoryAsync(run.RunId, "m", None);
        await Store.LogBatchAsync(run.RunId, batch, None);
        Assert.Equal(before, await Store.GetMetricHistoryAsync(run.RunId, "m", None));
        Assert.Equal(4, before.Count);
    }

    [Fact]
    public async Task Same_step_and_time_with_another_value_is_a_distinct_point()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 0, T0), new("m", 2, 0, T0)]), None);
        Assert.Equal(2, (await Store.GetMetricHistoryAsync(run.RunId, "m", None)).Count);
    }

    [Fact]
    public async Task Metric_history_is_ordered_by_step_then_timestamp()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([
            new("m", 3, 2, T0), new("m", 2, 1, T0.AddSeconds(5)), new("m", 1, 1, T0), new("other", 9, 0, T0)]), None);
        Assert.Equal([1d, 2d, 3d], (await Store.GetMetricHistoryAsync(run.RunId, "m", None)).Select(p => p.Value));
        Assert.Empty(await Store.GetMetricHistoryAsync(run.RunId, "missing", None));
    }

    [Fact]
    public async Task Latest_metric_follows_MLflow_max_step_then_time_then_value_across_batches()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 5, 10, T0)]), None);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 100, 9, T0.AddDays(1))]), None);
        Assert.Equal(5, (await Store.GetRunAsync(run.RunId, None)).LatestMetrics["m"].Value);

        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 10, T0.AddSeconds(1))]), None);
        Assert.Equal(1, (await Store.GetRunAsync(run.RunId, None)).LatestMetrics["m"].Value);

        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 7, 10, T0.AddSeconds(1)), new("m", 3, 10, T0.AddSeconds(1))]), None);
        Assert.Equal(new MetricPoint("m", 7, 10, T0.AddSeconds(1)), (await Store.GetRunAsync(run.RunId, None)).LatestMetrics["m"]);
    }

    [Fact]
    public async Task Metric_timestamps_keep_millisecond_precision()
    {
        var run = await _ws.RunAsync(_exp.ExperimentId);
        await Store.LogBatchAsync(run.RunId, LogBatch.OfMetrics([new("m", 1, 0, T0.AddTicks(12_345_678))]), None);
        Assert.Equal(T0.AddMilliseconds(1234), (await Store.GetMetricHistoryAsync(run.RunId, "m", None))[0].Timestamp);
    }
}
