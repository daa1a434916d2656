namespace AzureMlSdk.ContractTests;

/// <summary>The sweep contract cases on the embedded local workspace (an in-process supervisor runs the trials).</summary>
public sealed class LocalSweepContractTests : SweepContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
