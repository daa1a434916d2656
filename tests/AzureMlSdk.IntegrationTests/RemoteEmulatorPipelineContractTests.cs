using AzureMlSdk.ContractTests;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The pipeline contract cases, unchanged, on a Remote workspace served by the Emulator: the Remote backend creates each step's anonymous
/// component version (a sweep step's trial's too) and PUTs the <c>PipelineJob</c> body; the Emulator resolves the component ids and runs the pipeline with the local engine.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorPipelineContractTests(EmulatorFixture emulator) : PipelineContractTests
{
    protected override async Task<Workspace> CreateWorkspaceAsync(string scratchDirectory)
    {
        var name = await emulator.CreateWorkspaceAsync();
        return await emulator.OpenAsync(name);
    }
}
