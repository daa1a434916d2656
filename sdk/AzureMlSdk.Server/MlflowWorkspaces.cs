using AzureMlSdk.Backends;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Registry;

namespace AzureMlSdk.Server;

/// <summary>
/// The workspaces the MLflow tracking and artifact routes serve (<see cref="Mlflow.MlflowEndpoints"/>,
/// <see cref="MlflowArtifactsEndpoints"/>): the Emulator's registry of ARM workspaces, or the one local workspace of a job agent.
/// </summary>
internal interface IMlflowWorkspaces
{
    /// <summary>The workspace with this ARM identity, or null when there is none.</summary>
    IMlflowWorkspace? Find(string subscriptionId, string resourceGroup, string name);

    /// <summary>The files (run artifacts, model files) of <paramref name="workspace"/>, or null when the host keeps none.</summary>
    IArtifactFiles? FilesOf(IMlflowWorkspace workspace);

    /// <summary>Why <see cref="FilesOf"/> gives nothing (the 503 message artifact routes answer with).</summary>
    string FilesUnavailableMessage { get; }

    /// <summary>Called for every metric-logging request with its count of points (the Emulator's counters).</summary>
    void MetricsLogged(int points)
    {
    }
}

/// <summary>One workspace as the MLflow routes see it.</summary>
internal interface IMlflowWorkspace
{
    /// <summary>Its subscription id.</summary>
    string SubscriptionId { get; }

    /// <summary>Its resource group.</summary>
    string ResourceGroup { get; }

    /// <summary>Its name.</summary>
    string Name { get; }

    /// <summary>The backend holding runs and experiments, reached only through the backend contract.</summary>
    IWorkspaceBackend Backend { get; }

    /// <summary>The registered models MLflow's model registry routes serve (ARM model containers and versions).</summary>
    ModelAssetStore Assets { get; }
}
