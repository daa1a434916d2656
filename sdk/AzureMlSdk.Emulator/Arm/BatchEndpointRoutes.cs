using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Emulator.Jobs;
using static AzureMlSdk.Emulator.Arm.EndpointRouteHelpers;
using static AzureMlSdk.Emulator.Arm.OnlineEndpointResources;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// ARM batch endpoints and deployments (<c>BatchEndpoints_*</c>, <c>BatchDeployments_*</c>, api-version 2026-07-01) and the endpoints'
/// invocation route. Changes are long-running operations with the online routes' conventions: PUT answers 201 (create) or 200 (update)
/// with <c>Azure-AsyncOperation</c>; DELETE answers 202 with <c>Location</c> (204 when there is nothing to delete); each carries
/// <c>Retry-After</c>; requests are checked at once (400 <c>ValidationError</c>) and a failure of the work (an unknown model) ends the
/// operation Failed. <c>POST {scoringUri}</c> with a job body starts a job (<see cref="BatchJobRunner"/>), seen through ARM jobs.
/// </summary>
internal static class BatchEndpointRoutes
{
    private const string Endpoints = ArmEndpoints.Ws + "/batchEndpoints";
    private const string Endpoint = Endpoints + "/{endpointName}";
    private const string Deployments = Endpoint + "/deployments";
    private const string Deployment = Deployments + "/{deploymentName}";

    /// <summary>The header that names the deployment an invocation goes to (else the endpoint's default).</summary>
    private const string DeploymentHeader = "azureml-model-deployment";

    private delegate Task Handler(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch);

    public static void Map(WebApplication app, WorkspaceRegistry registry, EmulatorEndpointHosting hosting)
    {
        void Route(string method, string pattern, Handler handler, bool apiVersion = true) =>
            app.MapMethods(pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, call => handler(call, hosting.BatchFor(call.Workspace)), apiVersion));

        Route("GET", Endpoints, ListEndpointsAsync);
        Route("GET", Endpoint, GetEndpointAsync);
        Route("PUT", Endpoint, PutEndpointAsync);
        Route("DELETE", Endpoint, DeleteEndpointAsync);
        Route("POST", Endpoint + "/listkeys", ListKeysAsync);
        Route("GET", Deployments, ListDeploymentsAsync);
        Route("GET", Deployment, GetDeploymentAsync);
        Route("PUT", Deployment, PutDeploymentAsync);
        Route("DELETE", Deployment, DeleteDeploymentAsync);
        // The data plane: no api-version, the Emulator's token as the caller's Entra token.
        Route("POST", BatchEndpointResources.InvocationPrefix + Endpoint + "/jobs", InvokeAsync, apiVersion: false);
    }

    // ------------------------------------------------------------------ helpers

    private static ArmException EndpointNotFound(ArmEndpoints.ArmCall call, string name) => NotFound(call, "batchEndpoints", name);

    private static ArmException DeploymentNotFound(ArmEndpoints.ArmCall call, string endpoint, string name) => NotFound(call, "batchEndpoints", $"{endpoint}/deployments/{name}");

    private static BatchEndpointDocument RequireEndpoint(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch) =>
        batch.Store.Get(EndpointName(call)) is { ProvisioningState: not "Deleting" } document ? document : throw EndpointNotFound(call, EndpointName(call));

    private static Task AcceptedAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch, ArmOperation operation, int status, JsonObject? body) =>
        EndpointRouteHelpers.AcceptedAsync(call, batch.Operations, operation, status, body);

    // ------------------------------------------------------------------ endpoints

    private static Task ListEndpointsAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var count = PositiveQueryInt(call.Context, "count");
        var items = batch.Store.List().Where(d => d.ProvisioningState != "Deleting")
            .Select(d => (JsonNode)BatchEndpointResources.Endpoint(call.Context, call.Workspace, d)).ToList();
        return ArmEndpoints.PageAsync(call.Context, items, pageSize: count);
    }

    private static Task GetEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch) =>
        ArmEndpoints.WriteAsync(call.Context, 200, BatchEndpointResources.Endpoint(call.Context, call.Workspace, RequireEndpoint(call, batch)));

    private static async Task PutEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var name = EndpointName(call);
        CheckName(name, deployment: false);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = ArmEndpoints.PropertiesOf(body);
        var location = OptionalString(body["location"], "location");
        var now = DateTimeOffset.UtcNow;

        var (document, created) = batch.Store.Change(name, existing =>
        {
            if (existing?.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Batch endpoint '{name}'");
            }
            CheckLocation(name, existing?.Location, location);
            var document = existing ?? new BatchEndpointDocument { Name = name, CreatedAt = now };
            document.Resource = BatchEndpointResources.EndpointResource(body, properties, existing?.Location ?? location!);
            document.ModifiedAt = now;
            document.Generation++;
            document.ProvisioningState = existing is null ? "Creating" : "Updating";
            return (document, (document, existing is null));
        });
        var generation = document.Generation;
        var operation = batch.Start(name, document.Location, ct => batch.ProvisionEndpointAsync(name, generation, ct));
        await AcceptedAsync(call, batch, operation, created ? 201 : 200, BatchEndpointResources.Endpoint(call.Context, call.Workspace, document)).ConfigureAwait(false);
    }

    private static Task DeleteEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch) =>
        EndpointRouteHelpers.DeleteEndpointAsync(call, batch.Store, batch.Operations,
            (name, document) => batch.Start(name, document.Location, ct => batch.DeleteEndpointAsync(name, ct)));

    private static Task ListKeysAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var document = RequireEndpoint(call, batch);
        throw new ArmException(400, "UserError", $"Batch endpoint '{document.Name}' authenticates with AADToken: callers present their own Microsoft Entra token; it has no keys.");
    }

    // ------------------------------------------------------------------ deployments

    private static Task ListDeploymentsAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var document = RequireEndpoint(call, batch);
        var top = PositiveQueryInt(call.Context, "$top");
        var orderBy = call.Context.Request.Query["$orderBy"].ToString().Trim().ToLowerInvariant();
        IEnumerable<BatchDeploymentDocument> deployments = document.Deployments.Values.Where(d => d.ProvisioningState != "Deleting");
        deployments = orderBy switch
        {
            "" => deployments.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase),
            "createdat desc" => deployments.OrderByDescending(d => d.CreatedAt),
            "createdat" or "createdat asc" => deployments.OrderBy(d => d.CreatedAt),
            _ => throw Invalid($"$orderBy '{orderBy}' is not supported: use createdAt asc or createdAt desc.", "$orderBy"),
        };
        var items = deployments.Select(d => (JsonNode)BatchEndpointResources.Deployment(call.Workspace, document, d)).ToList();
        return ArmEndpoints.PageAsync(call.Context, items, top);
    }

    private static Task GetDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var document = RequireEndpoint(call, batch);
        var name = DeploymentName(call);
        var deployment = document.Deployments.GetValueOrDefault(name) is { ProvisioningState: not "Deleting" } found ? found : throw DeploymentNotFound(call, document.Name, name);
        return ArmEndpoints.WriteAsync(call.Context, 200, BatchEndpointResources.Deployment(call.Workspace, document, deployment));
    }

    private static async Task PutDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var endpointName = EndpointName(call);
        var name = DeploymentName(call);
        CheckName(name, deployment: true);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = ArmEndpoints.PropertiesOf(body);
        var location = OptionalString(body["location"], "location");
        var now = DateTimeOffset.UtcNow;

        var (endpoint, deployment, created) = batch.Store.Change(endpointName, existing =>
        {
            if (existing is null)
            {
                throw EndpointNotFound(call, endpointName);
            }
            if (existing.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Batch endpoint '{existing.Name}'");
            }
            var previous = existing.Deployments.GetValueOrDefault(name);
            if (previous?.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Batch deployment '{existing.Name}/{previous.Name}'");
            }
            if (previous is null && string.IsNullOrWhiteSpace(location))
            {
                throw LocationRequired();
            }
            var deployment = previous ?? new BatchDeploymentDocument { Name = name, CreatedAt = now };
            deployment.Resource = BatchEndpointResources.DeploymentResource(body, properties, previous?.Resource["location"]?.GetValue<string>() ?? location!, call.Workspace, name);
            deployment.ModifiedAt = now;
            deployment.Generation++;
            deployment.ProvisioningState = previous is null ? "Creating" : "Updating";
            deployment.Error = null;
            existing.Deployments[deployment.Name] = deployment;
            return (existing, (existing, deployment, previous is null));
        });
        var generation = deployment.Generation;
        var operation = batch.Start(endpoint.Name, endpoint.Location, ct => batch.ProvisionDeploymentAsync(endpoint.Name, deployment.Name, generation, ct));
        await AcceptedAsync(call, batch, operation, created ? 201 : 200, BatchEndpointResources.Deployment(call.Workspace, endpoint, deployment)).ConfigureAwait(false);
    }

    private static async Task DeleteDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var endpointName = EndpointName(call);
        var name = DeploymentName(call);
        var (endpoint, deployment) = batch.Store.Change(endpointName, existing =>
        {
            if (existing is null || existing.ProvisioningState == "Deleting")
            {
                throw EndpointNotFound(call, endpointName);
            }
            if (existing.Deployments.GetValueOrDefault(name) is not { } deployment)
            {
                return (existing, (existing, (BatchDeploymentDocument?)null));
            }
            if (string.Equals(existing.DefaultDeployment, deployment.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArmException(400, "UserError",
                    $"Deployment '{deployment.Name}' is the default of batch endpoint '{existing.Name}'; make another deployment the default (properties.defaults.deploymentName) before deleting it.", "deploymentName");
            }
            MarkDeleting(deployment);
            return (existing, (existing, deployment));
        });
        if (deployment is null)
        {
            call.Context.Response.StatusCode = 204; // ARM: nothing to delete
            return;
        }
        var operation = batch.Start(endpoint.Name, endpoint.Location, ct => batch.DeleteDeploymentAsync(endpoint.Name, deployment.Name, ct));
        await AcceptedAsync(call, batch, operation, 202, null).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ invocation

    /// <summary>
    /// Starts a job: <c>{"properties": {"inputData": {"&lt;name&gt;": {"jobInputType": "UriFolder" | "UriFile" | "MLTable", "uri": "azureml://datastores/workspaceblobstore/paths/…"}},
    /// "outputFileName"?}}</c>, on the deployment <c>azureml-model-deployment</c> names or the endpoint's default. Answers 200 with the
    /// job (<c>name</c> = the ARM job and run id), NotStarted.
    /// </summary>
    private static async Task InvokeAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var endpoint = RequireEndpoint(call, batch);
        var header = call.Context.Request.Headers[DeploymentHeader].ToString().Trim();
        var deploymentName = header.Length > 0 ? header : endpoint.DefaultDeployment
            ?? throw new ArmException(400, "UserError", $"Batch endpoint '{endpoint.Name}' has no default deployment; name one with the {DeploymentHeader} header or set properties.defaults.deploymentName.");
        var deployment = endpoint.Deployments.GetValueOrDefault(deploymentName) is { ProvisioningState: not "Deleting" } found ? found
            : throw DeploymentNotFound(call, endpoint.Name, deploymentName);
        if (deployment.ProvisioningState != "Succeeded")
        {
            throw new ArmException(400, "UserError", $"Batch deployment '{endpoint.Name}/{deployment.Name}' is {deployment.ProvisioningState} and cannot run jobs{(deployment.Error is null ? "" : ": " + deployment.Error)}.");
        }

        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = ArmEndpoints.PropertiesOf(body);
        var input = JobInput(properties);
        var spec = BatchEndpointResources.DeploymentSpec(call.Workspace, deployment.Name, deployment.Resource);
        if (OptionalString(properties["outputFileName"], "properties.outputFileName") is { } outputFileName)
        {
            spec = Copy(spec, outputFileName);
        }
        var job = await batch.Jobs.SubmitAsync(endpoint.Name, spec, BatchEndpointResources.OutputAction(deployment.Resource), endpoint.Location, input, call.Context.RequestAborted).ConfigureAwait(false);
        var reply = JobRoutes.Job(call.Workspace, job);
        reply["properties"]!["inputData"] = properties["inputData"]!.DeepClone();
        await ArmEndpoints.WriteAsync(call.Context, 200, reply).ConfigureAwait(false);
    }

    /// <summary>The job's single input: (ARM jobInputType, URI as given, blob path in the default datastore).</summary>
    private static (string Type, string Uri, string Path) JobInput(JsonObject properties)
    {
        var inputs = OptionalObject(properties["inputData"], "properties.inputData")
            ?? throw Invalid("'properties.inputData' is required: {\"<name>\": {\"jobInputType\": \"UriFolder\", \"uri\": \"azureml://datastores/workspaceblobstore/paths/<folder>/\"}}.", "properties.inputData");
        if (inputs.Count != 1)
        {
            throw Invalid($"'properties.inputData' has {inputs.Count} inputs; a model deployment takes exactly one.", "properties.inputData");
        }
        var (name, node) = inputs.First();
        var target = $"properties.inputData.{name}";
        var input = OptionalObject(node, target) ?? throw Invalid($"'{target}' must be an object.", target);
        var typeText = OptionalString(input["jobInputType"], target + ".jobInputType") ?? throw Invalid($"'{target}.jobInputType' is required: UriFolder or UriFile.", target + ".jobInputType");
        var type = typeText.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() switch
        {
            "URIFOLDER" => "uri_folder",
            "URIFILE" => "uri_file",
            "MLTABLE" => "mltable",
            _ => throw Invalid($"'{target}.jobInputType' is '{typeText}'; the Emulator reads UriFolder, UriFile and MLTable inputs.", target + ".jobInputType"),
        };
        var uri = OptionalString(input["uri"], target + ".uri") ?? throw Invalid($"'{target}.uri' is required.", target + ".uri");
        var (datastore, path) = RemoteBatchEndpoints.ParseDatastoreUri(uri)
            ?? throw Invalid($"'{target}.uri' is '{uri}'; use azureml://datastores/{ArmEndpoints.DefaultDatastore}/paths/<path>.", target + ".uri");
        if (!string.Equals(datastore, ArmEndpoints.DefaultDatastore, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"'{target}.uri' names datastore '{datastore}'; the Emulator has one, '{ArmEndpoints.DefaultDatastore}'.", target + ".uri");
        }
        if (path.Split('/').Any(s => s is "." or ".."))
        {
            throw Invalid($"'{target}.uri' path '{path}' has '.' or '..' segments.", target + ".uri");
        }
        if (type == "uri_file" && path.EndsWith('/'))
        {
            throw Invalid($"'{target}.uri' names a folder ('{path}'), not a file; use UriFolder.", target + ".uri");
        }
        return (type, uri, path);
    }

    private static BatchDeploymentSpec Copy(BatchDeploymentSpec spec, string outputFileName)
    {
        var copy = new BatchDeploymentSpec(spec.Name, spec.ModelName, spec.ModelVersion)
        {
            MiniBatchSize = spec.MiniBatchSize,
            MaxConcurrency = spec.MaxConcurrency,
            ErrorThreshold = spec.ErrorThreshold,
            OutputFileName = outputFileName,
            Description = spec.Description,
        };
        try
        {
            copy.Validate();
        }
        catch (InvalidInputException ex)
        {
            throw Invalid(ex.Message, "properties.outputFileName");
        }
        return copy;
    }
}
