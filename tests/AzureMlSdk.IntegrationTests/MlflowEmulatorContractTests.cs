using System.Net.Http.Headers;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The contract suite, unchanged, through the SDK's plain-MLflow client (tracking, artifacts proxy, model registry) on a
/// workspace the Emulator serves: what a plain MLflow server must do for the SDK, the Emulator does.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class MlflowEmulatorContractTests(EmulatorFixture emulator) : WorkspaceContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        var backend = RemoteWorkspaceBackend.ConnectMlflow(new Uri(emulator.TrackingUri(name) + "/"), new AuthenticationHeaderValue("Bearer", emulator.Token), new WorkspaceOptions());
        return Workspace.FromBackend(backend);
    }
}
