using AzureMlSdk.Backends;

namespace AzureMlSdk.Tests.Backends;

/// <summary>
/// A backend written outside the SDK implements only what it supports: it compiles against the contract with a handful of
/// members, and every other member answers <see cref="AzureMlNotSupportedException"/> naming the operation and the backend.
/// </summary>
public sealed class ThirdPartyBackendTests
{
    /// <summary>Has experiments and nothing else.</summary>
    private sealed class ExperimentsOnlyStore : ITrackingStore
    {
        private readonly Dictionary<string, ExperimentData> _byId = [];

        public Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken)
        {
            var e = new ExperimentData((_byId.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), name, tags ?? new Dictionary<string, string>(), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
            _byId[e.ExperimentId] = e;
            return Task.FromResult(e);
        }

        public Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken) =>
            Task.FromResult(_byId.Values.FirstOrDefault(e => e.Name == name));
    }

    /// <summary>Says who it is and has a tracking store; no artifacts, models or endpoints.</summary>
    private sealed class TrackingOnlyBackend : IWorkspaceBackend
    {
        public WorkspaceInfo Info { get; } = new("third-party", WorkspaceInfo.LocalSubscriptionId, "rg", WorkspaceKind.Remote);

        public ITrackingStore Tracking { get; } = new ExperimentsOnlyStore();
    }

    [Fact]
    public async Task Implemented_members_work_through_the_object_model()
    {
        await using var ws = Workspace.FromBackend(new TrackingOnlyBackend());

        var first = await ws.GetOrCreateExperimentAsync("iris");
        var again = await ws.GetOrCreateExperimentAsync("iris");

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("third-party", ws.Name);
    }

    [Fact]
    public async Task A_member_the_store_does_not_implement_is_not_supported_naming_operation_and_store()
    {
        ITrackingStore store = new ExperimentsOnlyStore();

        var error = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => store.CreateRunAsync(new NewRun("1", "r", DateTimeOffset.UnixEpoch), CancellationToken.None));
        var later = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => store.SearchLoggedModelsAsync(new LoggedModelQuery(["1"]), CancellationToken.None));

        Assert.Contains(nameof(ITrackingStore.CreateRunAsync), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ExperimentsOnlyStore), error.Message, StringComparison.Ordinal);
        Assert.Equal(AzureMlErrorCodes.NotImplemented, error.ErrorCode);
        Assert.Equal(501, error.Status);
        Assert.Contains(nameof(ITrackingStore.SearchLoggedModelsAsync), later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_concern_the_backend_does_not_have_is_not_supported_naming_the_backend()
    {
        IWorkspaceBackend backend = new TrackingOnlyBackend();
        await using var ws = Workspace.FromBackend(backend);

        var models = await Assert.ThrowsAsync<AzureMlNotSupportedException>(async () =>
        {
            await foreach (var _ in ws.ListModelsAsync())
            {
            }
        });
        var endpoints = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => backend.Endpoints.ListEndpointsAsync(CancellationToken.None));
        var artifacts = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => backend.Artifacts.ListAsync("run", null, CancellationToken.None));

        Assert.Contains(nameof(TrackingOnlyBackend), models.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IModelRegistry.ListVersionsAsync), models.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IEndpointBackend.ListEndpointsAsync), endpoints.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TrackingOnlyBackend), artifacts.Message, StringComparison.Ordinal);
    }
}
