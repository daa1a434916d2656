using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Jobs;
using AzureMlSdk.Tests.Backends.Local;

namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>The jobs table on its own: first in first out per compute, slots, cancel, orphans (a fake clock, no processes).</summary>
public sealed class LocalJobStoreTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private LocalJobStore Store => _ws.Backend.Jobs.Store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ws.DisposeAsync();

    private void Add(string name, string compute = "local", string? parent = null, JobType type = JobType.Command) =>
        Assert.True(Store.Insert(new LocalJobRow
        {
            Seq = 0,
            Name = name,
            Type = type,
            Status = JobStatus.NotStarted,
            DefinitionJson = "{}",
            ExperimentName = "e",
            ParentName = parent,
            Compute = compute,
            Tags = new Dictionary<string, string>(),
            Properties = new Dictionary<string, string>(),
            OutputUris = new Dictionary<string, string>(),
            CreatedAt = _ws.Time.GetUtcNow(),
        }));

    private static int? Slots(string compute) => compute switch { "local" => 8, "pool" => 2, _ => null };

    [Fact]
    public void Claims_are_first_in_first_out_per_compute_and_never_exceed_the_slots()
    {
        foreach (var name in new[] { "p1", "p2", "p3", "l1", "p4" })
        {
            Add(name, name.StartsWith('p') ? "pool" : "local");
        }

        var first = Store.Claim("s1", Slots, _ => true);
        Assert.Equal(["p1", "p2", "l1"], first.Select(j => j.Name));
        Assert.Equal(JobStatus.Queued, Store.Find("p3")!.Status);
        Assert.Empty(Store.Claim("s2", Slots, _ => true)); // another supervisor sees the same slots taken

        Store.Finish("p1", JobStatus.Completed, null);
        Assert.Equal(["p3"], Store.Claim("s2", Slots, _ => true).Select(j => j.Name));
        Assert.Equal(2, Store.RunningOn("pool"));
    }

    [Fact]
    public void Orchestrators_take_no_slot_and_a_vanished_compute_fails_its_jobs()
    {
        Add("sweep", "pool", type: JobType.Sweep);
        Add("t1", "pool", parent: "sweep");
        Add("t2", "pool", parent: "sweep");
        Add("lost", "deleted-cluster");

        var claimed = Store.Claim("s", Slots, type => type == JobType.Command);

        Assert.Equal(["sweep", "t1", "t2"], claimed.Select(j => j.Name));
        Assert.Equal(JobStatus.Failed, Store.Find("lost")!.Status);
        Assert.Equal("ComputeNotFound", Store.Find("lost")!.Error!.Code);
    }

    [Fact]
    public void Cancel_ends_waiting_jobs_at_once_and_flags_held_ones_with_their_children()
    {
        Add("parent", "pool", type: JobType.Sweep);
        Add("child-held", "pool", parent: "parent");
        Store.Claim("s", Slots, type => type == JobType.Command);
        Add("child-waiting", "pool", parent: "parent");

        var held = Store.RequestCancel("parent");

        Assert.Equal(["parent", "child-held"], held);
        Assert.Equal(JobStatus.CancelRequested, Store.Find("parent")!.Status);
        Assert.Equal(JobStatus.Canceled, Store.Find("child-waiting")!.Status);
        Assert.Equal(["child-held", "parent"], Store.CancelRequestedOf("s").Order(StringComparer.Ordinal));
        Store.Finish("parent", JobStatus.Canceled, null);
        Assert.Empty(Store.RequestCancel("parent")); // terminal: left as it is
        Assert.Equal(JobStatus.Canceled, Store.Find("parent")!.Status);
    }

    [Fact]
    public void A_supervisor_that_stops_heart_beating_loses_its_jobs()
    {
        Add("j");
        var supervisor = $"{AzureMlSdk.Backends.Local.LocalTrackingStore.CurrentOwner}#x";
        Store.Claim(supervisor, Slots, _ => true);

        _ws.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(Store.FailOrphans());
        Store.Heartbeat(supervisor);
        _ws.Time.Advance(Store.StaleAfter + TimeSpan.FromSeconds(1));

        Assert.Equal(["j"], Store.FailOrphans());
        var job = Store.Find("j")!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("SupervisorLost", job.Error!.Code);
    }

    [Fact]
    public void Listing_pages_newest_first_and_filters_by_parent_and_archive()
    {
        for (var i = 0; i < 5; i++)
        {
            Add($"top{i}");
        }
        Add("kid", parent: "top0");
        Store.SetArchived("top4", true);

        var page1 = Store.List(new JobQuery(MaxResults: 2));
        var page2 = Store.List(new JobQuery(MaxResults: 2, PageToken: page1.NextPageToken));
        Assert.Equal(["top3", "top2"], page1.Items.Select(j => j.Name));
        Assert.Equal(["top1", "top0"], page2.Items.Select(j => j.Name));
        Assert.Null(page2.NextPageToken);
        Assert.Equal(["kid"], Store.List(new JobQuery("top0")).Items.Select(j => j.Name));
        Assert.Equal(5, Store.List(new JobQuery(IncludeArchived: true)).Items.Count);
        Assert.Throws<InvalidInputException>(() => Store.List(new JobQuery(PageToken: "x")));
    }
}
