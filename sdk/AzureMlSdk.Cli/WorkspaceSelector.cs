using System.Text.Json;
using Azure.Core;

namespace AzureMlSdk.Cli;

/// <summary>
/// Which workspace a command runs on, as <c>az ml</c> users expect, in this order:
/// <c>--workspace-dir</c> (local); <c>-w/-g/--subscription</c> (Azure ML through ARM; <c>config.json</c>'s subscription and endpoint
/// overrides fill in); <c>--config</c>; <c>$AZUREML_LOCAL_DIR</c> (local); a <c>config.json</c> found upward (as the Python SDK searches);
/// else the local workspace in <c>./.azureml/local</c> — the order <c>Run.GetContext()</c> follows.
/// Credentials: <c>DefaultAzureCredential</c>; when the workspace's Resource Manager endpoint is overridden (the Emulator) and
/// <c>$AZUREML_EMULATOR_TOKEN</c> is set, that token.
/// </summary>
internal static class WorkspaceSelector
{
    /// <summary>The Emulator's token variable (the Emulator reads the same one).</summary>
    public const string EmulatorTokenVariable = "AZUREML_EMULATOR_TOKEN";

    public const string HowToPick =
        "Pick a workspace with --workspace-dir DIR (local), --config PATH (a config.json), or -w NAME -g GROUP --subscription ID; "
        + "by default azml uses $AZUREML_LOCAL_DIR, a config.json found upward, else ./.azureml/local.";

    public static async Task<Workspace> OpenAsync(WorkspaceArguments args, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(args.WorkspaceDir))
        {
            if (args.WorkspaceName is not null || args.ResourceGroup is not null || args.Config is not null)
            {
                throw new UsageException("--workspace-dir names a local workspace: do not combine it with --config or -w/-g. " + HowToPick);
            }
            return Workspace.Local(args.WorkspaceDir);
        }
        if (args.WorkspaceName is not null || args.ResourceGroup is not null || args.Subscription is not null)
        {
            return await OpenArmAsync(args, cancellationToken).ConfigureAwait(false);
        }
        if (args.Config is not null)
        {
            var file = ConfigFile.Resolve(args.Config);
            return await Workspace.FromConfigAsync(file, CredentialFor(ConfigFile.Read(file)), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable)))
        {
            return Workspace.Local();
        }
        if (ConfigFile.Find(Environment.CurrentDirectory) is { } found)
        {
            return await Workspace.FromConfigAsync(found, CredentialFor(ConfigFile.Read(found)), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        return Workspace.Local();
    }

    private static async Task<Workspace> OpenArmAsync(WorkspaceArguments args, CancellationToken cancellationToken)
    {
        var configPath = args.Config is not null ? ConfigFile.Resolve(args.Config) : ConfigFile.Find(Environment.CurrentDirectory);
        var config = configPath is null ? new ConfigValues() : ConfigFile.Read(configPath);
        var name = args.WorkspaceName ?? config.WorkspaceName;
        var group = args.ResourceGroup ?? config.ResourceGroup;
        var subscription = args.Subscription ?? config.SubscriptionId ?? Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID");
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            missing.Add("--workspace-name/-w");
        }
        if (string.IsNullOrWhiteSpace(group))
        {
            missing.Add("--resource-group/-g");
        }
        if (string.IsNullOrWhiteSpace(subscription))
        {
            missing.Add("--subscription (or $AZURE_SUBSCRIPTION_ID)");
        }
        if (missing.Count > 0)
        {
            throw new UsageException($"An Azure ML workspace needs {string.Join(", ", missing)}. {HowToPick}");
        }
        var options = new WorkspaceOptions();
        if (config.ResourceManagerEndpoint is { } arm)
        {
            options.ResourceManagerEndpoint = ParseUri(arm, "resource_manager_endpoint", configPath!);
        }
        if (config.BlobServiceUri is { } blob && string.Equals(name, config.WorkspaceName, StringComparison.Ordinal))
        {
            options.BlobServiceUri = ParseUri(blob, "blob_service_uri", configPath!);
        }
        return await Workspace.GetAsync(subscription!, group!, name!, CredentialFor(config), options, cancellationToken).ConfigureAwait(false);
    }

    private static Uri ParseUri(string value, string key, string file) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri
            : throw new InvalidInputException($"Config file '{file}': '{key}' is not an absolute URI ('{value}').", key);

    /// <summary>The Emulator's static token when the config points ARM elsewhere and the token is set; else null (DefaultAzureCredential).</summary>
    private static TokenCredential? CredentialFor(ConfigValues config)
    {
        var token = Environment.GetEnvironmentVariable(EmulatorTokenVariable);
        if (string.IsNullOrWhiteSpace(token) || config.ResourceManagerEndpoint is null)
        {
            return null;
        }
        return DelegatedTokenCredential.Create((_, _) => new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1)));
    }
}

/// <summary>The workspace-selection flags of one command line.</summary>
internal sealed record WorkspaceArguments(string? WorkspaceDir, string? Config, string? WorkspaceName, string? ResourceGroup, string? Subscription);

/// <summary>The keys of a <c>config.json</c> the selector needs before the SDK opens it.</summary>
internal sealed record ConfigValues(string? SubscriptionId = null, string? ResourceGroup = null, string? WorkspaceName = null, string? ResourceManagerEndpoint = null, string? BlobServiceUri = null);

/// <summary>Finds and reads <c>config.json</c> as the SDK does (<c>.azureml/config.json</c>, <c>aml_config/config.json</c>, <c>config.json</c>, upward).</summary>
internal static class ConfigFile
{
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

    public static string Resolve(string path)
    {
        if (File.Exists(path))
        {
            return Path.GetFullPath(path);
        }
        if (Directory.Exists(path))
        {
            return Find(path) ?? throw new ResourceNotFoundException($"No config.json found in '{path}' or its parents. {WorkspaceSelector.HowToPick}");
        }
        throw new ResourceNotFoundException($"Config file '{path}' does not exist. {WorkspaceSelector.HowToPick}");
    }

    public static ConfigValues Read(string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            string? Get(string key) => doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new ConfigValues(Get("subscription_id"), Get("resource_group"), Get("workspace_name"), Get("resource_manager_endpoint"), Get("blob_service_uri"));
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"Config file '{file}' is not valid JSON: {ex.Message}", "config", innerException: ex);
        }
    }
}
