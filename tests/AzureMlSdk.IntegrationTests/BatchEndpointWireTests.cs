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
/// The Emulator's ARM batch endpoint, deployment and job routes, its invocation route and run history's details with a raw HttpClient:
/// the long-running operation wire rules, bodies checked against the 2026-07-01 spec, and the ErrorResponse of refused requests.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class BatchEndpointWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string V = "?api-version=2026-07-01";

    private static readonly OpenApiValidator Spec = new(Path.Combine(AzureMlSdk.Tests.Backends.Remote.RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(AzureMlSdk.Tests.Backends.Remote.RestSpecFolder.Find(), "common-types"));

    private string _ws = null!;

    public async Task InitializeAsync()
    {
        _ws = await emulator.CreateWorkspaceAsync();
        await using var ws = await emulator.OpenAsync(_ws);
        var file = Path.Combine(Path.GetTempPath(), "wire-" + Guid.NewGuid().ToString("N") + ".onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        await ws.RegisterModelAsync("wire-blinear", file);
        File.Delete(file);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string WsPath => EmulatorFixture.WorkspacePath(_ws);

    private string Endpoint(string name) => $"{WsPath}/batchEndpoints/{name}";

    private string ModelId(string name, int version) => $"{WsPath}/models/{name}/versions/{version}";

    private sealed record Reply(HttpStatusCode Status, JsonObject Body, HttpResponseHeaders Headers, string Raw)
    {
        public string? Header(string name) => Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

        public JsonElement Json => JsonDocument.Parse(Raw).RootElement;
    }

    private async Task<Reply> SendAsync(HttpMethod method, string url, object? body = null, bool authenticated = true, string? deployment = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(emulator.BaseAddress, url));
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
        }
        if (deployment is not null)
        {
            request.Headers.Add("azureml-model-deployment", deployment);
        }
        using var response = await Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, raw.Length == 0 ? [] : JsonNode.Parse(raw) as JsonObject ?? [], response.Headers, raw);
    }

    /// <summary>A client without default headers: each request says whether it carries the Emulator's token.</summary>
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    private static object EndpointBody(string authMode = "AADToken", string? defaultDeployment = null) =>
        new { location = "local", tags = new { team = "wire" }, properties = new { authMode, description = "wire", defaults = new { deploymentName = defaultDeployment } } };

    private object DeploymentBody(string modelId, object? extra = null)
    {
        var properties = new JsonObject { ["model"] = new JsonObject { ["referenceType"] = "Id", ["assetId"] = modelId }, ["miniBatchSize"] = 2, ["outputFileName"] = "out.jsonl" };
        foreach (var (key, value) in JsonSerializer.SerializeToNode(extra ?? new { })!.AsObject())
        {
            properties[key] = value?.DeepClone();
        }
        return new JsonObject { ["location"] = "local", ["properties"] = properties }.ToJsonString();
    }

    /// <summary>Polls an Azure-AsyncOperation URL until a terminal status; returns every status seen, and the last document.</summary>
    private async Task<(List<string> Statuses, Reply Last)> PollAsync(string statusUrl)
    {
        var statuses = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var poll = await SendAsync(HttpMethod.Get, statusUrl);
            Assert.Equal(HttpStatusCode.OK, poll.Status);
            statuses.Add(poll.Body["status"]!.GetValue<string>());
            if (statuses[^1] != "InProgress")
            {
                return (statuses, poll);
            }
        }
        throw new TimeoutException($"{statusUrl} stayed InProgress.");
    }

    private async Task<Reply> PutAndWaitAsync(string url, object body)
    {
        var put = await SendAsync(HttpMethod.Put, url + V, body);
        Assert.True(put.Status is HttpStatusCode.Created or HttpStatusCode.OK, put.Raw);
        Assert.Equal("Succeeded", (await PollAsync(put.Header("Azure-AsyncOperation")!)).Statuses[^1]);
        return put;
    }

    /// <summary>Follows a 202's Location until it stops answering 202.</summary>
    private async Task<Reply> FollowLocationAsync(Reply accepted)
    {
        Assert.Equal(HttpStatusCode.Accepted, accepted.Status);
        Assert.NotNull(accepted.Headers.RetryAfter);
        for (var i = 0; i < 200; i++)
        {
            var reply = await SendAsync(HttpMethod.Get, accepted.Headers.Location!.AbsoluteUri);
            if (reply.Status != HttpStatusCode.Accepted)
            {
                return reply;
            }
        }
        throw new TimeoutException("The operation kept answering 202.");
    }

    /// <summary>Reads a job through ARM until it has ended.</summary>
    private async Task<Reply> JobWhenEndedAsync(string name)
    {
        for (var i = 0; i < 100; i++)
        {
            var job = await SendAsync(HttpMethod.Get, $"{WsPath}/jobs/{name}{V}");
            Assert.Equal(HttpStatusCode.OK, job.Status);
            if (job.Body["properties"]!["status"]!.GetValue<string>() is "Completed" or "Failed" or "Canceled")
            {
                return job;
            }
            Assert.NotNull(job.Headers.RetryAfter);
        }
        throw new TimeoutException($"Job {name} did not end.");
    }

    private static void AssertArmError(Reply reply, HttpStatusCode status, string code)
    {
        Assert.True(reply.Status == status, $"expected {(int)status} {code}, got {(int)reply.Status}: {reply.Raw}");
        Assert.Equal(code, reply.Body["error"]?["code"]?.GetValue<string>());
        var (schema, doc) = Spec.Resolve("types.json#/definitions/ErrorResponse", Spec.Root);
        Assert.Empty(Spec.Validate(reply.Json, schema, doc));
    }

    private static void AssertValid(Reply reply, string definition) =>
        Assert.Empty(Spec.Validate(reply.Json, Spec.Definition(definition).Schema, Spec.Root));

    [Fact]
    public async Task Batch_endpoints_and_deployments_are_lros_shaped_as_the_spec_says_and_refuse_what_cannot_be_served()
    {
        var ep = Endpoint("wire-be");

        var put = await SendAsync(HttpMethod.Put, ep + V, EndpointBody());

        Assert.Equal(HttpStatusCode.Created, put.Status);
        Assert.Equal("Creating", put.Body["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.NotNull(put.Headers.RetryAfter);
        AssertValid(put, "BatchEndpoint");
        var (statuses, _) = await PollAsync(put.Header("Azure-AsyncOperation")!);
        Assert.Equal(("InProgress", "Succeeded"), (statuses[0], statuses[^1]));
        var get = await SendAsync(HttpMethod.Get, ep + V);
        AssertValid(get, "BatchEndpoint");
        var p = get.Body["properties"]!;
        Assert.Equal(("AADToken", "Succeeded", "wire"), (p["authMode"]!.GetValue<string>(), p["provisioningState"]!.GetValue<string>(), get.Body["tags"]!["team"]!.GetValue<string>()));
        Assert.Equal(new Uri(emulator.BaseAddress, $"/inference/v1.0{ep}/jobs"), new Uri(p["scoringUri"]!.GetValue<string>()));
        AssertArmError(await SendAsync(HttpMethod.Put, Endpoint("wire-key") + V, EndpointBody(authMode: "Key")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Post, ep + "/listkeys" + V), HttpStatusCode.BadRequest, "UserError");

        var deployment = await SendAsync(HttpMethod.Put, ep + "/deployments/blue" + V, DeploymentBody(ModelId("wire-blinear", 1)));
        Assert.Equal(HttpStatusCode.Created, deployment.Status);
        AssertValid(deployment, "BatchDeployment");
        Assert.Equal("Succeeded", (await PollAsync(deployment.Header("Azure-AsyncOperation")!)).Statuses[^1]);
        var blue = await SendAsync(HttpMethod.Get, ep + "/deployments/blue" + V);
        AssertValid(blue, "BatchDeployment");
        var bp = blue.Body["properties"]!;
        Assert.Equal((2, 1, -1, "AppendRow", "out.jsonl"), (bp["miniBatchSize"]!.GetValue<int>(), bp["maxConcurrencyPerInstance"]!.GetValue<int>(),
            bp["errorThreshold"]!.GetValue<int>(), bp["outputAction"]!.GetValue<string>(), bp["outputFileName"]!.GetValue<string>()));

        // An unknown model is found missing by the operation: it ends Failed, and so does the deployment.
        var ghost = await SendAsync(HttpMethod.Put, ep + "/deployments/ghost" + V, DeploymentBody("azureml:ghost-model:3"));
        var (ghostStatuses, failed) = await PollAsync(ghost.Header("Azure-AsyncOperation")!);
        Assert.Equal("Failed", ghostStatuses[^1]);
        Assert.Equal("UserError", failed.Body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("ghost-model", failed.Body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Failed", (await SendAsync(HttpMethod.Get, ep + "/deployments/ghost" + V)).Body["properties"]!["provisioningState"]!.GetValue<string>());

        // Requests that cannot be right are refused at once.
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, DeploymentBody(ModelId("wire-blinear", 1), new { codeConfiguration = new { codeId = "x", scoringScript = "score.py" } })), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, DeploymentBody(ModelId("wire-blinear", 1), new { miniBatchSize = 0 })), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, DeploymentBody(ModelId("wire-blinear", 1), new { outputAction = "Bogus" })), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, new { location = "local", properties = new { model = new { referenceType = "DataPath", datastoreId = "x", path = "y" } } }), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Put, ep + "/deployments/bad" + V, new { properties = new { model = new { referenceType = "Id", assetId = ModelId("wire-blinear", 1) } } }), HttpStatusCode.BadRequest, "LocationRequired");
        AssertArmError(await SendAsync(HttpMethod.Put, Endpoint("wire-none") + "/deployments/blue" + V, DeploymentBody(ModelId("wire-blinear", 1))), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Get, Endpoint("wire-none") + V), HttpStatusCode.NotFound, "ResourceNotFound");

        // The default deployment is the endpoint's defaults.deploymentName; it cannot be deleted while it is.
        var update = await PutAndWaitAsync(ep, EndpointBody(defaultDeployment: "blue"));
        Assert.Equal(HttpStatusCode.OK, update.Status);
        Assert.Equal("blue", (await SendAsync(HttpMethod.Get, ep + V)).Body["properties"]!["defaults"]!["deploymentName"]!.GetValue<string>());
        var list = await SendAsync(HttpMethod.Get, ep + "/deployments" + V);
        AssertValid(list, "BatchDeploymentTrackedResourceArmPaginatedResult");
        Assert.Equal(["blue", "ghost"], list.Body["value"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        AssertArmError(await SendAsync(HttpMethod.Delete, ep + "/deployments/blue" + V), HttpStatusCode.BadRequest, "UserError");
        Assert.Equal(HttpStatusCode.OK, (await FollowLocationAsync(await SendAsync(HttpMethod.Delete, ep + "/deployments/ghost" + V))).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, ep + "/deployments/ghost" + V)).Status);

        // Listings page with nextLink.
        await PutAndWaitAsync(Endpoint("wire-be2"), EndpointBody());
        var first = await SendAsync(HttpMethod.Get, $"{WsPath}/batchEndpoints{V}&count=1");
        AssertValid(first, "BatchEndpointTrackedResourceArmPaginatedResult");
        var second = await SendAsync(HttpMethod.Get, first.Body["nextLink"]!.GetValue<string>());
        Assert.Equal(["wire-be", "wire-be2"], first.Body["value"]!.AsArray().Concat(second.Body["value"]!.AsArray()).Select(e => e!["name"]!.GetValue<string>()));

        var delete = await SendAsync(HttpMethod.Delete, ep + V);
        Assert.Contains("/mfeOperationResults/", delete.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await FollowLocationAsync(delete)).Status);
        AssertArmError(await SendAsync(HttpMethod.Get, ep + V), HttpStatusCode.NotFound, "ResourceNotFound");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, ep + V)).Status);
    }

    [Fact]
    public async Task An_invocation_starts_a_job_seen_through_arm_jobs_and_run_history()
    {
        var ep = Endpoint("wire-jobs");
        await PutAndWaitAsync(ep, EndpointBody());
        await PutAndWaitAsync(ep + "/deployments/blue", DeploymentBody(ModelId("wire-blinear", 1)));
        await PutAndWaitAsync(ep, EndpointBody(defaultDeployment: "blue"));
        var scoringUri = (await SendAsync(HttpMethod.Get, ep + V)).Body["properties"]!["scoringUri"]!.GetValue<string>();
        var container = emulator.Host.Endpoints.ContainerOf(emulator.Host.Workspaces.Find(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, _ws)!);
        await container.GetBlobClient("inputs/in1/rows.csv").UploadAsync(BinaryData.FromString("x1,x2,x3\n1,1,1\n0,0,1\n"));
        await container.GetBlobClient("inputs/in1/skip.txt").UploadAsync(BinaryData.FromString("not read"));
        static object Job(string type, string uri) => new { properties = new { inputData = new { input = new { jobInputType = type, uri } } } };

        var started = await SendAsync(HttpMethod.Post, scoringUri, Job("UriFolder", "azureml://datastores/workspaceblobstore/paths/inputs/in1/"));

        Assert.Equal(HttpStatusCode.OK, started.Status);
        var name = started.Body["name"]!.GetValue<string>();
        Assert.Equal("NotStarted", started.Body["properties"]!["status"]!.GetValue<string>());
        var job = await JobWhenEndedAsync(name);
        AssertValid(job, "JobBase");
        var jp = job.Body["properties"]!;
        Assert.Equal(("Completed", "Pipeline", "wire-jobs"), (jp["status"]!.GetValue<string>(), jp["jobType"]!.GetValue<string>(), jp["experimentName"]!.GetValue<string>()));
        var output = jp["outputs"]!["score"]!["uri"]!.GetValue<string>();
        Assert.Equal($"azureml://datastores/workspaceblobstore/paths/azureml/{name}/score/", output);
        var predictions = (await container.GetBlobClient($"azureml/{name}/score/out.jsonl").DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal([6.5, 3.5], predictions.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["prediction"]![0]!.GetValue<double>()));
        Assert.Empty((await container.GetBlobClient($"azureml/{name}/score/errors.jsonl").DownloadContentAsync()).Value.Content.ToArray());
        var details = await SendAsync(HttpMethod.Get, $"/history/v1.0{WsPath}/runs/{name}/details");
        Assert.Equal(("Completed", name), (details.Body["status"]!.GetValue<string>(), details.Body["runId"]!.GetValue<string>()));
        Assert.Null(details.Body["error"]);
        var jobs = await SendAsync(HttpMethod.Get, $"{WsPath}/jobs{V}");
        AssertValid(jobs, "JobBaseResourceArmPaginatedResult");
        Assert.Contains(name, jobs.Body["value"]!.AsArray().Select(j => j!["name"]!.GetValue<string>()));
        Assert.Empty((await SendAsync(HttpMethod.Get, $"{WsPath}/jobs{V}&jobType=Command")).Body["value"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"{WsPath}/jobs/{name}/cancel{V}")).Status); // it has already ended

        // A job whose input holds nothing to score fails; run history tells why.
        var empty = await SendAsync(HttpMethod.Post, scoringUri, Job("uri_folder", "azureml://datastores/workspaceblobstore/paths/inputs/nothing/"), deployment: "blue");
        var emptyName = empty.Body["name"]!.GetValue<string>();
        Assert.Equal("Failed", (await JobWhenEndedAsync(emptyName)).Body["properties"]!["status"]!.GetValue<string>());
        var error = (await SendAsync(HttpMethod.Get, $"/history/v1.0{WsPath}/runs/{emptyName}/details")).Body["error"]!["error"]!;
        Assert.Equal("UserError", error["code"]!.GetValue<string>());
        Assert.Contains("no .csv, .jsonl or .parquet", error["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // An MLTable input is read through its MLTable file: a folder without one is accepted, and the job fails saying so.
        var noTable = await SendAsync(HttpMethod.Post, scoringUri, Job("MLTable", "azureml://datastores/workspaceblobstore/paths/inputs/in1/"), deployment: "blue");
        var noTableName = noTable.Body["name"]!.GetValue<string>();
        Assert.Equal("Failed", (await JobWhenEndedAsync(noTableName)).Body["properties"]!["status"]!.GetValue<string>());
        var noTableError = (await SendAsync(HttpMethod.Get, $"/history/v1.0{WsPath}/runs/{noTableName}/details")).Body["error"]!["error"]!;
        Assert.Contains("without an MLTable file", noTableError["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Refused invocations: no token, an unknown deployment, bodies that name no readable input.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, scoringUri, Job("UriFolder", "azureml://datastores/workspaceblobstore/paths/inputs/in1/"), authenticated: false)).Status);
        AssertArmError(await SendAsync(HttpMethod.Post, scoringUri, Job("UriFolder", "azureml://datastores/workspaceblobstore/paths/inputs/in1/"), deployment: "nobody"), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Post, scoringUri, new { properties = new { } }), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Post, scoringUri, Job("UriFolder", "azureml://datastores/otherstore/paths/in/")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Post, scoringUri, Job("UriFile", "azureml://datastores/workspaceblobstore/paths/inputs/in1/")), HttpStatusCode.BadRequest, "ValidationError");
        AssertArmError(await SendAsync(HttpMethod.Post, scoringUri.Replace("wire-jobs", "wire-none", StringComparison.Ordinal), Job("UriFolder", "azureml://datastores/workspaceblobstore/paths/inputs/in1/")), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Get, $"{WsPath}/jobs/nobody{V}"), HttpStatusCode.NotFound, "ResourceNotFound");
        AssertArmError(await SendAsync(HttpMethod.Post, $"{WsPath}/jobs/nobody/cancel{V}"), HttpStatusCode.NotFound, "ResourceNotFound");
    }
}
