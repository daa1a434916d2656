using AzureMlSdk.ContractTests.Assets;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The asset contract suite, unchanged, on a Remote workspace (ARM data/environments/components/codes + Azure Blob) served by the Emulator over Azurite.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorAssetContractTests(EmulatorFixture emulator) : AssetContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
