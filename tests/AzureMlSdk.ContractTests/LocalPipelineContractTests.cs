namespace AzureMlSdk.ContractTests;

/// <summary>The pipelines contract suite on the embedded local workspace (an in-process supervisor runs the steps).</summary>
public sealed class LocalPipelineContractTests : PipelineContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
