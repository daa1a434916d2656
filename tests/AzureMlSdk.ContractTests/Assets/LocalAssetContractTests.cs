namespace AzureMlSdk.ContractTests.Assets;

/// <summary>The asset contract suite on the embedded local workspace.</summary>
public sealed class LocalAssetContractTests : AssetContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
