using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The jobs part of the contract suite, unchanged, on a Remote workspace served by the Emulator: ARM jobs PUT/GET/list/cancel, run
/// history's log files, the Emulator's in-process supervisor running the jobs.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorJobContractTests(EmulatorFixture emulator) : JobContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
