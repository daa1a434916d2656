namespace AzureMlSdk.ContractTests;

/// <summary>The jobs contract suite on the embedded local workspace (an in-process supervisor runs the jobs).</summary>
public sealed class LocalJobContractTests : JobContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
