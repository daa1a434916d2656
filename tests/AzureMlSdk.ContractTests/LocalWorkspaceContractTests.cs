namespace AzureMlSdk.ContractTests;

/// <summary>The contract suite on the embedded local workspace.</summary>
public sealed class LocalWorkspaceContractTests : WorkspaceContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}

/// <summary>The endpoint contract suite on the embedded local workspace.</summary>
public sealed class LocalEndpointContractTests : EndpointContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}

/// <summary>The batch endpoint contract suite on the embedded local workspace.</summary>
public sealed class LocalBatchEndpointContractTests : BatchEndpointContractTests
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));
}
