using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The contract suite, unchanged, through the SDK's public plain-MLflow entry (<see cref="Workspace.FromMlflowAsync(Uri, string?, WorkspaceOptions?, CancellationToken)"/>:
/// tracking, artifacts proxy, model registry) on a workspace the Emulator serves: what a plain MLflow server must do for the SDK, the Emulator does.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class MlflowEmulatorContractTests(EmulatorFixture emulator) : WorkspaceContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await Workspace.FromMlflowAsync(new Uri(emulator.TrackingUri(name) + "/"), emulator.Token);
    }
}
