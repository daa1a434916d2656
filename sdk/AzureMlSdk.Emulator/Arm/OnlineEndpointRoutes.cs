using System.Globalization;
using System.Text.Json.Nodes;
using static AzureMlSdk.Emulator.Arm.EndpointRouteHelpers;
using static AzureMlSdk.Emulator.Arm.OnlineEndpointResources;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// ARM online endpoints and deployments (<c>OnlineEndpoints_*</c>, <c>OnlineDeployments_*</c>, api-version 2026-07-01) over
/// <see cref="EmulatorEndpointHosting"/>. Changes are long-running operations as the spec declares them: PUT answers 201 (create)
/// or 200 (update) with <c>Azure-AsyncOperation</c>; PATCH, DELETE and regenerateKeys answer 202 with <c>Location</c> (and
/// <c>Azure-AsyncOperation</c>); each carries <c>Retry-After</c>. The request is checked at once (400 <c>ValidationError</c>);
/// the hosting work runs in the background and a failure ends the operation Failed with its error.
/// </summary>
internal static class OnlineEndpointRoutes
{
    private const string Endpoints = ArmEndpoints.Ws + "/onlineEndpoints";
    private const string Endpoint = Endpoints + "/{endpointName}";
    private const string Deployments = Endpoint + "/deployments";
    private const string Deployment = Deployments + "/{deploymentName}";

    private delegate Task Handler(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints);

    public static void Map(WebApplication app, WorkspaceRegistry registry, EmulatorEndpointHosting hosting)
    {
        void Route(string method, string pattern, Handler handler) =>
            app.MapMethods(pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, call => handler(call, hosting.For(call.Workspace))));

        Route("GET", Endpoints, ListEndpointsAsync);
        Route("GET", Endpoint, GetEndpointAsync);
        Route("PUT", Endpoint, PutEndpointAsync);
        Route("PATCH", Endpoint, PatchEndpointAsync);
        Route("DELETE", Endpoint, DeleteEndpointAsync);
        Route("POST", Endpoint + "/listKeys", ListKeysAsync);
        Route("POST", Endpoint + "/regenerateKeys", RegenerateKeysAsync);
        Route("POST", Endpoint + "/token", TokenAsync);
        Route("GET", Deployments, ListDeploymentsAsync);
        Route("GET", Deployment, GetDeploymentAsync);
        Route("PUT", Deployment, PutDeploymentAsync);
        Route("PATCH", Deployment, PatchDeploymentAsync);
        Route("DELETE", Deployment, DeleteDeploymentAsync);
        Route("POST", Deployment + "/getLogs", GetLogsAsync);
        hosting.Operations.Map(app);
    }

    // ------------------------------------------------------------------ helpers

    private static ArmException EndpointNotFound(ArmEndpoints.ArmCall call, string name) => NotFound(call, "onlineEndpoints", name);

    private static ArmException DeploymentNotFound(ArmEndpoints.ArmCall call, string endpoint, string name) => NotFound(call, "onlineEndpoints", $"{endpoint}/deployments/{name}");

    private static EndpointDocument RequireEndpoint(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints) =>
        endpoints.Store.Get(EndpointName(call)) ?? throw EndpointNotFound(call, EndpointName(call));

    private static Task AcceptedAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints, ArmOperation operation, int status, JsonObject? body) =>
        EndpointRouteHelpers.AcceptedAsync(call, endpoints.Operations, operation, status, body);

    // ------------------------------------------------------------------ endpoints

    private static Task ListEndpointsAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var q = call.Context.Request.Query;
        var name = q["name"].ToString();
        var computeType = q["computeType"].ToString();
        var tags = q["tags"].ToString();
        var properties = q["properties"].ToString();
        var orderBy = q["orderBy"].ToString();
        var count = PositiveQueryInt(call.Context, "count");
        IEnumerable<EndpointDocument> documents = endpoints.Store.List()
            .Where(d => name.Length == 0 || string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            .Where(d => computeType.Length == 0 || string.Equals(computeType, "Managed", StringComparison.OrdinalIgnoreCase))
            .Where(d => tags.Length == 0 || ArmEndpoints.MatchesPairs(d.Resource["tags"] as JsonObject, tags))
            .Where(d => properties.Length == 0 || ArmEndpoints.MatchesPairs(d.Resource["properties"]?["properties"] as JsonObject, properties));
        documents = orderBy.ToUpperInvariant() switch
        {
            "" => documents,
            "CREATEDATDESC" => documents.OrderByDescending(d => d.CreatedAt),
            "CREATEDATASC" => documents.OrderBy(d => d.CreatedAt),
            "UPDATEDATDESC" => documents.OrderByDescending(d => d.ModifiedAt),
            "UPDATEDATASC" => documents.OrderBy(d => d.ModifiedAt),
            _ => throw Invalid($"orderBy '{orderBy}' is not one of CreatedAtDesc, CreatedAtAsc, UpdatedAtDesc, UpdatedAtAsc.", "orderBy"),
        };
        return ArmEndpoints.PageAsync(call.Context, documents.Select(d => (JsonNode)OnlineEndpointResources.Endpoint(call.Workspace, d)).ToList(), pageSize: count);
    }

    private static Task GetEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints) =>
        ArmEndpoints.WriteAsync(call.Context, 200, OnlineEndpointResources.Endpoint(call.Workspace, RequireEndpoint(call, endpoints)));

    private static async Task PutEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var name = EndpointName(call);
        CheckName(name, deployment: false);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = ArmEndpoints.PropertiesOf(body);
        var authMode = AuthMode(properties["authMode"]);
        var location = OptionalString(body["location"], "location");
        var initialKeys = OptionalObject(properties["keys"], "properties.keys");
        var now = DateTimeOffset.UtcNow;

        var (document, created) = endpoints.Store.Change(name, existing =>
        {
            if (existing?.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Endpoint '{name}'");
            }
            CheckLocation(name, existing?.Location, location);
            var traffic = Traffic(properties["traffic"], name, existing?.Deployments ?? [], existing?.Traffic ?? []);
            var resource = EndpointResource(body, properties, authMode, traffic, existing?.Location ?? location!);
            var document = existing ?? new EndpointDocument
            {
                Name = name,
                CreatedAt = now,
                PrimaryKey = OptionalString(initialKeys?["primaryKey"], "properties.keys.primaryKey") is { Length: > 0 } primary ? primary : NewKey(),
                SecondaryKey = OptionalString(initialKeys?["secondaryKey"], "properties.keys.secondaryKey") is { Length: > 0 } secondary ? secondary : NewKey(),
            };
            document.Resource = resource;
            document.ModifiedAt = now;
            document.Generation++;
            document.ProvisioningState = existing is null ? "Creating" : "Updating";
            return (document, (document, existing is null));
        });
        var generation = document.Generation;
        var operation = endpoints.Start(name, document.Location, ct => endpoints.ProvisionEndpointAsync(name, generation, ct));
        await AcceptedAsync(call, endpoints, operation, created ? 201 : 200, OnlineEndpointResources.Endpoint(call.Workspace, document)).ConfigureAwait(false);
    }

    private static async Task PatchEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var name = EndpointName(call);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var tags = StringMap(body["tags"], "tags");
        var identity = OptionalObject(body["identity"], "identity");
        var document = endpoints.Store.Change(name, existing =>
        {
            if (existing is null)
            {
                throw EndpointNotFound(call, name);
            }
            if (existing.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Endpoint '{name}'");
            }
            if (tags is not null)
            {
                existing.Resource["tags"] = tags.DeepClone();
            }
            if (identity is not null)
            {
                var probe = new JsonObject();
                CopyTrackedFields(new JsonObject { ["identity"] = identity.DeepClone() }, probe);
                existing.Resource["identity"] = probe["identity"]!.DeepClone();
            }
            existing.ModifiedAt = DateTimeOffset.UtcNow;
            existing.Generation++;
            existing.ProvisioningState = "Updating";
            return (existing, existing);
        });
        var generation = document.Generation;
        var operation = endpoints.Start(name, document.Location, ct => endpoints.ProvisionEndpointAsync(name, generation, ct),
            () => endpoints.Store.Get(name) is { } now ? OnlineEndpointResources.Endpoint(call.Workspace, now) : null);
        await AcceptedAsync(call, endpoints, operation, 202, null).ConfigureAwait(false);
    }

    private static Task DeleteEndpointAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints) =>
        EndpointRouteHelpers.DeleteEndpointAsync(call, endpoints.Store, endpoints.Operations,
            (name, document) => endpoints.Start(name, document.Location, ct => endpoints.DeleteEndpointAsync(name, ct)));

    private static Task ListKeysAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        if (document.AuthMode != "Key")
        {
            throw new ArmException(400, "UserError", document.AuthMode == "AADToken"
                ? $"Endpoint '{document.Name}' authenticates with AADToken: callers present their own Microsoft Entra token; it has no keys."
                : $"Endpoint '{document.Name}' authenticates with {document.AuthMode}, not keys; use the token operation.");
        }
        return ArmEndpoints.WriteAsync(call.Context, 200, new JsonObject { ["primaryKey"] = document.PrimaryKey, ["secondaryKey"] = document.SecondaryKey });
    }

    private static async Task RegenerateKeysAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var keyTypeText = OptionalString(body["keyType"], "keyType") ?? throw Invalid("'keyType' is required: Primary or Secondary.", "keyType");
        var keyType = keyTypeText.ToUpperInvariant() switch
        {
            "PRIMARY" => EndpointKeyType.Primary,
            "SECONDARY" => EndpointKeyType.Secondary,
            _ => throw Invalid($"'keyType' is '{keyTypeText}'; use Primary or Secondary.", "keyType"),
        };
        var keyValue = OptionalString(body["keyValue"], "keyValue");
        if (keyValue is { Length: 0 })
        {
            throw Invalid("'keyValue' is empty; give a key or leave it out to have one generated.", "keyValue");
        }
        if (document.AuthMode != "Key")
        {
            throw new ArmException(400, "UserError", $"Endpoint '{document.Name}' authenticates with {document.AuthMode}, not keys; it has none to regenerate.");
        }
        if (document.ProvisioningState == "Deleting")
        {
            throw BeingDeleted($"Endpoint '{document.Name}'");
        }
        var operation = endpoints.Start(document.Name, document.Location, ct => endpoints.RegenerateKeyAsync(document.Name, keyType, keyValue, ct));
        await AcceptedAsync(call, endpoints, operation, 202, null).ConfigureAwait(false);
    }

    private static async Task TokenAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        if (document.AuthMode != "AMLToken")
        {
            throw new ArmException(400, "UserError", document.AuthMode == "AADToken"
                ? $"Endpoint '{document.Name}' authenticates with AADToken: callers present their own Microsoft Entra token, not one from this operation."
                : $"Endpoint '{document.Name}' authenticates with {document.AuthMode}, not AML tokens; use listKeys.");
        }
        EndpointToken token;
        try
        {
            token = await endpoints.Local.GetTokenAsync(document.Name, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ResourceNotFoundException or InvalidStateException)
        {
            throw new ArmException(409, "Conflict", $"Endpoint '{document.Name}' is {document.ProvisioningState} and serves no requests yet; ask for a token once it is Succeeded.");
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, new JsonObject
        {
            ["accessToken"] = token.AccessToken,
            ["tokenType"] = "Bearer",
            ["expiryTimeUtc"] = token.ExpiresOn.ToUnixTimeSeconds(),
            ["refreshAfterTimeUtc"] = token.RefreshAfter.ToUnixTimeSeconds(),
        }).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ deployments

    private static Task ListDeploymentsAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        var top = PositiveQueryInt(call.Context, "$top");
        var items = document.Deployments.Values.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)
            .Select(d => (JsonNode)OnlineEndpointResources.Deployment(call.Workspace, document, d)).ToList();
        return ArmEndpoints.PageAsync(call.Context, items, top);
    }

    private static Task GetDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        var name = DeploymentName(call);
        var deployment = document.Deployments.GetValueOrDefault(name) ?? throw DeploymentNotFound(call, document.Name, name);
        return ArmEndpoints.WriteAsync(call.Context, 200, OnlineEndpointResources.Deployment(call.Workspace, document, deployment));
    }

    private static async Task PutDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var endpointName = EndpointName(call);
        var name = DeploymentName(call);
        CheckName(name, deployment: true);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var properties = ArmEndpoints.PropertiesOf(body);
        var location = OptionalString(body["location"], "location");
        var now = DateTimeOffset.UtcNow;

        var (endpoint, deployment, created) = endpoints.Store.Change(endpointName, existing =>
        {
            if (existing is null)
            {
                throw EndpointNotFound(call, endpointName);
            }
            if (existing.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Endpoint '{existing.Name}'");
            }
            var previous = existing.Deployments.GetValueOrDefault(name);
            if (previous?.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Deployment '{existing.Name}/{previous.Name}'");
            }
            if (previous is null && string.IsNullOrWhiteSpace(location))
            {
                throw LocationRequired();
            }
            var resource = DeploymentResource(body, properties, previous?.Resource["location"]?.GetValue<string>() ?? location!, call.Workspace, name);
            var deployment = previous ?? new DeploymentDocument { Name = name, CreatedAt = now };
            deployment.Resource = resource;
            deployment.ModifiedAt = now;
            deployment.Generation++;
            deployment.ProvisioningState = previous is null ? "Creating" : "Updating";
            deployment.Error = null;
            existing.Deployments[deployment.Name] = deployment;
            return (existing, (existing, deployment, previous is null));
        });
        var generation = deployment.Generation;
        var operation = endpoints.Start(endpoint.Name, endpoint.Location, ct => endpoints.ProvisionDeploymentAsync(endpoint.Name, deployment.Name, generation, ct));
        await AcceptedAsync(call, endpoints, operation, created ? 201 : 200, OnlineEndpointResources.Deployment(call.Workspace, endpoint, deployment)).ConfigureAwait(false);
    }

    private static async Task PatchDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var endpointName = EndpointName(call);
        var name = DeploymentName(call);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        var tags = StringMap(body["tags"], "tags");
        var sku = OptionalObject(body["sku"], "sku");
        var capacity = OptionalInt(sku?["capacity"], "sku.capacity");
        if (capacity is < 1)
        {
            throw Invalid($"'sku.capacity' is {capacity}; a deployment needs at least 1 instance.", "sku.capacity");
        }
        var (endpoint, deployment) = endpoints.Store.Change(endpointName, existing =>
        {
            if (existing is null)
            {
                throw EndpointNotFound(call, endpointName);
            }
            var deployment = existing.Deployments.GetValueOrDefault(name) ?? throw DeploymentNotFound(call, existing.Name, name);
            if (existing.ProvisioningState == "Deleting" || deployment.ProvisioningState == "Deleting")
            {
                throw BeingDeleted($"Deployment '{existing.Name}/{deployment.Name}'");
            }
            if (tags is not null)
            {
                deployment.Resource["tags"] = tags.DeepClone();
            }
            var scaling = false;
            if (sku is not null)
            {
                var kept = deployment.Resource["sku"] as JsonObject ?? new JsonObject { ["name"] = "Default" };
                foreach (var (field, value) in sku)
                {
                    kept[field] = value?.DeepClone();
                }
                scaling = capacity is not null && capacity != (deployment.Resource["sku"]?["capacity"]?.GetValue<int>() ?? 1);
                deployment.Resource["sku"] = kept;
            }
            deployment.ModifiedAt = DateTimeOffset.UtcNow;
            deployment.Generation++;
            deployment.ProvisioningState = scaling ? "Scaling" : "Updating";
            return (existing, (existing, deployment));
        });
        var generation = deployment.Generation;
        var operation = endpoints.Start(endpoint.Name, endpoint.Location, ct => endpoints.ProvisionDeploymentAsync(endpoint.Name, deployment.Name, generation, ct),
            () => endpoints.Store.Get(endpoint.Name) is { } now && now.Deployments.GetValueOrDefault(deployment.Name) is { } d ? OnlineEndpointResources.Deployment(call.Workspace, now, d) : null);
        await AcceptedAsync(call, endpoints, operation, 202, null).ConfigureAwait(false);
    }

    private static async Task DeleteDeploymentAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var endpointName = EndpointName(call);
        var name = DeploymentName(call);
        var (endpoint, deployment) = endpoints.Store.Change(endpointName, existing =>
        {
            if (existing is null)
            {
                throw EndpointNotFound(call, endpointName);
            }
            if (existing.Deployments.GetValueOrDefault(name) is not { } deployment)
            {
                return (existing, (existing, ((DeploymentDocument, string)?)null));
            }
            var share = existing.Traffic.GetValueOrDefault(deployment.Name);
            if (share > 0)
            {
                throw new ArmException(400, "UserError",
                    $"Deployment '{deployment.Name}' of endpoint '{existing.Name}' still receives {share}% of the traffic; set its traffic to 0 (update the endpoint's traffic) before deleting it.", "deploymentName");
            }
            var before = deployment.ProvisioningState;
            MarkDeleting(deployment);
            return (existing, (existing, (deployment, before)));
        });
        if (deployment is not { } found)
        {
            call.Context.Response.StatusCode = 204; // ARM: nothing to delete
            return;
        }
        var (doomed, before) = found;
        var operation = endpoints.Start(endpoint.Name, endpoint.Location, ct => endpoints.DeleteDeploymentAsync(endpoint.Name, doomed.Name, doomed.Generation, before, ct));
        await AcceptedAsync(call, endpoints, operation, 202, null).ConfigureAwait(false);
    }

    private static async Task GetLogsAsync(ArmEndpoints.ArmCall call, WorkspaceEndpoints endpoints)
    {
        var document = RequireEndpoint(call, endpoints);
        var name = DeploymentName(call);
        var deployment = document.Deployments.GetValueOrDefault(name) ?? throw DeploymentNotFound(call, document.Name, name);
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: false).ConfigureAwait(false);
        var container = OptionalString(body["containerType"], "containerType") ?? "InferenceServer";
        var tail = OptionalInt(body["tail"], "tail") ?? 5000;
        if (tail < 0)
        {
            throw Invalid($"'tail' is {tail}; give 0 or more lines.", "tail");
        }
        string content;
        switch (container.ToUpperInvariant())
        {
            case "INFERENCESERVER":
                try
                {
                    content = tail == 0 ? string.Empty : await endpoints.Local.GetLogsAsync(document.Name, deployment.Name, tail, call.Context.RequestAborted).ConfigureAwait(false);
                }
                catch (ResourceNotFoundException)
                {
                    // Not hosted in this Emulator process (it failed before a restart): what is known of it.
                    content = deployment.Error is null ? string.Empty : $"ERROR {deployment.Error}";
                }
                break;
            case "STORAGEINITIALIZER":
                var spec = DeploymentSpec(call.Workspace, deployment.Name, deployment.Resource);
                content = endpoints.Models.LogOf(spec.ModelName, spec.ModelVersion.ToString(CultureInfo.InvariantCulture), tail);
                break;
            default:
                throw Invalid($"'containerType' is '{container}'; use InferenceServer or StorageInitializer.", "containerType");
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, new JsonObject { ["content"] = content }).ConfigureAwait(false);
    }
}
