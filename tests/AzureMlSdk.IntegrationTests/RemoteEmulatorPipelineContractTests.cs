using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The pipeline contract cases on a Remote workspace served by the Emulator. The Remote backend does not submit pipelines yet, so here
/// the suite shows the difference: a pipeline is refused with a typed error before anything is sent, and submit-time graph checks still
/// name a cycle or a missing step.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorPipelineContractTests(EmulatorFixture emulator) : PipelineContractTests
{
    protected override bool RunsPipelines => false;

    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
