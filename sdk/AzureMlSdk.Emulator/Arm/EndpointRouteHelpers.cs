using System.Globalization;
using System.Text.Json.Nodes;
using static AzureMlSdk.Emulator.Arm.OnlineEndpointResources;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// What the online and batch endpoint routes share: route values, ARM's not-found and conflict errors, name, paging and location
/// checks, and the reply that starts a long-running operation.
/// </summary>
internal static class EndpointRouteHelpers
{
    public static string EndpointName(ArmEndpoints.ArmCall call) => call.Route("endpointName");

    public static string DeploymentName(ArmEndpoints.ArmCall call) => call.Route("deploymentName");

    /// <summary>ARM's 404 for <c>{collection}/{path}</c> under the call's workspace (<paramref name="collection"/>: <c>onlineEndpoints</c>, <c>batchEndpoints</c>).</summary>
    public static ArmException NotFound(ArmEndpoints.ArmCall call, string collection, string path) =>
        new(404, "ResourceNotFound", $"The Resource '{ArmEndpoints.Provider}/workspaces/{call.WorkspaceName}/{collection}/{path}' under resource group '{call.ResourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");

    public static ArmException BeingDeleted(string what) =>
        new(409, "Conflict", $"{what} is being deleted; wait for its delete operation to end.");

    public static ArmException LocationRequired() =>
        new(400, "LocationRequired", "The location property is required for this definition.", "location");

    /// <summary>
    /// A PUT's location: required for a new resource (<paramref name="existingLocation"/> null), and an existing one cannot move.
    /// </summary>
    public static void CheckLocation(string name, string? existingLocation, string? location)
    {
        if (existingLocation is null && string.IsNullOrWhiteSpace(location))
        {
            throw LocationRequired();
        }
        if (existingLocation is not null && location is not null && !string.Equals(Normalize(location), Normalize(existingLocation), StringComparison.Ordinal))
        {
            throw new ArmException(409, "InvalidResourceLocation", $"The resource '{name}' already exists in location '{existingLocation}'; a resource cannot move to '{location}'.", "location");
        }
    }

    public static void CheckName(string name, bool deployment)
    {
        try
        {
            if (deployment)
            {
                Validate.DeploymentName(name);
            }
            else
            {
                Validate.EndpointName(name);
            }
        }
        catch (InvalidInputException ex)
        {
            throw Invalid(ex.Message, deployment ? "deploymentName" : "endpointName");
        }
    }

    public static int? PositiveQueryInt(HttpContext c, string name)
    {
        var text = c.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw Invalid($"{name} '{text}' is not a positive whole number.", name);
    }

    /// <summary>The reply that starts an operation: 200/201 with the resource for a PUT, 202 with Location for the others.</summary>
    public static Task AcceptedAsync(ArmEndpoints.ArmCall call, ArmOperations operations, ArmOperation operation, int status, JsonObject? body)
    {
        operations.Announce(call.Context, operation, withLocation: status == 202);
        if (body is null)
        {
            call.Context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        return ArmEndpoints.WriteAsync(call.Context, status, body);
    }

    /// <summary>
    /// DELETE of an endpoint: marks it Deleting as a new generation and starts its delete operation (202), or answers 204 when
    /// there is nothing to delete.
    /// </summary>
    public static async Task DeleteEndpointAsync<TEndpoint>(ArmEndpoints.ArmCall call, JsonDocumentStore<TEndpoint> store, ArmOperations operations, Func<string, TEndpoint, ArmOperation> start)
        where TEndpoint : ArmResourceDocument
    {
        var name = EndpointName(call);
        var document = store.Change<TEndpoint?>(name, existing =>
        {
            if (existing is null)
            {
                return (null, null);
            }
            MarkDeleting(existing);
            return (existing, existing);
        });
        if (document is null)
        {
            call.Context.Response.StatusCode = 204; // ARM: nothing to delete
            return;
        }
        await AcceptedAsync(call, operations, start(name, document), 202, null).ConfigureAwait(false);
    }

    /// <summary>Marks an endpoint or deployment Deleting as a new generation (its delete operation settles it).</summary>
    public static void MarkDeleting(ArmResourceDocument document)
    {
        document.ProvisioningState = "Deleting";
        document.Generation++;
        document.ModifiedAt = DateTimeOffset.UtcNow;
    }

    // "West US 2" and "westus2" are one region.
    private static string Normalize(string location) => new string(location.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
}
