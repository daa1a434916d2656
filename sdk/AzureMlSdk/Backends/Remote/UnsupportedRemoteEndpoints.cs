namespace AzureMlSdk.Backends.Remote;

/// <summary>
/// Endpoints on a plain MLflow tracking server (no ARM behind it): every call says they need an Azure ML workspace,
/// with a typed error. Azure ML workspaces use <see cref="Arm.RemoteEndpointBackend"/>.
/// </summary>
internal sealed class UnsupportedRemoteEndpoints(Uri trackingUri) : NotSupportedEndpoints(() =>
    new AzureMlNotSupportedException($"Endpoints are not supported on a plain MLflow tracking server ({trackingUri.Host}); open an Azure ML workspace (or the Emulator), or use Workspace.Local() to deploy and serve models locally."));
