using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends;
using AzureMlSdk.Tests.Backends.Remote;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The Emulator's ARM online endpoint and deployment routes with a raw HttpClient: the long-running operation wire rules
/// (201/200 + Azure-AsyncOperation, 202 + Location, Retry-After, InProgress then a terminal status, 404 after a delete),
/// bodies checked against the 2026-07-01 spec, and the ErrorResponse of refused requests.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class OnlineEndpointWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string V = "?api-version=2026-07-01";

    private static readonly OpenApiValidator Spec = new(Path.Combine(AzureMlSdk.Tests.Backends.Remote.RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(AzureMlSdk.Tests.Backends.Remote.RestSpecFolder.Find(), "common-types"));

    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private string Endpoint(string name) => $"{EmulatorFixture.WorkspacePath(_ws)}/onlineEndpoints/{name}";

    private sealed record Reply(HttpStatusCode Status, JsonObject Body, HttpResponseHeaders Headers, string Raw)
    {
        public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

        public JsonElement Json => JsonDocument.Parse(Raw).RootElement;
    }

    private async Task<Reply> SendAsync(HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, raw.Length == 0 ? [] : JsonNode.Parse(raw) as JsonObject ?? [], response.Headers, raw);
    }

    private static object EndpointBody(string authMode = "Key", object? traffic = null, string? description = null) =>
        new { location = "local", tags = new { team = "wire" }, properties = new { authMode, description, traffic = traffic ?? new { } } };

    private object DeploymentBody(string model, int capacity = 1) => new
    {
        location = "local",
        sku = new { name = "Default", capacity },
        properties = new
        {
            endpointComputeType = "Managed",
            model,
            scaleSettings = new { scaleType = "Default" },
            requestSettings = new { maxConcurrentRequestsPerInstance = 2, requestTimeout = "PT5S" },
        },
    };

    private string ModelId(string name, int version) => $"{EmulatorFixture.WorkspacePath(_ws)}/models/{name}/versions/{version}";

    /// <summary>Polls an Azure-AsyncOperation URL until a terminal status; returns every status seen, and the last document.</summary>
    private async Task<(List<string> Statuses, Reply Last)> PollAsync(string statusUrl)
    {
        var statuses = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var poll = await SendAsync(HttpMethod.Get, statusUrl);
            Assert.Equal(HttpStatusCode.OK, poll.Status);
            var status = poll.Body["status"]!.GetValue<string>();
            statuses.Add(status);
            if (status != "InProgress")
            {
                return (statuses, poll);
            }
            Assert.NotNull(poll.Headers.RetryAfter);
        }
        throw new TimeoutException($"{statusUrl} stayed InProgress: {string.Join(", ", statuses)}");
    }

    private async Task<Reply> PutAndWaitAsync(string url, object body)
    {
        var put = await SendAsync(HttpMethod.Put, url + V, body);
        Assert.True(put.Status is HttpStatusCode.Created or HttpStatusCode.OK, put.Raw);
        var (statuses, _) = await PollAsync(put.Header("Azure-AsyncOperation")!);
        Assert.Equal("Succeeded", statuses[^1]);
        return put;
    }

    private static void AssertArmError(Reply reply, HttpStatusCode status, string code)
    {
        Assert.True(reply.Status == status, $"expected {(int)status} {code}, got {(int)reply.Status}: {reply.Raw}");
        Assert.Equal(code, reply.Body["error"]?["code"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(reply.Body["error"]?["message"]?.GetValue<string>()));
        Assert.Empty(Spec.Validate(reply.Json, Spec.Resolve("types.json#/definitions/ErrorResponse", Spec.Root).Schema, Spec.Resolve("types.json#/definitions/ErrorResponse", Spec.Root).Doc));
    }

    private static void AssertValid(Reply reply, string definition) =>
        Assert.Empty(Spec.Validate(reply.Json, Spec.Definition(definition).Schema, Spec.Root));

    [Fact]
    public async Task Endpoint_put_is_an_lro_seen_in_progress_then_succeeded_and_delete_answers_202_then_404()
    {
        var url = Endpoint("wire-ep");

        var put = await SendAsync(HttpMethod.Put, url + V, EndpointBody());

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal("Creating", put.Body["properties"]!["provisioningState"]!.GetValue<string>());
        AssertValid(put, "OnlineEndpoint");
        var statusUrl = new Uri(put.Header("Azure-AsyncOperation")!);
        Assert.Equal(emulator.BaseAddress.Authority, statusUrl.Authority);
        Assert.Contains("/mfeOperationsStatus/", statusUrl.AbsolutePath, StringComparison.Ordinal);
        Assert.NotNull(put.Headers.RetryAfter);
        Assert.Equal("PT1H", put.Header("x-ms-async-operation-timeout"));

        var (statuses, last) = await PollAsync(statusUrl.AbsoluteUri);

        Assert.Equal("InProgress", statuses[0]);
        Assert.Equal("Succeeded", statuses[^1]);
        Assert.Empty(Spec.Validate(last.Json, Spec.Resolve("types.json#/definitions/OperationStatusResult", Spec.Root).Schema, Spec.Resolve("types.json#/definitions/OperationStatusResult", Spec.Root).Doc));
        var get = await SendAsync(HttpMethod.Get, url + V);
        Assert.Equal(HttpStatusCode.OK, get.Status);
        AssertValid(get, "OnlineEndpoint");
        var p = get.Body["properties"]!;
        Assert.Equal("Succeeded", p["provisioningState"]!.GetValue<string>());
        Assert.Equal("Key", p["authMode"]!.GetValue<string>());
        var scoringUri = new Uri(p["scoringUri"]!.GetValue<string>());
        Assert.Equal(("127.0.0.1", "/score"), (scoringUri.Host, scoringUri.AbsolutePath));
        Assert.EndsWith("/swagger.json", p["swaggerUri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal($"{EmulatorFixture.WorkspacePath(_ws)}/onlineEndpoints/wire-ep", get.Body["id"]!.GetValue<string>());
        Assert.Null(p["keys"]);

        // An update is a 200 with its own operation; PATCH is a 202 whose Location ends with the resource.
        var update = await SendAsync(HttpMethod.Put, url + V, EndpointBody(description: "second"));
        Assert.Equal(HttpStatusCode.OK, update.Status);
        Assert.Equal("Updating", update.Body["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("Succeeded", (await PollAsync(update.Header("Azure-AsyncOperation")!)).Statuses[^1]);
        var patch = await SendAsync(HttpMethod.Patch, url + V, new { tags = new { team = "patched" } });
        Assert.Equal(HttpStatusCode.Accepted, patch.Status);
        Assert.NotNull(patch.Headers.RetryAfter);
        var patched = await FollowLocationAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal("patched", patched.Body["tags"]!["team"]!.GetValue<string>());
        Assert.Equal("second", patched.Body["properties"]!["description"]!.GetValue<string>());

        var delete = await SendAsync(HttpMethod.Delete, url + V);

        Assert.Equal(HttpStatusCode.Accepted, delete.Status);
        Assert.Contains("/mfeOperationResults/", delete.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("/mfeOperationsStatus/", delete.Header("Azure-AsyncOperation"), StringComparison.Ordinal);
        Assert.NotNull(delete.Headers.RetryAfter);
        var result = await FollowLocationAsync(delete);
        Assert.Equal(HttpStatusCode.OK, result.Status);
        AssertArmError(await SendAsync(HttpMethod.Get, url + V), HttpStatusCode.NotFound, "ResourceNotFound");
        using (var http = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(scoringUri, "/liveness")));
        }
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, url + V)).Status);
        Assert.Equal("Succeeded", (await SendAsync(HttpMethod.Get, statusUrl.AbsoluteUri)).Body["status"]!.GetValue<string>());
    }

    /// <summary>Follows a 202's Location until it stops answering 202 (the first look always answers 202).</summary>
    private async Task<Reply> FollowLocationAsync(Reply accepted)
    {
        var location = accepted.Headers.Location!.AbsoluteUri;
        var looks = 0;
        for (var i = 0; i < 200; i++)
        {
            var reply = await SendAsync(HttpMethod.Get, location);
            looks++;
            if (reply.Status != HttpStatusCode.Accepted)
            {
                Assert.True(looks > 1, "the operation's first look must be in progress");
                return reply;
            }
            Assert.NotNull(reply.Headers.RetryAfter);
        }
        throw new TimeoutException($"{location} kept answering 202.");
    }

    [Fact]
    public async Task Deployments_serve_a_registered_model_refuse_deletion_while_they_have_traffic_and_fail_for_an_unknown_model()
    {
        await using (var ws = await emulator.OpenAsync(_ws))
        {
            var file = Path.Combine(Path.GetTempPath(), "wire-" + Guid.NewGuid().ToString("N") + ".onnx");
            await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
            await ws.RegisterModelAsync("wire-linear", file);
            File.Delete(file);
        }
        var ep = Endpoint("wire-dep");
        await PutAndWaitAsync(ep, EndpointBody());

        var put = await SendAsync(HttpMethod.Put, ep + "/deployments/blue" + V, DeploymentBody("azureml:" + ModelId("wire-linear", 1), capacity: 2));
        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal("Creating", put.Body["properties"]!["provisioningState"]!.GetValue<string>());
        AssertValid(put, "OnlineDeployment");
        var (statuses, _) = await PollAsync(put.Header("Azure-AsyncOperation")!);
        Assert.Equal(["InProgress", "Succeeded"], statuses.Distinct());
        var blue = await SendAsync(HttpMethod.Get, ep + "/deployments/blue" + V);
        AssertValid(blue, "OnlineDeployment");
        Assert.Equal(("Succeeded", 2), (blue.Body["properties"]!["provisioningState"]!.GetValue<string>(), blue.Body["sku"]!["capacity"]!.GetValue<int>()));

        // An unknown model is found missing by the operation: it ends Failed, and so does the deployment.
        var ghost = await SendAsync(HttpMethod.Put, ep + "/deployments/ghost" + V, DeploymentBody("azureml:ghost-model:3"));
        Assert.Equal(HttpStatusCode.Created, ghost.Status);
        var (ghostStatuses, failed) = await PollAsync(ghost.Header("Azure-AsyncOperation")!);
        Assert.Equal("Failed", ghostStatuses[^1]);
        Assert.Equal("UserError", failed.Body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("ghost-model", failed.Body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Failed", (await SendAsync(HttpMethod.Get, ep + "/deployments/ghost" + V)).Body["properties"]!["provisioningState"]!.GetValue<string>());

        // Requests that cannot be right are refused at once.
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, DeploymentBody("not-a-model-reference")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, DeploymentBody($"/subscriptions/{Guid.Empty}/resourceGroups/other/providers/Microsoft.MachineLearningServices/workspaces/other/models/m/versions/1")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, new { properties = new { endpointComputeType = "Managed", model = ModelId("wire-linear", 1) } }), HttpStatusCode.BadRequest, "LocationRequired");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, new { location = "local", properties = new { endpointComputeType = "Managed", model = ModelId("wire-linear", 1), codeConfiguration = new { codeId = "x", scoringScript = "score.py" } } }), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, Endpoint("wire-none") + "/deployments/blue" + V, DeploymentBody(ModelId("wire-linear", 1))), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, EndpointBody(traffic: new { nobody = 100 })), HttpStatusCode.BadRequest, "ValidationError");
        var toFailed = await SendAsync(HttpMethod.Put, ep + V, EndpointBody(traffic: new { ghost = 100 }));
        AssertArmError(toFailed, HttpStatusCode.BadRequest, "ValidationError");
        Assert.Contains("Failed", toFailed.Body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, EndpointBody(traffic: new { blue = 60 })), HttpStatusCode.BadRequest, "ValidationError");

        var traffic = await PutAndWaitAsync(ep, EndpointBody(traffic: new { blue = 100 }));
        Assert.Equal(HttpStatusCode.OK, traffic.Status);
        var keys = await SendAsync(HttpMethod.Post, ep + "/listKeys" + V);
        AssertValid(keys, "EndpointAuthKeys");
        var primary = keys.Body["primaryKey"]!.GetValue<string>();
        var scoringUri = (await SendAsync(HttpMethod.Get, ep + V)).Body["properties"]!["scoringUri"]!.GetValue<string>();
        var (scored, reply) = await ScoreAsync(scoringUri, primary);
        Assert.Equal(HttpStatusCode.OK, scored);
        Assert.Equal(6.5, JsonNode.Parse(reply)!["predictions"]![0]![0]!.GetValue<double>());

        var refused = await SendAsync(HttpMethod.Delete, ep + "/deployments/blue" + V);
        AssertArmError(refused, HttpStatusCode.BadRequest, "UserError");
        Assert.Contains("traffic", refused.Body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, ep + "/deployments/nobody" + V)).Status);

        var logs = await SendAsync(HttpMethod.Post, ep + "/deployments/blue/getLogs" + V, new { containerType = "InferenceServer", tail = 50 });
        AssertValid(logs, "DeploymentLogs");
        Assert.Contains("wire-linear:1", logs.Body["content"]!.GetValue<string>(), StringComparison.Ordinal);
        var storage = await SendAsync(HttpMethod.Post, ep + "/deployments/blue/getLogs" + V, new { containerType = "StorageInitializer" });
        Assert.Contains("wire-linear:1", storage.Body["content"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertArmError(await SendAsync(HttpMethod.Post, ep + "/deployments/nobody/getLogs" + V, new { tail = 5 }), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Post, ep + "/token" + V), HttpStatusCode.BadRequest, "UserError");

        // Regenerating a key is a 202 operation; once it ends, listKeys gives the key the scoring host checks.
        var regenerate = await SendAsync(HttpMethod.Post, ep + "/regenerateKeys" + V, new { keyType = "Primary" });
        Assert.Equal(HttpStatusCode.Accepted, regenerate.Status);
        Assert.NotNull(regenerate.Header("Azure-AsyncOperation"));
        Assert.Equal(HttpStatusCode.OK, (await FollowLocationAsync(regenerate)).Status);
        var fresh = (await SendAsync(HttpMethod.Post, ep + "/listKeys" + V)).Body["primaryKey"]!.GetValue<string>();
        Assert.NotEqual(primary, fresh);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ScoreAsync(scoringUri, primary)).Status);
        Assert.Equal(HttpStatusCode.OK, (await ScoreAsync(scoringUri, fresh)).Status);

        // PATCH scales a deployment (sku.capacity): 202, and its Location ends with the deployment as it now is.
        var scale = await SendAsync(HttpMethod.Patch, ep + "/deployments/blue" + V, new { sku = new { capacity = 3 }, tags = new { size = "large" } });
        Assert.Equal(HttpStatusCode.Accepted, scale.Status);
        var scaled = await FollowLocationAsync(scale);
        AssertValid(scaled, "OnlineDeployment");
        Assert.Equal((3, "Succeeded", "large"), (scaled.Body["sku"]!["capacity"]!.GetValue<int>(), scaled.Body["properties"]!["provisioningState"]!.GetValue<string>(), scaled.Body["tags"]!["size"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, (await ScoreAsync(scoringUri, fresh)).Status);

        var list = await SendAsync(HttpMethod.Get, ep + "/deployments" + V);
        Assert.Equal(["blue", "ghost"], list.Body["value"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        AssertValid(list, "OnlineDeploymentTrackedResourceArmPaginatedResult");
    }

    private static async Task<(HttpStatusCode Status, string Body)> ScoreAsync(string scoringUri, string key)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, scoringUri)
        {
            Content = new StringContent("""{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_requests_get_arm_errors_and_listings_page_with_next_link()
    {
        var ep = Endpoint("wire-err");
        AssertArmError(await SendAsync(HttpMethod.Get, ep), HttpStatusCode.BadRequest, "MissingApiVersionParameter");
        AssertArmError(await SendAsync(HttpMethod.Get, ep + "?api-version=2019-01-01"), HttpStatusCode.BadRequest, "InvalidApiVersionParameter");
        AssertArmError(await SendAsync(HttpMethod.Get, ep + V), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Get, ep + "/deployments/blue" + V), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Post, ep + "/listKeys" + V), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Get, $"/subscriptions/{WorkspaceInfo.LocalSubscriptionId}/providers/Microsoft.MachineLearningServices/locations/local/mfeOperationsStatus/{Guid.NewGuid()}" + V), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Put, Endpoint("1-bad-name") + V, EndpointBody()), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, EndpointBody(authMode: "Bogus")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, new { location = "local" }), HttpStatusCode.BadRequest, "InvalidRequestContent");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, new { properties = new { authMode = "Key" } }), HttpStatusCode.BadRequest, "LocationRequired");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + V, EndpointBody(traffic: new { blue = 100 })), HttpStatusCode.BadRequest, "ValidationError");

        await PutAndWaitAsync(Endpoint("wire-a"), EndpointBody(authMode: "AMLToken"));
        await PutAndWaitAsync(Endpoint("wire-b"), EndpointBody());
        var token = await SendAsync(HttpMethod.Post, Endpoint("wire-a") + "/token" + V);
        AssertValid(token, "EndpointAuthToken");
        Assert.True(token.Body["expiryTimeUtc"]!.GetValue<long>() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        AssertArmError(await SendAsync(HttpMethod.Post, Endpoint("wire-a") + "/listKeys" + V), HttpStatusCode.BadRequest, "UserError");

        var first = await SendAsync(HttpMethod.Get, $"{EmulatorFixture.WorkspacePath(_ws)}/onlineEndpoints{V}&count=1");
        AssertValid(first, "OnlineEndpointTrackedResourceArmPaginatedResult");
        var next = first.Body["nextLink"]!.GetValue<string>();
        var second = await SendAsync(HttpMethod.Get, next);
        Assert.Equal(["wire-a", "wire-b"], first.Body["value"]!.AsArray().Concat(second.Body["value"]!.AsArray()).Select(e => e!["name"]!.GetValue<string>()));
        Assert.Null(second.Body["nextLink"]);
    }
}
