using System.Globalization;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

public sealed partial class OnlineEndpointSpec
{
    /// <summary>
    /// Reads an az ml v2 online endpoint YAML file (<c>managedOnlineEndpoint</c> schema, what <c>az ml online-endpoint create -f</c> takes):
    /// <c>name</c>, <c>auth_mode</c> (<c>key</c>, <c>aml_token</c>, <c>aad_token</c>), <c>description</c>, <c>tags</c>, <c>traffic</c>.
    /// Errors are a <see cref="JobDefinitionException"/> naming the file, line, column and key.
    /// </summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key=value</c> overrides (e.g. <c>name=my-endpoint</c>), applied before reading.</param>
    public static OnlineEndpointSpec Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        return EndpointYaml.ReadOnlineEndpoint(context, root, set);
    }

    /// <summary>Reads online endpoint YAML from text; errors name <paramref name="displayName"/>.</summary>
    public static OnlineEndpointSpec LoadFromText(string yaml, string displayName = "<yaml>", IEnumerable<string>? set = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (context, root) = YamlContext.FromText(yaml, displayName, Directory.GetCurrentDirectory());
        return EndpointYaml.ReadOnlineEndpoint(context, root, set);
    }
}

public sealed partial class BatchEndpointSpec
{
    /// <summary>
    /// Reads an az ml v2 batch endpoint YAML file (<c>batchEndpoint</c> schema): <c>name</c>, <c>description</c>, <c>auth_mode</c>
    /// (<c>aad_token</c> only), <c>tags</c>, <c>defaults</c>. Errors are a <see cref="JobDefinitionException"/> naming file, line and key.
    /// </summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key=value</c> overrides, applied before reading.</param>
    public static BatchEndpointSpec Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        return EndpointYaml.ReadBatchEndpoint(context, root, set);
    }

    /// <summary>Reads batch endpoint YAML from text; errors name <paramref name="displayName"/>.</summary>
    public static BatchEndpointSpec LoadFromText(string yaml, string displayName = "<yaml>", IEnumerable<string>? set = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (context, root) = YamlContext.FromText(yaml, displayName, Directory.GetCurrentDirectory());
        return EndpointYaml.ReadBatchEndpoint(context, root, set);
    }
}

/// <summary>
/// An az ml v2 online deployment YAML file (<c>managedOnlineDeployment</c> schema), read but not yet bound to a model version:
/// <c>model</c> may say <c>azureml:name@latest</c> or give a local path (registered at <see cref="ToSpecAsync"/>).
/// Scoring scripts (<c>code_configuration</c>) are refused: deployments serve a model with one <c>.onnx</c> file.
/// </summary>
public sealed class OnlineDeploymentDefinition
{
    /// <summary>The deployment name (<c>name</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The endpoint (<c>endpoint_name</c>); null when the file leaves it to the command line.</summary>
    public string? EndpointName { get; init; }

    /// <summary>The model: a registered version (<see cref="AssetReferenceKind.Asset"/> with a version or label) or a local path.</summary>
    public required AssetReference Model { get; init; }

    /// <summary>The name a local-path model is registered under (the inline model's <c>name</c>); null: <c>&lt;endpoint&gt;-&lt;deployment&gt;</c>.</summary>
    public string? ModelName { get; init; }

    /// <summary><c>instance_count</c> (default 1).</summary>
    public int InstanceCount { get; init; } = 1;

    /// <summary><c>instance_type</c>.</summary>
    public string? InstanceType { get; init; }

    /// <summary><c>request_settings</c> (<c>request_timeout_ms</c>, <c>max_concurrent_requests_per_instance</c>).</summary>
    public OnlineRequestSettings RequestSettings { get; init; } = new();

    /// <summary><c>liveness_probe</c> (seconds in the file).</summary>
    public ProbeSettings? LivenessProbe { get; init; }

    /// <summary><c>readiness_probe</c> (seconds in the file).</summary>
    public ProbeSettings? ReadinessProbe { get; init; }

    /// <summary><c>environment_variables</c>.</summary>
    public IReadOnlyDictionary<string, string>? EnvironmentVariables { get; init; }

    /// <summary><c>description</c>.</summary>
    public string? Description { get; init; }

    /// <summary>The folder relative paths in the file were resolved against.</summary>
    public string? SourceDirectory { get; init; }

    /// <summary>Reads the YAML file; errors are a <see cref="JobDefinitionException"/> naming the file, line, column and key.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key=value</c> overrides (e.g. <c>instance_count=2</c>), applied before reading.</param>
    public static OnlineDeploymentDefinition Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        return EndpointYaml.ReadOnlineDeployment(context, root, set);
    }

    /// <summary>Reads online deployment YAML from text; relative paths resolve against <paramref name="baseDirectory"/> (default: the current folder).</summary>
    public static OnlineDeploymentDefinition LoadFromText(string yaml, string? baseDirectory = null, string displayName = "<yaml>", IEnumerable<string>? set = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (context, root) = YamlContext.FromText(yaml, displayName, baseDirectory ?? Directory.GetCurrentDirectory());
        return EndpointYaml.ReadOnlineDeployment(context, root, set);
    }

    /// <summary>
    /// Binds the definition to a model version of <paramref name="workspace"/>: a version as named, <c>@latest</c> the newest, another
    /// label the version that alias points at, a local path registered as a new version first (its bytes reported to
    /// <paramref name="uploadProgress"/>). An unknown model or version is <see cref="ResourceNotFoundException"/>.
    /// </summary>
    /// <param name="workspace">The workspace.</param>
    /// <param name="endpointName">The endpoint, when the file names none (used for a local model's default name).</param>
    /// <param name="allTraffic">Send all of the endpoint's traffic to the deployment once ready (<c>--all-traffic</c>).</param>
    /// <param name="uploadProgress">Bytes uploaded when a local model is registered.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<OnlineDeploymentSpec> ToSpecAsync(Workspace workspace, string? endpointName = null, bool allTraffic = false, IProgress<long>? uploadProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var model = await DeploymentModels.ResolveAsync(workspace, Model, ModelName ?? $"{endpointName ?? EndpointName}-{Name}", uploadProgress, cancellationToken).ConfigureAwait(false);
        return new OnlineDeploymentSpec(Name, model)
        {
            InstanceCount = InstanceCount,
            InstanceType = InstanceType,
            RequestSettings = RequestSettings,
            LivenessProbe = LivenessProbe,
            ReadinessProbe = ReadinessProbe,
            EnvironmentVariables = EnvironmentVariables,
            Description = Description,
            AllTraffic = allTraffic,
        };
    }
}

/// <summary>
/// An az ml v2 batch deployment YAML file (<c>modelBatchDeployment</c> / <c>batchDeployment</c> schema), not yet bound to a model
/// version: <c>model</c>, <c>compute</c>, and the settings (<c>mini_batch_size</c>, <c>max_concurrency_per_instance</c>,
/// <c>error_threshold</c>, <c>output_file_name</c>; at the top level or under <c>settings</c>).
/// </summary>
public sealed class BatchDeploymentDefinition
{
    /// <summary>The deployment name.</summary>
    public required string Name { get; init; }

    /// <summary>The endpoint (<c>endpoint_name</c>); null when the file leaves it to the command line.</summary>
    public string? EndpointName { get; init; }

    /// <summary>The model: a registered version or label, or a local path.</summary>
    public required AssetReference Model { get; init; }

    /// <summary>The name a local-path model is registered under; null: <c>&lt;endpoint&gt;-&lt;deployment&gt;</c>.</summary>
    public string? ModelName { get; init; }

    /// <summary><c>mini_batch_size</c> (default 10).</summary>
    public int MiniBatchSize { get; init; } = 10;

    /// <summary><c>max_concurrency_per_instance</c> (default 2).</summary>
    public int MaxConcurrency { get; init; } = 2;

    /// <summary><c>error_threshold</c> (default -1: any number).</summary>
    public int ErrorThreshold { get; init; } = -1;

    /// <summary><c>output_file_name</c> (default <c>predictions.jsonl</c>).</summary>
    public string OutputFileName { get; init; } = "predictions.jsonl";

    /// <summary><c>compute</c> (without an <c>azureml:</c> prefix).</summary>
    public string? Compute { get; init; }

    /// <summary><c>description</c>.</summary>
    public string? Description { get; init; }

    /// <summary>The folder relative paths in the file were resolved against.</summary>
    public string? SourceDirectory { get; init; }

    /// <summary>Reads the YAML file; errors are a <see cref="JobDefinitionException"/> naming the file, line, column and key.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key=value</c> overrides, applied before reading.</param>
    public static BatchDeploymentDefinition Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        return EndpointYaml.ReadBatchDeployment(context, root, set);
    }

    /// <summary>Reads batch deployment YAML from text; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static BatchDeploymentDefinition LoadFromText(string yaml, string? baseDirectory = null, string displayName = "<yaml>", IEnumerable<string>? set = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (context, root) = YamlContext.FromText(yaml, displayName, baseDirectory ?? Directory.GetCurrentDirectory());
        return EndpointYaml.ReadBatchDeployment(context, root, set);
    }

    /// <summary>Binds the definition to a model version of <paramref name="workspace"/> (see <see cref="OnlineDeploymentDefinition.ToSpecAsync"/>).</summary>
    /// <param name="workspace">The workspace.</param>
    /// <param name="endpointName">The endpoint, when the file names none (used for a local model's default name).</param>
    /// <param name="uploadProgress">Bytes uploaded when a local model is registered.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<BatchDeploymentSpec> ToSpecAsync(Workspace workspace, string? endpointName = null, IProgress<long>? uploadProgress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var model = await DeploymentModels.ResolveAsync(workspace, Model, ModelName ?? $"{endpointName ?? EndpointName}-{Name}", uploadProgress, cancellationToken).ConfigureAwait(false);
        var spec = new BatchDeploymentSpec(Name, model)
        {
            MiniBatchSize = MiniBatchSize,
            MaxConcurrency = MaxConcurrency,
            ErrorThreshold = ErrorThreshold,
            OutputFileName = OutputFileName,
            Compute = Compute,
            Description = Description,
        };
        spec.Validate();
        return spec;
    }
}

/// <summary>Resolves a deployment file's <c>model</c> to a registered version.</summary>
internal static class DeploymentModels
{
    public static async Task<Model> ResolveAsync(Workspace workspace, AssetReference model, string localName, IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        switch (model.Kind)
        {
            case AssetReferenceKind.Asset when model.Version is { } version:
                return await workspace.GetModelAsync(model.Name!, int.Parse(version, NumberStyles.None, CultureInfo.InvariantCulture), cancellationToken: cancellationToken).ConfigureAwait(false);
            case AssetReferenceKind.Asset when model.Label is null or "latest":
                return await workspace.GetModelAsync(model.Name!, cancellationToken: cancellationToken).ConfigureAwait(false);
            case AssetReferenceKind.Asset:
                return await workspace.GetModelAsync(model.Name!, alias: model.Label, cancellationToken: cancellationToken).ConfigureAwait(false);
            case AssetReferenceKind.LocalPath:
                var path = model.Path!;
                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    throw new ResourceNotFoundException($"The deployment's model path '{path}' does not exist.");
                }
                return await workspace.RegisterModelAsync(localName, path, options: new ModelRegistrationOptions { Progress = uploadProgress }, cancellationToken: cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidInputException($"The deployment's model '{model.Text}' must be a registered version or a local path.", "model");
        }
    }
}
