using System.Text.Json;
using AzureMlSdk.Backends;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Hosting;

namespace AzureMlSdk.Server.Mlflow;

/// <summary>
/// MLflow's REST API at each workspace's <c>mlFlowTrackingUri</c> path (+ <c>/api/2.0/mlflow/…</c>): tracking
/// (<c>mlflow/protos/service.proto</c>) over the workspace's local tracking store, the model registry
/// (<c>model_registry.proto</c>) over the workspace's ARM model containers and versions, and MLflow 3's logged models. The
/// default workspace is also served at the root (<c>http://127.0.0.1:&lt;port&gt;/api/2.0/mlflow/…</c>), so a plain MLflow
/// client can use the bare URL. Runs and experiments hand out <c>mlflow-artifacts:</c> artifact URIs, served by
/// <see cref="Artifacts.MlflowArtifactsEndpoints"/> from the datastore blobs the SDK's Remote backend uses.
/// </summary>
internal static partial class MlflowEndpoints
{
    /// <summary>The tracking URI path of a workspace (its ARM id under <c>/mlflow/v1.0</c>).</summary>
    internal const string WorkspacePath = "/mlflow/v1.0/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}";

    private delegate Task Handler(MlflowCall call);

    private sealed record MlflowCall(
        HttpContext Context,
        MlflowRequest Request,
        IMlflowWorkspace Workspace,
        IMlflowWorkspaces Registry,
        IReadOnlyDictionary<string, string> RouteValues)
    {
        public ITrackingStore Store => Workspace.Backend.Tracking;
        public CancellationToken Aborted => Context.RequestAborted;

        /// <summary>Experiments' artifact location: the folder that holds every run's artifact folder.</summary>
        public static string ExperimentArtifactLocation => ArtifactLocations.ProxyUri(ArtifactLocations.RunsFolder);

        public static string RunArtifactUri(string runId) => ArtifactLocations.ProxyUri(ArtifactLocations.RunFolder(runId));

        /// <summary>The workspace's datastore files (503 without blob storage).</summary>
        public IArtifactFiles Files => MlflowArtifactsEndpoints.Files(Registry, Workspace);

        public string Route(string name) => RouteValues[name];
    }

    /// <summary>One endpoint: HTTP method and path template (<c>{name}</c> segments capture).</summary>
    private sealed record Endpoint(string Method, string[] Segments, Handler Handler);

    private static Endpoint E(string method, string template, Handler handler) => new(method, template.Split('/'), handler);

    /// <summary>The endpoints of <c>service.proto</c> and <c>model_registry.proto</c> the Emulator serves (literal paths before templates).</summary>
    private static readonly Endpoint[] Endpoints =
    [
        // Tracking: experiments
        E("POST", "experiments/create", CreateExperimentAsync),
        E("GET", "experiments/get", GetExperimentAsync),
        E("GET", "experiments/get-by-name", GetExperimentByNameAsync),
        E("POST", "experiments/search", SearchExperimentsAsync),
        E("GET", "experiments/search", SearchExperimentsAsync),
        E("POST", "experiments/update", UpdateExperimentAsync),
        E("POST", "experiments/delete", DeleteExperimentAsync),
        E("POST", "experiments/restore", RestoreExperimentAsync),
        E("POST", "experiments/set-experiment-tag", SetExperimentTagAsync),
        E("POST", "experiments/delete-experiment-tag", DeleteExperimentTagAsync),
        // Tracking: runs
        E("POST", "runs/create", CreateRunAsync),
        E("GET", "runs/get", GetRunAsync),
        E("POST", "runs/update", UpdateRunAsync),
        E("POST", "runs/delete", DeleteRunAsync),
        E("POST", "runs/restore", RestoreRunAsync),
        E("POST", "runs/log-metric", LogMetricAsync),
        E("POST", "runs/log-parameter", LogParamAsync),
        E("POST", "runs/set-tag", SetTagAsync),
        E("POST", "runs/delete-tag", DeleteTagAsync),
        E("POST", "runs/log-batch", LogBatchAsync),
        E("POST", "runs/log-model", LogModelAsync),
        E("POST", "runs/log-inputs", LogInputsAsync),
        E("POST", "runs/outputs", LogOutputsAsync),
        E("POST", "runs/search", SearchRunsAsync),
        E("GET", "metrics/get-history", GetMetricHistoryAsync),
        E("GET", "metrics/get-history-bulk-interval", GetMetricHistoryBulkIntervalAsync),
        E("GET", "artifacts/list", ListArtifactsAsync),
        // Model registry: registered models
        E("POST", "registered-models/create", CreateRegisteredModelAsync),
        E("GET", "registered-models/get", GetRegisteredModelAsync),
        E("GET", "registered-models/search", SearchRegisteredModelsAsync),
        E("PATCH", "registered-models/update", UpdateRegisteredModelAsync),
        E("DELETE", "registered-models/delete", DeleteRegisteredModelAsync),
        E("POST", "registered-models/rename", RenameRegisteredModelAsync),
        E("POST", "registered-models/get-latest-versions", GetLatestVersionsAsync),
        E("GET", "registered-models/get-latest-versions", GetLatestVersionsAsync),
        E("POST", "registered-models/set-tag", SetRegisteredModelTagAsync),
        E("DELETE", "registered-models/delete-tag", DeleteRegisteredModelTagAsync),
        E("POST", "registered-models/alias", SetRegisteredModelAliasAsync),
        E("DELETE", "registered-models/alias", DeleteRegisteredModelAliasAsync),
        E("GET", "registered-models/alias", GetModelVersionByAliasAsync),
        // Model registry: model versions
        E("POST", "model-versions/create", CreateModelVersionAsync),
        E("GET", "model-versions/get", GetModelVersionAsync),
        E("GET", "model-versions/search", SearchModelVersionsAsync),
        E("PATCH", "model-versions/update", UpdateModelVersionAsync),
        E("DELETE", "model-versions/delete", DeleteModelVersionAsync),
        E("POST", "model-versions/transition-stage", TransitionModelVersionStageAsync),
        E("POST", "model-versions/set-tag", SetModelVersionTagAsync),
        E("DELETE", "model-versions/delete-tag", DeleteModelVersionTagAsync),
        E("GET", "model-versions/get-download-uri", GetModelVersionDownloadUriAsync),
        // MLflow 3 logged models
        E("POST", "logged-models", CreateLoggedModelAsync),
        E("POST", "logged-models/search", SearchLoggedModelsAsync),
        E("GET", "logged-models/{model_id}", GetLoggedModelAsync),
        E("PATCH", "logged-models/{model_id}", FinalizeLoggedModelAsync),
        E("DELETE", "logged-models/{model_id}", DeleteLoggedModelAsync),
        E("PATCH", "logged-models/{model_id}/tags", SetLoggedModelTagsAsync),
        E("DELETE", "logged-models/{model_id}/tags/{tag_key}", DeleteLoggedModelTagAsync),
        E("POST", "logged-models/{model_id}/params", LogLoggedModelParamsAsync),
        E("GET", "logged-models/{model_id}/artifacts/directories", ListLoggedModelArtifactsAsync),
    ];

    public static void Map(IEndpointRouteBuilder app, IMlflowWorkspaces registry)
    {
        app.Map(WorkspacePath + "/api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, (string)c.GetRouteValue("subscriptionId")!, (string)c.GetRouteValue("resourceGroupName")!, (string)c.GetRouteValue("workspaceName")!));
        app.Map(WorkspacePath + "/ajax-api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, (string)c.GetRouteValue("subscriptionId")!, (string)c.GetRouteValue("resourceGroupName")!, (string)c.GetRouteValue("workspaceName")!));
        app.Map("/api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName));
        app.Map("/ajax-api/2.0/mlflow/{**operation}", (HttpContext c) =>
            DispatchAsync(c, registry, WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName));
        // MLflow 3 clients probe /api/3.0/mlflow/server-info and trace routes; none is served, and each says so as MLflow does
        // (clients treat a non-200 server-info as "no multipart transfers").
        foreach (var pattern in new[] { WorkspacePath + "/api/3.0/mlflow/{**operation}", "/api/3.0/mlflow/{**operation}" })
        {
            app.Map(pattern, (HttpContext c) => Wire.MlflowErrorAsync(c, 404, "ENDPOINT_NOT_FOUND", $"No API endpoint found for '{c.Request.Path}'."));
        }
    }

    /// <summary>The endpoints whose template matches <paramref name="segments"/>, with their captured values.</summary>
    private static List<(Endpoint Endpoint, Dictionary<string, string> Values)> Match(string[] segments)
    {
        var matches = new List<(Endpoint, Dictionary<string, string>)>();
        foreach (var endpoint in Endpoints)
        {
            if (endpoint.Segments.Length != segments.Length)
            {
                continue;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var ok = true;
            for (var i = 0; i < segments.Length && ok; i++)
            {
                var template = endpoint.Segments[i];
                if (template.StartsWith('{'))
                {
                    ok = segments[i].Length > 0;
                    values[template[1..^1]] = segments[i];
                }
                else
                {
                    ok = string.Equals(template, segments[i], StringComparison.Ordinal);
                }
            }
            if (ok)
            {
                matches.Add((endpoint, values));
            }
        }
        return matches;
    }

    private static async Task DispatchAsync(HttpContext context, IMlflowWorkspaces registry, string sub, string rg, string name)
    {
        var operation = ((string?)context.GetRouteValue("operation") ?? string.Empty).Trim('/');
        try
        {
            var matches = Match(operation.Split('/'));
            if (matches.Count == 0)
            {
                throw new MlflowException("ENDPOINT_NOT_FOUND", $"No API endpoint found for '{context.Request.Path}'.");
            }
            var method = context.Request.Method;
            var (endpoint, values) = matches.FirstOrDefault(m => string.Equals(m.Endpoint.Method, method, StringComparison.OrdinalIgnoreCase));
            if (endpoint is null)
            {
                var methods = matches.Select(m => m.Endpoint.Method).Distinct().ToList();
                context.Response.Headers.Allow = string.Join(", ", methods);
                await Wire.MlflowErrorAsync(context, 405, "BAD_REQUEST", $"The method {method} is not allowed for '{operation}'; use {string.Join(" or ", methods)}.").ConfigureAwait(false);
                return;
            }
            var ws = registry.Find(sub, rg, name)
                ?? throw new MlflowException("RESOURCE_DOES_NOT_EXIST", $"Workspace '{name}' in resource group '{rg}' of subscription '{sub}' does not exist.");
            var request = await MlflowRequest.ReadAsync(context).ConfigureAwait(false);
            await endpoint.Handler(new MlflowCall(context, request, ws, registry, values)).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (!context.Response.HasStarted)
        {
            await Wire.MlflowErrorAsync(context, MlflowException.StatusOf(ex.ErrorCode), ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (AzureMlException ex) when (!context.Response.HasStarted)
        {
            var code = ex switch
            {
                ResourceNotFoundException => "RESOURCE_DOES_NOT_EXIST",
                ResourceExistsException => "RESOURCE_ALREADY_EXISTS",
                // MLflow answers lifecycle violations (logging to a deleted run, a deleted experiment) with INVALID_PARAMETER_VALUE.
                InvalidInputException or InvalidStateException => "INVALID_PARAMETER_VALUE",
                AzureMlNotSupportedException => "NOT_IMPLEMENTED",
                _ => ex.ErrorCode,
            };
            await Wire.MlflowErrorAsync(context, MlflowException.StatusOf(code), code, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await Wire.FailureAsync(context, ex).ConfigureAwait(false);
        }
    }

    /// <summary>MLflow's default experiment, which every workspace has (see <see cref="Backends.Local.LocalTrackingStore.EnsureDefaultExperiment"/>).</summary>
    private const string DefaultExperimentId = "0";

    private static Task OkAsync(MlflowCall call, Action<Utf8JsonWriter>? body = null) => Wire.JsonAsync(call.Context, 200, w =>
    {
        w.WriteStartObject();
        body?.Invoke(w);
        w.WriteEndObject();
    });

    private static Dictionary<string, string> TagList(MlflowRequest request, string field)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in request.Objects(field))
        {
            var key = MlflowRequest.NestedString(tag, "key", field) ?? throw MlflowException.Missing($"{field}.key");
            tags[key] = MlflowRequest.NestedString(tag, "value", field) ?? string.Empty;
        }
        return tags;
    }

    /// <summary>A repeated <c>{key, value}</c> field; each key is required (non-empty), as MLflow's <c>_assert_required</c>, named by index.</summary>
    private static List<KeyValuePair<string, string>> PairList(MlflowRequest request, string field, bool valueRequired)
    {
        var list = new List<KeyValuePair<string, string>>();
        var index = 0;
        foreach (var item in request.Objects(field))
        {
            var path = $"{field}[{index++}]";
            var key = MlflowRequest.NestedString(item, "key", path);
            if (string.IsNullOrEmpty(key))
            {
                throw MlflowException.Missing($"{path}.key");
            }
            var value = MlflowRequest.NestedString(item, "value", path);
            if (value is null && valueRequired)
            {
                throw MlflowException.Missing($"{path}.value");
            }
            list.Add(new(key, value ?? string.Empty));
        }
        return list;
    }

    private static ViewType ParseViewType(string? text, string field) => (text ?? "ACTIVE_ONLY").ToUpperInvariant() switch
    {
        "ACTIVE_ONLY" or "1" => ViewType.ActiveOnly,
        "DELETED_ONLY" or "2" => ViewType.DeletedOnly,
        "ALL" or "3" => ViewType.All,
        _ => throw MlflowException.Invalid($"Invalid value '{text}' for parameter '{field}': use ACTIVE_ONLY, DELETED_ONLY or ALL."),
    };

    private static int MaxResults(MlflowRequest request, int defaultValue, int limit)
    {
        var value = request.Long("max_results") ?? defaultValue;
        if (value <= 0 || value > limit)
        {
            throw MlflowException.Invalid($"Invalid value {value} for parameter 'max_results' supplied. It must be at most {limit} and positive.");
        }
        return (int)value;
    }
}
