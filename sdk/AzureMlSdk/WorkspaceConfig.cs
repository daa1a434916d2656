using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk;

/// <summary>
/// The Python SDK's <c>config.json</c>: <c>subscription_id</c>, <c>resource_group</c>, <c>workspace_name</c>,
/// plus optional overrides this SDK adds: <c>local_dir</c> (open a local workspace),
/// <c>resource_manager_endpoint</c>, <c>mlflow_tracking_uri</c> and <c>blob_service_uri</c> (e.g. the Emulator and Azurite).
/// </summary>
internal sealed class WorkspaceConfig
{
    [JsonPropertyName("subscription_id")]
    public string? SubscriptionId { get; set; }

    [JsonPropertyName("resource_group")]
    public string? ResourceGroup { get; set; }

    [JsonPropertyName("workspace_name")]
    public string? WorkspaceName { get; set; }

    [JsonPropertyName("local_dir")]
    public string? LocalDirectory { get; set; }

    [JsonPropertyName("resource_manager_endpoint")]
    public string? ResourceManagerEndpoint { get; set; }

    [JsonPropertyName("mlflow_tracking_uri")]
    public string? MlflowTrackingUri { get; set; }

    [JsonPropertyName("blob_service_uri")]
    public string? BlobServiceUri { get; set; }

    /// <summary>Applies the file's endpoint overrides to <paramref name="options"/>; a value that is not an absolute URI throws naming its key.</summary>
    public void ApplyEndpoints(WorkspaceOptions options, string file)
    {
        if (ResourceManagerEndpoint is { } arm)
        {
            options.ResourceManagerEndpoint = ParseUri(arm, "resource_manager_endpoint", file);
        }
        if (MlflowTrackingUri is { } mlflow)
        {
            options.MlflowTrackingUri = ParseUri(mlflow, "mlflow_tracking_uri", file);
        }
        if (BlobServiceUri is { } blob)
        {
            options.BlobServiceUri = ParseUri(blob, "blob_service_uri", file);
        }
    }

    private static Uri ParseUri(string value, string key, string file) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri
            : throw new InvalidInputException($"Config file '{file}': '{key}' is not an absolute URI ('{value}').", key);

    /// <summary>Finds the config file like the Python SDK: in each folder from <paramref name="start"/> up to the root,
    /// <c>.azureml/config.json</c>, <c>aml_config/config.json</c>, then <c>config.json</c>.</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".azureml", "config.json"), Path.Combine(dir.FullName, "aml_config", "config.json"), Path.Combine(dir.FullName, "config.json") })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    public static async Task<(WorkspaceConfig Config, string Path)> LoadAsync(string? path, CancellationToken cancellationToken)
    {
        string? file;
        if (path is null)
        {
            file = Find(Environment.CurrentDirectory)
                ?? throw new ResourceNotFoundException($"No config.json found in '{Environment.CurrentDirectory}' or its parents (looked for .azureml/config.json, aml_config/config.json and config.json). Write one with Workspace.WriteConfigAsync or pass its path.");
        }
        else if (Directory.Exists(path))
        {
            file = Find(path) ?? throw new ResourceNotFoundException($"No config.json found in '{path}' or its parents.");
        }
        else if (File.Exists(path))
        {
            file = path;
        }
        else
        {
            throw new ResourceNotFoundException($"Config file '{path}' does not exist.");
        }

        WorkspaceConfig? config;
        try
        {
            await using var stream = File.OpenRead(file);
            config = await JsonSerializer.DeserializeAsync(stream, WorkspaceConfigJsonContext.Default.WorkspaceConfig, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"Config file '{file}' is not valid JSON: {ex.Message}", "config", innerException: ex);
        }
        if (config is null)
        {
            throw new InvalidInputException($"Config file '{file}' is empty.", "config");
        }
        if (config.LocalDirectory is { } local && !Path.IsPathRooted(local))
        {
            // A relative local_dir is relative to the config file, so the file works from any current folder.
            config.LocalDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, local));
        }
        return (config, file);
    }
}

[JsonSerializable(typeof(WorkspaceConfig))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class WorkspaceConfigJsonContext : JsonSerializerContext;
