using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The endpoint contract suite, unchanged, on a Remote workspace whose online endpoints the Emulator hosts (ARM LROs, real scoring hosts).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorEndpointContractTests(EmulatorFixture emulator) : EndpointContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}

/// <summary>The batch endpoint contract suite, unchanged, on a Remote workspace whose batch jobs the Emulator runs (ARM LROs, jobs, Azurite).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorBatchEndpointContractTests(EmulatorFixture emulator) : BatchEndpointContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
