using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The contract suite, unchanged, on a Remote workspace (ARM + MLflow + Azure Blob) served by the Emulator over Azurite.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorContractTests(EmulatorFixture emulator) : WorkspaceContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
