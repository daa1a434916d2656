using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The sweep contract cases, unchanged, on a Remote workspace served by the Emulator: the ARM <c>SweepJob</c> body PUT through the jobs
/// route, run by the Emulator's in-process supervisor with the local engine's sweep executor, trials listed through run history's children.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorSweepContractTests(EmulatorFixture emulator) : SweepContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
