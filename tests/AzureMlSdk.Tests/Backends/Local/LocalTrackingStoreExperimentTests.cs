using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalTrackingStoreExperimentTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private static readonly CancellationToken None = CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _ws.DisposeAsync();

    [Fact]
    public async Task Created_experiment_gets_a_decimal_id_tags_times_and_the_artifacts_folder_uri()
    {
        var created = await _ws.Tracking.CreateExperimentAsync("iris", new Dictionary<string, string> { ["team"] = "vision" }, None);

        Assert.True(long.TryParse(created.ExperimentId, out _));
        Assert.Equal("iris", created.Name);
        Assert.Equal("vision", created.Tags["team"]);
        Assert.False(created.IsDeleted);
        Assert.Equal(LocalWorkspaceFixture.Epoch, created.CreationTime);
        Assert.Equal(LocalWorkspaceFixture.Epoch, created.LastUpdateTime);
        Assert.Equal(new Uri(Path.Combine(_ws.Directory, "artifacts")).AbsoluteUri, created.ArtifactLocation);
        Assert.Equal(created, await _ws.Tracking.GetExperimentAsync(created.ExperimentId, None), ExperimentComparer);
        Assert.Equal(created, await _ws.Tracking.GetExperimentByNameAsync("iris", None), ExperimentComparer);
    }

    [Fact]
    public async Task No_default_experiment_exists_in_a_new_workspace()
    {
        var page = await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(ViewType: ViewType.All), None);
        Assert.Empty(page.Items);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Tracking.GetExperimentAsync("0", None));
    }

    [Fact]
    public async Task The_default_experiment_a_server_asks_for_is_id_0_listed_first_and_created_once()
    {
        var store = (LocalTrackingStore)_ws.Tracking;
        Assert.True(store.EnsureDefaultExperiment());
        Assert.True(store.EnsureDefaultExperiment());
        var first = await _ws.ExperimentAsync("first");
        Assert.Equal("1", first.ExperimentId); // AUTOINCREMENT still starts at 1

        var byId = await _ws.Tracking.GetExperimentAsync("0", None);
        Assert.Equal("Default", byId.Name);
        var page = await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(MaxResults: 1), None);
        Assert.Equal("0", Assert.Single(page.Items).ExperimentId);
        var next = await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(MaxResults: 1, PageToken: page.NextPageToken), None);
        Assert.Equal("1", Assert.Single(next.Items).ExperimentId);
    }

    [Fact]
    public async Task No_default_experiment_is_made_when_its_name_is_taken()
    {
        await _ws.ExperimentAsync("Default");
        Assert.False(((LocalTrackingStore)_ws.Tracking).EnsureDefaultExperiment());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Tracking.GetExperimentAsync("0", None));
    }

    [Fact]
    public async Task Deleting_an_experiment_tag_removes_it_and_a_missing_one_is_not_found()
    {
        var store = (LocalTrackingStore)_ws.Tracking;
        var experiment = await _ws.Tracking.CreateExperimentAsync("tagged", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, None);
        await store.DeleteExperimentTagAsync(experiment.ExperimentId, "a", None);
        Assert.Equal(["b"], (await _ws.Tracking.GetExperimentAsync(experiment.ExperimentId, None)).Tags.Keys);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => store.DeleteExperimentTagAsync(experiment.ExperimentId, "a", None));
        await _ws.Tracking.DeleteExperimentAsync(experiment.ExperimentId, None);
        await Assert.ThrowsAsync<InvalidStateException>(() => store.DeleteExperimentTagAsync(experiment.ExperimentId, "b", None));
    }

    [Fact]
    public async Task Experiment_ids_increase_and_are_distinct()
    {
        var a = await _ws.ExperimentAsync("a");
        var b = await _ws.ExperimentAsync("b");
        Assert.True(long.Parse(b.ExperimentId) > long.Parse(a.ExperimentId));
    }

    [Fact]
    public async Task Creating_an_experiment_with_a_taken_name_is_rejected()
    {
        await _ws.ExperimentAsync("iris");
        var ex = await Assert.ThrowsAsync<ResourceExistsException>(() => _ws.ExperimentAsync("iris"));
        Assert.Contains("iris", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Name_of_a_deleted_experiment_stays_taken()
    {
        var exp = await _ws.ExperimentAsync("iris");
        await _ws.Tracking.DeleteExperimentAsync(exp.ExperimentId, None);
        var ex = await Assert.ThrowsAsync<ResourceExistsException>(() => _ws.ExperimentAsync("iris"));
        Assert.Contains("deleted", ex.Message, StringComparison.Ordinal);
        Assert.True((await _ws.Tracking.GetExperimentByNameAsync("iris", None))!.IsDeleted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("-dash")]
    public async Task Invalid_experiment_names_are_rejected_and_nothing_is_created(string name)
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => _ws.ExperimentAsync(name));
        Assert.Empty((await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(ViewType: ViewType.All), None)).Items);
    }

    [Fact]
    public async Task Experiment_with_an_invalid_tag_key_is_rejected_and_not_created()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() =>
            _ws.Tracking.CreateExperimentAsync("iris", new Dictionary<string, string> { ["../x"] = "v" }, None));
        Assert.Null(await _ws.Tracking.GetExperimentByNameAsync("iris", None));
    }

    [Theory]
    [InlineData("999")]
    [InlineData("abc")]
    public async Task Unknown_experiment_id_is_not_found_naming_the_id(string id)
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Tracking.GetExperimentAsync(id, None));
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_experiment_name_gives_null() =>
        Assert.Null(await _ws.Tracking.GetExperimentByNameAsync("nope", None));

    [Fact]
    public async Task Rename_changes_the_name_and_the_update_time()
    {
        var exp = await _ws.ExperimentAsync("old");
        _ws.Time.Advance(TimeSpan.FromMinutes(1));
        await _ws.Tracking.RenameExperimentAsync(exp.ExperimentId, "new", None);

        var renamed = await _ws.Tracking.GetExperimentAsync(exp.ExperimentId, None);
        Assert.Equal("new", renamed.Name);
        Assert.Equal(LocalWorkspaceFixture.Epoch.AddMinutes(1), renamed.LastUpdateTime);
        Assert.Null(await _ws.Tracking.GetExperimentByNameAsync("old", None));
    }

    [Fact]
    public async Task Rename_to_a_taken_name_is_rejected()
    {
        var exp = await _ws.ExperimentAsync("a");
        await _ws.ExperimentAsync("b");
        await Assert.ThrowsAsync<ResourceExistsException>(() => _ws.Tracking.RenameExperimentAsync(exp.ExperimentId, "b", None));
        Assert.Equal("a", (await _ws.Tracking.GetExperimentAsync(exp.ExperimentId, None)).Name);
    }

    [Fact]
    public async Task Deleted_experiment_cannot_be_renamed_or_tagged()
    {
        var exp = await _ws.ExperimentAsync("a");
        await _ws.Tracking.DeleteExperimentAsync(exp.ExperimentId, None);
        await Assert.ThrowsAsync<InvalidStateException>(() => _ws.Tracking.RenameExperimentAsync(exp.ExperimentId, "b", None));
        await Assert.ThrowsAsync<InvalidStateException>(() => _ws.Tracking.SetExperimentTagAsync(exp.ExperimentId, "k", "v", None));
    }

    [Fact]
    public async Task Experiment_tag_last_write_wins()
    {
        var exp = await _ws.ExperimentAsync();
        await _ws.Tracking.SetExperimentTagAsync(exp.ExperimentId, "k", "1", None);
        await _ws.Tracking.SetExperimentTagAsync(exp.ExperimentId, "k", "2", None);
        Assert.Equal("2", (await _ws.Tracking.GetExperimentAsync(exp.ExperimentId, None)).Tags["k"]);
    }

    [Fact]
    public async Task Delete_and_restore_switch_the_lifecycle_and_the_listing_views()
    {
        var a = await _ws.ExperimentAsync("a");
        var b = await _ws.ExperimentAsync("b");
        await _ws.Tracking.DeleteExperimentAsync(a.ExperimentId, None);

        Assert.Equal(["b"], await Names(ViewType.ActiveOnly));
        Assert.Equal(["a"], await Names(ViewType.DeletedOnly));
        Assert.Equal(["a", "b"], await Names(ViewType.All));

        await _ws.Tracking.RestoreExperimentAsync(a.ExperimentId, None);
        Assert.Equal(["a", "b"], await Names(ViewType.ActiveOnly));
        Assert.False((await _ws.Tracking.GetExperimentAsync(b.ExperimentId, None)).IsDeleted);
    }

    [Fact]
    public async Task Deleting_a_deleted_experiment_finds_no_active_experiment_and_restoring_an_active_one_is_rejected()
    {
        var exp = await _ws.ExperimentAsync();
        await Assert.ThrowsAsync<InvalidStateException>(() => _ws.Tracking.RestoreExperimentAsync(exp.ExperimentId, None));
        await _ws.Tracking.DeleteExperimentAsync(exp.ExperimentId, None);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Tracking.DeleteExperimentAsync(exp.ExperimentId, None));
    }

    [Fact]
    public async Task Experiment_search_pages_by_id_with_an_opaque_token()
    {
        for (var i = 0; i < 7; i++)
        {
            await _ws.ExperimentAsync($"e{i}");
        }
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(3, token), None);
            names.AddRange(page.Items.Select(e => e.Name));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"e{i}"), names);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50001)]
    public async Task Experiment_search_page_size_out_of_range_is_rejected(int max) =>
        await Assert.ThrowsAsync<InvalidInputException>(() => _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(max), None));

    [Fact]
    public async Task Experiment_search_with_a_forged_token_is_rejected() =>
        await Assert.ThrowsAsync<InvalidInputException>(() => _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(PageToken: "not-a-token"), None));

    private async Task<List<string>> Names(ViewType view) =>
        [.. (await _ws.Tracking.SearchExperimentsAsync(new ExperimentQuery(ViewType: view), None)).Items.Select(e => e.Name)];

    private static readonly IEqualityComparer<ExperimentData?> ExperimentComparer = EqualityComparer<ExperimentData?>.Create((x, y) =>
        x is not null && y is not null && x.ExperimentId == y.ExperimentId && x.Name == y.Name && x.IsDeleted == y.IsDeleted
        && x.CreationTime == y.CreationTime && x.LastUpdateTime == y.LastUpdateTime && x.ArtifactLocation == y.ArtifactLocation
        && x.Tags.Count == y.Tags.Count && x.Tags.All(t => y.Tags.TryGetValue(t.Key, out var v) && v == t.Value));
}
