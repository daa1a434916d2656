using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.Tests.ObjectModel;

public class RunLoggingTests
{
    [Fact]
    public async Task Log_returns_while_the_store_is_still_writing()
    {
        var fake = new FakeBackend();
        var gate = new TaskCompletionSource();
        fake.Tracking.LogBatchAsync(default!, default!, default).ReturnsForAnyArgs(async c =>
        {
            await gate.Task;
            fake.Writes.Enqueue(("batch", c.ArgAt<LogBatch>(1)));
        });
        await using var ws = fake.Workspace(buffer: new LogBufferOptions { MaxBatchSize = 10 });
        var run = await fake.StartRunAsync(ws);

        for (var i = 0; i < 100; i++)
        {
            run.Log("loss", i);
        }

        Assert.Empty(fake.Metrics);
        gate.SetResult();
        await run.FlushAsync();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), fake.Metrics.Select(m => m.Value));
        await run.DisposeAsync();
    }

    [Fact]
    public async Task Points_are_written_in_batches_no_larger_than_the_batch_size()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace(buffer: new LogBufferOptions { MaxBatchSize = 100 });
        await using var run = await fake.StartRunAsync(ws);

        for (var i = 0; i < 1050; i++)
        {
            run.Log("acc", i / 1000.0);
        }
        await run.FlushAsync();

        var batches = fake.Writes.Where(w => w.Batch is { Metrics.Count: > 0 }).Select(w => w.Batch!.Metrics.Count).ToList();
        Assert.All(batches, count => Assert.InRange(count, 1, 100));
        Assert.Equal(1050, batches.Sum());
    }

    [Fact]
    public async Task A_point_is_written_after_the_flush_interval_without_an_explicit_flush()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var fake = new FakeBackend();
        await using var ws = fake.Workspace(time, new LogBufferOptions { FlushInterval = TimeSpan.FromSeconds(5) });
        await using var run = await fake.StartRunAsync(ws);

        run.Log("loss", 0.5);
        await Task.Delay(100);
        Assert.Empty(fake.Metrics);

        time.Advance(TimeSpan.FromSeconds(5));
        await FakeBackend.Eventually(() => fake.Metrics.Count == 1, "the time-triggered flush");
        Assert.Equal(time.GetUtcNow().AddSeconds(-5).ToUnixTimeMilliseconds(), fake.Metrics[0].Timestamp.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Omitted_steps_continue_from_the_last_step_of_that_metric()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.Log("a", 1);
        run.Log("a", 2);
        run.Log("b", 3);
        run.Log("a", 4, step: 10);
        run.Log("a", 5);
        run.LogList("b", [6, 7]);
        await run.FlushAsync();

        Assert.Equal([0L, 1, 10, 11], fake.Metrics.Where(m => m.Key == "a").Select(m => m.Step));
        Assert.Equal([0L, 1, 2], fake.Metrics.Where(m => m.Key == "b").Select(m => m.Step));
    }

    [Fact]
    public async Task NaN_and_infinities_are_passed_through_unchanged()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.Log("x", double.NaN);
        run.Log("x", double.PositiveInfinity);
        run.Log("x", double.NegativeInfinity);
        await run.FlushAsync();

        var values = fake.Metrics.Select(m => m.Value).ToList();
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(double.PositiveInfinity, values[1]);
        Assert.Equal(double.NegativeInfinity, values[2]);
    }

    [Fact]
    public async Task Changing_a_param_is_rejected_at_once_and_the_same_value_is_sent_once()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.LogParam("lr", 0.01);
        run.LogParam("lr", 0.01);
        var ex = Assert.Throws<InvalidInputException>(() => run.LogParam("lr", 0.02));
        await run.FlushAsync();

        Assert.Contains("lr", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.01", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0.02", ex.Message, StringComparison.Ordinal);
        var sent = fake.Writes.Where(w => w.Batch is not null).SelectMany(w => w.Batch!.Params).ToList();
        Assert.Equal([new KeyValuePair<string, string>("lr", "0.01")], sent);
        Assert.Equal("0.01", run.Params["lr"]);
    }

    [Fact]
    public async Task Properties_are_immutable_and_kept_apart_from_params()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.AddProperties(new Dictionary<string, string> { ["dataset"] = "v1" });
        Assert.Throws<InvalidInputException>(() => run.AddProperties(new Dictionary<string, string> { ["dataset"] = "v2" }));

        Assert.Equal("v1", run.Properties["dataset"]);
        Assert.Empty(run.Params);
    }

    [Fact]
    public async Task A_bad_batch_of_several_params_logs_none_of_them()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        Assert.Throws<InvalidInputException>(() => run.LogParams(new Dictionary<string, string> { ["ok"] = "1", ["bad key!"] = "2" }));
        await run.FlushAsync();

        Assert.Empty(run.Params);
        Assert.DoesNotContain(fake.Writes, w => w.Batch is { Params.Count: > 0 });
    }

    [Fact]
    public async Task A_rejected_write_is_reported_by_the_next_flush_and_not_swallowed()
    {
        var fake = new FakeBackend();
        fake.Tracking.LogBatchAsync(default!, default!, default).ThrowsAsyncForAnyArgs(new InvalidInputException("store said no", "loss"));
        await using var ws = fake.Workspace();
        var run = await fake.StartRunAsync(ws);

        run.Log("loss", 1);
        run.Log("loss", 2);
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => run.FlushAsync());

        Assert.Contains("store said no", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 metric point(s) not stored", ex.Message, StringComparison.Ordinal);
        await run.FlushAsync(); // reported once, then cleared
        await run.DisposeAsync();
    }

    [Fact]
    public async Task A_store_failure_is_reported_at_the_next_flush_without_retries_on_top_of_the_backends()
    {
        var fake = new FakeBackend();
        var calls = 0;
        fake.Tracking.LogBatchAsync(default!, default!, default).ReturnsForAnyArgs(c =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new ServiceUnavailableException("busy");
            }
            fake.Writes.Enqueue(("batch", c.ArgAt<LogBatch>(1)));
            return Task.CompletedTask;
        });
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.Log("loss", 1);
        var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => run.FlushAsync());
        Assert.Contains("1 metric point(s) not stored", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls); // the backend already retried what it could: the logger does not try again

        run.Log("loss", 2);
        await run.FlushAsync();
        Assert.Equal(2, calls);
        Assert.Equal(2, Assert.Single(fake.Metrics).Value);
    }

    [Fact]
    public async Task Disposing_a_started_run_flushes_then_completes_it()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        var run = await fake.StartRunAsync(ws);

        run.Log("loss", 1);
        await run.DisposeAsync();

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.NotNull(run.EndTime);
        var kinds = fake.Writes.Select(w => w.Kind).ToList();
        Assert.Equal("status:Completed", kinds[^1]);
        Assert.Single(fake.Metrics);
    }

    [Fact]
    public async Task Disposing_a_run_whose_writes_failed_marks_it_failed_and_throws()
    {
        var fake = new FakeBackend();
        fake.Tracking.LogBatchAsync(Arg.Any<string>(), Arg.Is<LogBatch>(b => b.Metrics.Count > 0), Arg.Any<CancellationToken>())
            .ThrowsAsync(new InvalidInputException("rejected"));
        await using var ws = fake.Workspace();
        var run = await fake.StartRunAsync(ws);

        run.Log("loss", 1);
        await Assert.ThrowsAsync<InvalidInputException>(async () => await run.DisposeAsync());

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Contains("rejected", run.Tags["azureml.error.message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logging_after_completion_is_an_invalid_state()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        var run = await fake.StartRunAsync(ws);
        await run.CompleteAsync();

        Assert.Throws<InvalidStateException>(() => run.Log("loss", 1));
        Assert.Throws<InvalidStateException>(() => run.Tag("t", "v"));
        await Assert.ThrowsAsync<InvalidStateException>(() => run.CompleteAsync());
        await Assert.ThrowsAsync<InvalidStateException>(() => run.FailAsync());
    }

    [Fact]
    public async Task Failing_a_run_records_the_error()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        var run = await fake.StartRunAsync(ws);

        await run.FailAsync(new InvalidOperationException("diverged"));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("diverged", run.Tags["azureml.error.message"]);
        Assert.Equal(typeof(InvalidOperationException).FullName, run.Tags["azureml.error.type"]);
    }

    [Fact]
    public async Task A_full_buffer_makes_Log_wait_for_the_flusher()
    {
        var fake = new FakeBackend();
        var gate = new TaskCompletionSource();
        fake.Tracking.LogBatchAsync(default!, default!, default).ReturnsForAnyArgs(async c =>
        {
            await gate.Task;
            fake.Writes.Enqueue(("batch", c.ArgAt<LogBatch>(1)));
        });
        await using var ws = fake.Workspace(buffer: new LogBufferOptions { MaxBatchSize = 2, Capacity = 4 });
        await using var run = await fake.StartRunAsync(ws);

        var producer = Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                run.Log("x", i);
            }
        });
        await Task.Delay(200);
        Assert.False(producer.IsCompleted, "Log should wait while the buffer is full");

        gate.SetResult();
        await producer.WaitAsync(TimeSpan.FromSeconds(10));
        await run.FlushAsync();
        Assert.Equal(50, fake.Metrics.Count);
    }

    [Fact]
    public async Task Tag_removal_is_applied_after_the_earlier_tag_write()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.Tag("stage", "dev");
        run.RemoveTags(["stage"]);
        await run.FlushAsync();

        var kinds = fake.Writes.Select(w => w.Batch is { Tags.Count: > 0 } ? "tags" : w.Kind).ToList();
        Assert.True(kinds.IndexOf("tags") < kinds.IndexOf("delete-tag:stage"), string.Join(",", kinds));
        Assert.False(run.Tags.ContainsKey("stage"));
    }

    [Fact]
    public async Task Rows_accumulate_into_one_table_artifact()
    {
        var fake = new FakeBackend();
        var uploads = new List<(string Path, byte[] Content)>();
        fake.Artifacts.UploadAsync(default!, default!, default!, default, default).ReturnsForAnyArgs(c =>
        {
            using var copy = new MemoryStream();
            c.ArgAt<Stream>(2).CopyTo(copy);
            lock (uploads)
            {
                uploads.Add((c.ArgAt<string>(1), copy.ToArray()));
            }
            return Task.CompletedTask;
        });
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        run.LogRow("epochs", new { epoch = 1, loss = 0.5 });
        run.LogRow("epochs", new Dictionary<string, object?> { ["epoch"] = 2, ["loss"] = 0.25, ["note"] = "best" });
        await run.FlushAsync();

        var last = uploads.Last(u => u.Path == "tables/epochs.json");
        var table = RunTable.Parse(last.Content);
        Assert.Equal(["epoch", "loss", "note"], table.Columns);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(0.25, table.Rows[1][1]);
        Assert.Null(table.Rows[0][2]);
        Assert.Equal("best", table.Rows[1][2]);
    }

    [Fact]
    public async Task A_table_with_columns_of_different_lengths_is_rejected()
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        var ex = Assert.Throws<InvalidInputException>(() => run.LogTable("t", new Dictionary<string, double[]> { ["a"] = [1, 2], ["b"] = [1] }));
        Assert.Contains("a: 2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad key!")]
    [InlineData("a/../b")]
    public async Task Bad_metric_names_are_rejected_naming_the_value(string name)
    {
        var fake = new FakeBackend();
        await using var ws = fake.Workspace();
        await using var run = await fake.StartRunAsync(ws);

        var ex = Assert.Throws<InvalidInputException>(() => run.Log(name, 1));
        if (name.Length > 0)
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Object_model_types_can_be_substituted_by_users()
    {
        var run = Substitute.For<Run>();
        run.Id.Returns("abc");
        run.Status.Returns(RunStatus.Running);
        var model = Substitute.For<Model>();
        model.Version.Returns(3);
        var workspace = Substitute.For<Workspace>();
        workspace.Name.Returns("ws");
        var experiment = Substitute.For<Experiment>();
        experiment.Name.Returns("e");

        run.Log("loss", 1);

        run.Received().Log("loss", 1);
        Assert.Equal("abc", run.Id);
        Assert.Equal(3, model.Version);
        Assert.Equal("ws", workspace.Name);
        Assert.Equal("e", experiment.Name);
    }

    [Fact]
    public void Order_by_splits_on_commas_outside_quotes()
    {
        Assert.Equal(["metrics.`a,b` DESC", "start_time"], Experiment.SplitOrderBy("metrics.`a,b` DESC, start_time"));
        Assert.Throws<InvalidInputException>(() => Experiment.SplitOrderBy("a,,b"));
    }

    [Fact]
    public void Invalid_buffer_options_are_rejected()
    {
        var fake = new FakeBackend();
        Assert.Throws<InvalidInputException>(() => fake.Workspace(buffer: new LogBufferOptions { MaxBatchSize = 5000 }));
        Assert.Throws<InvalidInputException>(() => fake.Workspace(buffer: new LogBufferOptions { FlushInterval = TimeSpan.Zero }));
        Assert.Throws<InvalidInputException>(() => fake.Workspace(buffer: new LogBufferOptions { Capacity = 10, MaxBatchSize = 100 }));
    }
}
