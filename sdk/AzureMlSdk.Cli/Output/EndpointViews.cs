using System.Globalization;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Output;

/// <summary>Endpoints and deployments as <c>az ml</c> prints them (snake_case, the YAML's field names).</summary>
internal static class EndpointViews
{
    private static string Auth(EndpointAuthMode mode) => mode switch
    {
        EndpointAuthMode.Key => "key",
        EndpointAuthMode.AmlToken => "aml_token",
        _ => "aad_token",
    };

    private static JsonObject Traffic(IReadOnlyDictionary<string, int> traffic)
    {
        var o = new JsonObject();
        foreach (var (k, v) in traffic.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }
        return o;
    }

    public static readonly IReadOnlyList<(string, string)> OnlineColumns =
        [("Name", "name"), ("AuthMode", "auth_mode"), ("ProvisioningState", "provisioning_state"), ("Traffic", "traffic"), ("ScoringUri", "scoring_uri")];

    public static JsonObject Online(OnlineEndpoint e) => new()
    {
        ["name"] = e.Name,
        ["kind"] = "Managed",
        ["auth_mode"] = Auth(e.AuthMode),
        ["scoring_uri"] = e.ScoringUri?.ToString(),
        ["openapi_uri"] = e.SwaggerUri?.ToString(),
        ["provisioning_state"] = e.ProvisioningState.ToString(),
        ["traffic"] = Traffic(e.Traffic),
        ["description"] = e.Description,
        ["tags"] = Views.Map(e.Tags),
    };

    public static readonly IReadOnlyList<(string, string)> OnlineDeploymentColumns =
        [("Name", "name"), ("EndpointName", "endpoint_name"), ("Model", "model"), ("InstanceCount", "instance_count"), ("ProvisioningState", "provisioning_state")];

    public static JsonObject OnlineDeployment(OnlineDeployment d) => new()
    {
        ["name"] = d.Name,
        ["endpoint_name"] = d.EndpointName,
        ["type"] = "managed",
        ["model"] = $"azureml:{d.ModelName}:{d.ModelVersion.ToString(CultureInfo.InvariantCulture)}",
        ["instance_count"] = d.InstanceCount,
        ["instance_type"] = d.InstanceType,
        ["request_settings"] = new JsonObject
        {
            ["request_timeout_ms"] = (long)d.RequestSettings.RequestTimeout.TotalMilliseconds,
            ["max_concurrent_requests_per_instance"] = d.RequestSettings.MaxConcurrentRequestsPerInstance,
        },
        ["liveness_probe"] = Probe(d.LivenessProbe),
        ["readiness_probe"] = Probe(d.ReadinessProbe),
        ["environment_variables"] = Views.Map(d.EnvironmentVariables),
        ["provisioning_state"] = d.ProvisioningState.ToString(),
        ["description"] = d.Description,
    };

    private static JsonObject? Probe(ProbeSettings? p) => p is null ? null : new JsonObject
    {
        ["initial_delay"] = p.InitialDelay is { } d ? (long)d.TotalSeconds : null,
        ["period"] = (long)p.Period.TotalSeconds,
        ["timeout"] = (long)p.Timeout.TotalSeconds,
        ["success_threshold"] = p.SuccessThreshold,
        ["failure_threshold"] = p.FailureThreshold,
    };

    public static readonly IReadOnlyList<(string, string)> BatchColumns =
        [("Name", "name"), ("DefaultDeployment", "defaults.deployment_name"), ("Deployments", "deployments"), ("Description", "description")];

    public static JsonObject Batch(BatchEndpoint e) => new()
    {
        ["name"] = e.Name,
        ["auth_mode"] = "aad_token",
        ["defaults"] = new JsonObject { ["deployment_name"] = e.DefaultDeployment },
        ["deployments"] = new JsonArray(e.Deployments.Select(d => (JsonNode)d).ToArray()),
        ["description"] = e.Description,
    };

    public static readonly IReadOnlyList<(string, string)> BatchDeploymentColumns =
        [("Name", "name"), ("EndpointName", "endpoint_name"), ("Model", "model"), ("MiniBatchSize", "mini_batch_size"), ("ProvisioningState", "provisioning_state")];

    public static JsonObject BatchDeployment(BatchDeployment d) => new()
    {
        ["name"] = d.Name,
        ["endpoint_name"] = d.EndpointName,
        ["type"] = "model",
        ["model"] = $"azureml:{d.ModelName}:{d.ModelVersion.ToString(CultureInfo.InvariantCulture)}",
        ["compute"] = d.Compute,
        ["mini_batch_size"] = d.MiniBatchSize,
        ["max_concurrency_per_instance"] = d.MaxConcurrency,
        ["error_threshold"] = d.ErrorThreshold,
        ["output_action"] = "append_row",
        ["output_file_name"] = d.OutputFileName,
        ["provisioning_state"] = d.ProvisioningState.ToString(),
        ["description"] = d.Description,
        ["is_default"] = d.IsDefault,
    };
}
