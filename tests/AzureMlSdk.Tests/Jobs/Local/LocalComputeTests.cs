using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Tests.Backends.Local;

namespace AzureMlSdk.Tests.Jobs.Local;

public sealed class LocalComputeTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();

    private IComputeBackend Computes => ((AzureMlSdk.Backends.IWorkspaceBackend)_ws.Backend).Computes;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ws.DisposeAsync();

    [Fact]
    public async Task Local_always_exists_and_is_not_listed()
    {
        var local = await Computes.GetAsync("local", CancellationToken.None);
        Assert.Equal("local", local.Type);
        Assert.Equal(LocalComputeBackend.LocalSlots, local.MaxInstances);
        Assert.Equal(local.Id, (await Computes.GetAsync("azureml:local", CancellationToken.None)).Id);
        Assert.Empty(await Computes.ListAsync(CancellationToken.None));
        await Assert.ThrowsAsync<InvalidInputException>(() => Computes.DeleteAsync("local", CancellationToken.None));
    }

    [Fact]
    public async Task A_cluster_is_created_updated_listed_and_deleted()
    {
        var created = await Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "cpu-cluster", MaxInstances = 4, Tags = { ["team"] = "a" } }, CancellationToken.None);
        Assert.Equal(4, created.MaxInstances);
        Assert.EndsWith("/workspaces/local/computes/cpu-cluster", created.Id, StringComparison.Ordinal);
        Assert.Equal("a", created.Tags["team"]);

        var updated = await Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "cpu-cluster", MaxInstances = 2 }, CancellationToken.None);
        Assert.Equal(2, updated.MaxInstances);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
        Assert.Equal(2, _ws.Backend.Computes.SlotsOf("cpu-cluster"));

        Assert.Equal(["cpu-cluster"], (await Computes.ListAsync(CancellationToken.None)).Select(c => c.Name));
        await Computes.DeleteAsync("cpu-cluster", CancellationToken.None);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Computes.GetAsync("cpu-cluster", CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Computes.DeleteAsync("cpu-cluster", CancellationToken.None));
    }

    [Fact]
    public async Task Unknown_compute_error_names_it_and_what_exists()
    {
        await Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "gpu-cluster", MaxInstances = 1 }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Computes.GetAsync("cpu-clustr", CancellationToken.None));
        Assert.Contains("'cpu-clustr'", error.Message, StringComparison.Ordinal);
        Assert.Contains("local, gpu-cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_definitions_are_rejected()
    {
        await Assert.ThrowsAsync<JobDefinitionException>(() => Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "local" }, CancellationToken.None));
        await Assert.ThrowsAsync<JobDefinitionException>(() => Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "c1", MaxInstances = 0 }, CancellationToken.None));
    }
}
