namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the model registry (LocalModelRegistry).
    private const string RegistryDdl = "";
}
