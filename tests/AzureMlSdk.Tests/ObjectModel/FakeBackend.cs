using System.Collections.Concurrent;
using AzureMlSdk.Backends;
using NSubstitute;

namespace AzureMlSdk.Tests.ObjectModel;

/// <summary>An NSubstitute backend whose tracking store records every write, in order.</summary>
internal sealed class FakeBackend
{
    public FakeBackend()
    {
        Backend = Substitute.For<IWorkspaceBackend>();
        Tracking = Substitute.For<ITrackingStore>();
        Artifacts = Substitute.For<IArtifactStore>();
        Models = Substitute.For<IModelRegistry>();
        Backend.Tracking.Returns(Tracking);
        Backend.Artifacts.Returns(Artifacts);
        Backend.Models.Returns(Models);
        Backend.Info.Returns(new WorkspaceInfo("fake", WorkspaceInfo.LocalSubscriptionId, "rg", WorkspaceKind.Local));

        Tracking.CreateExperimentAsync(default!, default, default).ReturnsForAnyArgs(c =>
            new ExperimentData("1", c.ArgAt<string>(0), new Dictionary<string, string>(), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        Tracking.CreateRunAsync(default!, default).ReturnsForAnyArgs(c => NewRunData(c.Arg<NewRun>()));
        Tracking.LogBatchAsync(default!, default!, default).ReturnsForAnyArgs(c =>
        {
            Writes.Enqueue(("batch", c.ArgAt<LogBatch>(1)));
            return Task.CompletedTask;
        });
        Tracking.DeleteTagAsync(default!, default!, default).ReturnsForAnyArgs(c =>
        {
            Writes.Enqueue(("delete-tag:" + c.ArgAt<string>(1), null));
            return Task.CompletedTask;
        });
        Tracking.UpdateRunAsync(default!, default!, default).ReturnsForAnyArgs(c =>
        {
            var update = c.ArgAt<RunUpdate>(1);
            Writes.Enqueue(("status:" + update.Status, null));
            // Like a real store: the returned run carries every tag written so far.
            var tags = Writes.Where(w => w.Batch is not null).SelectMany(w => w.Batch!.Tags).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value);
            return Task.FromResult(LastRun! with { Status = update.Status ?? LastRun.Status, EndTime = update.EndTime, Tags = tags });
        });
    }

    public IWorkspaceBackend Backend { get; }
    public ITrackingStore Tracking { get; }
    public IArtifactStore Artifacts { get; }
    public IModelRegistry Models { get; }
    public ConcurrentQueue<(string Kind, LogBatch? Batch)> Writes { get; } = new();
    public RunData? LastRun { get; private set; }

    public IReadOnlyList<MetricPoint> Metrics => Writes.Where(w => w.Batch is not null).SelectMany(w => w.Batch!.Metrics).ToList();

    public Workspace Workspace(TimeProvider? time = null, LogBufferOptions? buffer = null) =>
        AzureMlSdk.Workspace.FromBackend(Backend, time, buffer);

    public async Task<Run> StartRunAsync(Workspace workspace)
    {
        var experiment = await workspace.GetOrCreateExperimentAsync("exp");
        return await experiment.StartLoggingAsync("r");
    }

    private RunData NewRunData(NewRun run)
    {
        LastRun = new RunData(Guid.NewGuid().ToString("N"), run.ExperimentId, run.DisplayName ?? "generated", run.Status, run.StartTime, null, run.ParentRunId,
            new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, MetricPoint>());
        return LastRun;
    }

    /// <summary>Waits for a condition the background flusher makes true; fails after 10 s instead of hanging.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("Timed out waiting for: " + what);
            }
            await Task.Delay(10);
        }
    }
}
