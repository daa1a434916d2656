using AzureMlSdk.Backends.Local;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Tests.Backends.Local;

/// <summary>Several independent backends (as separate processes would) on one workspace folder.</summary>
public sealed class LocalWorkspaceConcurrencyTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset T0 = LocalWorkspaceFixture.Epoch;

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _ws.DisposeAsync();

    [Fact]
    public async Task Concurrent_creation_of_one_experiment_name_has_exactly_one_winner()
    {
        var backends = Enumerable.Range(0, 6).Select(_ => _ws.OpenAnother()).ToList();
        using var start = new ManualResetEventSlim();
        var attempts = backends.Select(b => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                return (Created: await b.Tracking.CreateExperimentAsync("shared", null, None), Error: (Exception?)null);
            }
            catch (Exception ex)
            {
                return (Created: (ExperimentData?)null, Error: ex);
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        Assert.Single(results, r => r.Created is not null);
        Assert.All(results.Where(r => r.Created is null), r => Assert.IsType<ResourceExistsException>(r.Error));
        Assert.DoesNotContain(results, r => r.Error is SqliteException);
        Assert.Single((await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(), None)).Items);
    }

    [Fact]
    public async Task Metric_batches_from_four_writers_on_separate_backends_all_arrive()
    {
        const int Writers = 4;
        const int Batches = 25;
        const int PointsPerBatch = 200;
        var exp = await _ws.ExperimentAsync();
        var run = await _ws.RunAsync(exp.ExperimentId);
        var backends = Enumerable.Range(0, Writers).Select(_ => _ws.OpenAnother()).ToList();

        var writers = backends.Select((backend, w) => Task.Run(async () =>
        {
            for (var b = 0; b < Batches; b++)
            {
                var points = Enumerable.Range(0, PointsPerBatch)
                    .Select(i => new MetricPoint($"w{w}", i, (b * PointsPerBatch) + i, T0))
                    .ToList();
                await backend.Tracking.LogBatchAsync(run.RunId, new LogBatch(points, [new($"p{w}-{b}", "v")], [new("last-writer", $"{w}")]), None);
                // Readers run alongside the writers and must never see "database is locked".
                _ = await backend.Tracking.GetRunAsync(run.RunId, None);
            }
        })).ToList();
        await Task.WhenAll(writers);

        var stored = await _ws.Tracking.GetRunAsync(run.RunId, None);
        Assert.Equal(Writers * Batches, stored.Params.Count);
        for (var w = 0; w < Writers; w++)
        {
            var history = await _ws.Tracking.GetMetricHistoryAsync(run.RunId, $"w{w}", None);
            Assert.Equal(Batches * PointsPerBatch, history.Count);
            Assert.Equal((Batches * PointsPerBatch) - 1, stored.LatestMetrics[$"w{w}"].Step);
        }
    }

    [Fact]
    public async Task Concurrent_runs_and_artifacts_from_several_backends_do_not_interfere()
    {
        var exp = await _ws.ExperimentAsync();
        var backends = Enumerable.Range(0, 4).Select(_ => _ws.OpenAnother()).ToList();
        var work = backends.Select((backend, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                var run = await backend.Tracking.CreateRunAsync(new NewRun(exp.ExperimentId, $"w{w}-{i}", T0), None);
                await backend.Artifacts.UploadAsync(run.RunId, "out/a.txt", new MemoryStream([1, 2, 3]), null, None);
                await backend.Tracking.UpdateRunAsync(run.RunId, new RunUpdate(RunStatus.Completed, T0), None);
            }
        })).ToList();
        await Task.WhenAll(work);

        var runs = (await _ws.Tracking.SearchRunsAsync(new RunQuery([exp.ExperimentId], "attributes.status = 'Completed'"), None)).Items;
        Assert.Equal(40, runs.Count);
        foreach (var run in runs)
        {
            Assert.Equal([new ArtifactItem("out/a.txt", 3)], await _ws.Artifacts.ListAsync(run.RunId, null, None));
        }
    }

    [Fact]
    public async Task Opening_one_new_folder_from_many_backends_at_once_applies_the_schema_once()
    {
        var folder = Path.Combine(Path.GetTempPath(), "azureml-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => new LocalWorkspaceBackend(folder))));
            var exp = await opened[0].Tracking.CreateExperimentAsync("e", null, None);
            Assert.All(opened, b => Assert.Equal("e", b.Tracking.GetExperimentAsync(exp.ExperimentId, None).Result.Name));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
