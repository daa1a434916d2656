namespace AzureMlSdk.ContractTests;

/// <summary>The contract suite on the embedded local workspace.</summary>
public sealed class LocalWorkspaceContractTests : WorkspaceContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
