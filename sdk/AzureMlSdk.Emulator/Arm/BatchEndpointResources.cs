using System.Text.Json.Nodes;
using static AzureMlSdk.Emulator.Arm.OnlineEndpointResources;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// The ARM shapes of batch endpoints and deployments (api-version 2026-07-01): reading and checking request bodies (400
/// <c>ValidationError</c> naming the field), the scoring settings a stored deployment gives the batch scorer, and the resources as
/// served, with the spec's defaults filled in.
/// </summary>
internal static class BatchEndpointResources
{
    public const string EndpointType = ArmEndpoints.Provider + "/workspaces/batchEndpoints";
    public const string DeploymentType = ArmEndpoints.Provider + "/workspaces/batchEndpoints/deployments";

    /// <summary>The Emulator's invocation route (Azure's is <c>https://&lt;endpoint&gt;.&lt;region&gt;.inference.ml.azure.com/jobs</c>).</summary>
    public const string InvocationPrefix = "/inference/v1.0";

    /// <summary>The spec's <c>outputFileName</c> default.</summary>
    public const string DefaultOutputFileName = "predictions.csv";

    /// <summary>Fields the service sets: dropped from a PUT body.</summary>
    private static readonly string[] EndpointReadOnly = ["scoringUri", "swaggerUri", "provisioningState", "keys"];

    // ------------------------------------------------------------------ reading bodies

    /// <summary>A batch endpoint's auth mode: batch endpoints take Microsoft Entra tokens only (<c>AADToken</c>).</summary>
    public static string AuthMode(JsonNode? node)
    {
        var mode = OptionalString(node, "properties.authMode")
            ?? throw Invalid("'properties.authMode' is required: batch endpoints take AADToken.", "properties.authMode");
        return string.Equals(mode, "AADToken", StringComparison.OrdinalIgnoreCase)
            ? "AADToken"
            : throw Invalid($"'properties.authMode' is '{mode}'; batch endpoints support AADToken (Microsoft Entra) auth only.", "properties.authMode");
    }

    /// <summary>The endpoint resource to keep from a PUT body (read-only fields dropped).</summary>
    public static JsonObject EndpointResource(JsonObject body, JsonObject properties, string location)
    {
        var kept = (JsonObject)properties.DeepClone();
        foreach (var field in EndpointReadOnly)
        {
            kept.Remove(field);
        }
        kept["authMode"] = AuthMode(properties["authMode"]);
        OptionalString(kept["description"], "properties.description");
        if (StringMap(kept["properties"], "properties.properties") is { } bag)
        {
            kept["properties"] = bag;
        }
        if (kept["defaults"] is not null)
        {
            var defaults = OptionalObject(kept["defaults"], "properties.defaults")!;
            var name = OptionalString(defaults["deploymentName"], "properties.defaults.deploymentName");
            kept["defaults"] = new JsonObject { ["deploymentName"] = string.IsNullOrEmpty(name) ? null : name };
        }
        var resource = new JsonObject { ["location"] = location };
        CopyTrackedFields(body, resource);
        resource["properties"] = kept;
        return resource;
    }

    /// <summary>Checks a deployment PUT body and returns the resource to keep (read-only fields dropped).</summary>
    public static JsonObject DeploymentResource(JsonObject body, JsonObject properties, string location, EmulatorWorkspace ws, string name)
    {
        if (properties["codeConfiguration"] is JsonObject)
        {
            throw Invalid("A scoring script (properties.codeConfiguration) cannot run in the Emulator: it scores ONNX models with ONNX Runtime, without a container. Deploy an ONNX model without codeConfiguration.", "properties.codeConfiguration");
        }
        if (properties["deploymentConfiguration"] is JsonObject)
        {
            throw Invalid("Pipeline component deployments (properties.deploymentConfiguration) are not served by the Emulator; deploy a model.", "properties.deploymentConfiguration");
        }
        var kept = (JsonObject)properties.DeepClone();
        kept.Remove("provisioningState");
        var resource = new JsonObject { ["location"] = location };
        CopyTrackedFields(body, resource);
        resource["properties"] = kept;
        _ = DeploymentSpec(ws, name, resource); // every setting the scorer takes must read
        return resource;
    }

    /// <summary>The batch scorer's settings of a stored (or just checked) deployment resource, with the spec's defaults.</summary>
    public static BatchDeploymentSpec DeploymentSpec(EmulatorWorkspace ws, string name, JsonObject resource)
    {
        var p = resource["properties"] as JsonObject ?? [];
        var model = OptionalObject(p["model"], "properties.model")
            ?? throw Invalid("'properties.model' is required: {\"referenceType\": \"Id\", \"assetId\": \"<ARM id of a model version of this workspace>\"}.", "properties.model");
        var referenceType = OptionalString(model["referenceType"], "properties.model.referenceType");
        if (!string.Equals(referenceType, "Id", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"'properties.model.referenceType' is '{referenceType}'; the Emulator deploys registered model versions (referenceType Id with assetId).", "properties.model.referenceType");
        }
        var (modelName, version) = ModelReference(OptionalString(model["assetId"], "properties.model.assetId"), ws);
        var miniBatchSize = OptionalLong(p["miniBatchSize"], "properties.miniBatchSize") ?? 10;
        if (miniBatchSize is < 1 or > int.MaxValue)
        {
            throw Invalid($"'properties.miniBatchSize' is {miniBatchSize}; give 1 or more.", "properties.miniBatchSize");
        }
        _ = OutputAction(resource);
        OptionalString(p["compute"], "properties.compute");
        OptionalString(p["environmentId"], "properties.environmentId");
        StringMap(p["properties"], "properties.properties");
        StringMap(p["environmentVariables"], "properties.environmentVariables");
        if (OptionalString(p["loggingLevel"], "properties.loggingLevel") is { } level && level.ToUpperInvariant() is not ("INFO" or "WARNING" or "DEBUG"))
        {
            throw Invalid($"'properties.loggingLevel' is '{level}'; use Info, Warning or Debug.", "properties.loggingLevel");
        }
        var retry = OptionalObject(p["retrySettings"], "properties.retrySettings");
        if (OptionalInt(retry?["maxRetries"], "properties.retrySettings.maxRetries") is < 0)
        {
            throw Invalid("'properties.retrySettings.maxRetries' must be 0 or more.", "properties.retrySettings.maxRetries");
        }
        OptionalDuration(retry?["timeout"], "properties.retrySettings.timeout");
        if (OptionalInt(OptionalObject(p["resources"], "properties.resources")?["instanceCount"], "properties.resources.instanceCount") is < 1)
        {
            throw Invalid("'properties.resources.instanceCount' must be 1 or more.", "properties.resources.instanceCount");
        }
        try
        {
            var spec = new BatchDeploymentSpec(name, modelName, version)
            {
                MiniBatchSize = (int)miniBatchSize,
                MaxConcurrency = OptionalInt(p["maxConcurrencyPerInstance"], "properties.maxConcurrencyPerInstance") ?? 1,
                ErrorThreshold = OptionalInt(p["errorThreshold"], "properties.errorThreshold") ?? -1,
                OutputFileName = OptionalString(p["outputFileName"], "properties.outputFileName") ?? DefaultOutputFileName,
                Description = OptionalString(p["description"], "properties.description"),
                Compute = OptionalString(p["compute"], "properties.compute"),
            };
            spec.Validate();
            return spec;
        }
        catch (InvalidInputException ex)
        {
            throw Invalid(ex.Message, "properties." + (ex.ParameterName switch
            {
                nameof(BatchDeploymentSpec.MaxConcurrency) => "maxConcurrencyPerInstance",
                nameof(BatchDeploymentSpec.ErrorThreshold) => "errorThreshold",
                nameof(BatchDeploymentSpec.OutputFileName) => "outputFileName",
                nameof(BatchDeploymentSpec.MiniBatchSize) => "miniBatchSize",
                _ => "model",
            }));
        }
    }

    /// <summary><c>AppendRow</c> (predictions file written, the default) or <c>SummaryOnly</c>.</summary>
    public static string OutputAction(JsonObject resource)
    {
        var action = OptionalString((resource["properties"] as JsonObject)?["outputAction"], "properties.outputAction") ?? "AppendRow";
        return action.ToUpperInvariant() switch
        {
            "APPENDROW" => "AppendRow",
            "SUMMARYONLY" => "SummaryOnly",
            _ => throw Invalid($"'properties.outputAction' is '{action}'; use AppendRow or SummaryOnly.", "properties.outputAction"),
        };
    }

    private static long? OptionalLong(JsonNode? node, string target) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => throw Invalid($"'{target}' must be a whole number.", target),
    };

    // ------------------------------------------------------------------ serving

    public static string EndpointId(EmulatorWorkspace ws, string name) => $"{ws.ResourceId}/batchEndpoints/{name}";

    /// <summary>Where jobs are started: <c>POST</c> with the Emulator's bearer token.</summary>
    public static string InvocationUri(HttpContext c, EmulatorWorkspace ws, string name) => $"{ArmEndpoints.Base(c)}{InvocationPrefix}{EndpointId(ws, name)}/jobs";

    public static JsonObject Endpoint(HttpContext c, EmulatorWorkspace ws, BatchEndpointDocument document)
    {
        var stored = document.Resource;
        var properties = (JsonObject)(stored["properties"]?.DeepClone() ?? new JsonObject());
        properties["defaults"] ??= new JsonObject { ["deploymentName"] = null };
        properties["scoringUri"] = InvocationUri(c, ws, document.Name);
        properties["provisioningState"] = document.ProvisioningState;
        return Tracked(EndpointId(ws, document.Name), document.Name, EndpointType, stored, document.CreatedAt, document.ModifiedAt, properties);
    }

    public static JsonObject Deployment(EmulatorWorkspace ws, BatchEndpointDocument endpoint, BatchDeploymentDocument document)
    {
        var stored = document.Resource;
        var properties = (JsonObject)(stored["properties"]?.DeepClone() ?? new JsonObject());
        properties["miniBatchSize"] ??= 10;
        properties["maxConcurrencyPerInstance"] ??= 1;
        properties["errorThreshold"] ??= -1;
        properties["outputAction"] ??= "AppendRow";
        properties["outputFileName"] ??= DefaultOutputFileName;
        properties["loggingLevel"] ??= "Info";
        properties["retrySettings"] ??= new JsonObject { ["maxRetries"] = 3, ["timeout"] = "PT30S" };
        properties["provisioningState"] = document.ProvisioningState;
        return Tracked($"{EndpointId(ws, endpoint.Name)}/deployments/{document.Name}", document.Name, DeploymentType, stored, document.CreatedAt, document.ModifiedAt, properties);
    }
}
