using AzureMlSdk.Backends;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Mlflow;
using AzureMlSdk.Server.Registry;

namespace AzureMlSdk.Server.Agent;

/// <summary>
/// The one local workspace a job agent serves MLflow for (at the root URL and at its <c>00000000-…/local/local</c> tracking path):
/// tracking over the workspace's tracking store; run artifacts over its artifact store (<see cref="RunArtifactFiles"/>), other
/// proxied files (MLflow 3 logged models) under <c>job-agent/mlflow-files/</c>. MLflow's model registry routes answer
/// <c>NOT_IMPLEMENTED</c>: the local workspace's models are registered with <c>ws.Models</c> (the Emulator and Azure ML serve
/// MLflow's registry).
/// </summary>
internal sealed class AgentMlflowWorkspaces(IWorkspaceBackend backend, string filesFolder) : IMlflowWorkspaces
{
    private readonly Workspace _workspace = new(backend);
    private readonly RunArtifactFiles _files = new(backend.Artifacts, filesFolder);

    public string FilesUnavailableMessage => "The local job agent keeps no files.";

    public IMlflowWorkspace? Find(string subscriptionId, string resourceGroup, string name) =>
        string.Equals(subscriptionId, backend.Info.SubscriptionId, StringComparison.OrdinalIgnoreCase)
        && string.Equals(resourceGroup, backend.Info.ResourceGroup, StringComparison.OrdinalIgnoreCase)
        && string.Equals(name, backend.Info.Name, StringComparison.OrdinalIgnoreCase)
            ? _workspace
            : null;

    public IArtifactFiles? FilesOf(IMlflowWorkspace workspace) => _files;

    private sealed class Workspace(IWorkspaceBackend backend) : IMlflowWorkspace
    {
        public string SubscriptionId => backend.Info.SubscriptionId;

        public string ResourceGroup => backend.Info.ResourceGroup;

        public string Name => backend.Info.Name;

        public IWorkspaceBackend Backend => backend;

        public ModelAssetStore Assets => throw new MlflowException("NOT_IMPLEMENTED",
            "The local job agent serves MLflow tracking and run artifacts, not MLflow's model registry: register the job's output model with the SDK (ws.Models) after the job, or use the Emulator or Azure ML, which serve the registry.");
    }
}
