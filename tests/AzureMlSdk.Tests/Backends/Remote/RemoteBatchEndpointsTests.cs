using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using AzureMlSdk.Backends.Remote;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// Remote batch endpoints over real HTTP on loopback: a fake ARM (batch endpoint/deployment LROs, jobs, datastores), blob
/// storage and run history on one host, the endpoint's invocation route on another. Waits run on a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class RemoteBatchEndpointsTests : IAsyncLifetime
{
    private const string Sub = "00000000-1111-2222-3333-444444444444";
    private const string WsPath = $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    private const string EpPath = WsPath + "/batchEndpoints/be1";
    private const string BlobRoot = "/devstoreaccount1/azureml/";
    private const string ArmToken = "arm-SECRET";
    private const string MlToken = "ml-SECRET";

    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _polls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _deployments = new(StringComparer.OrdinalIgnoreCase);
    private readonly DirectoryInfo _input = Directory.CreateTempSubdirectory("batch-input-");
    private LoopbackServer _arm = null!;
    private LoopbackServer _scoring = null!;
    private JsonObject? _endpoint;
    private int _operations;

    /// <summary>The statuses the job GET answers, one per poll (the last repeats); "404" answers not found.</summary>
    private Queue<string> _jobStatuses = new(["Completed"]);
    private string? _jobOutputs;
    private string? _jobRetryAfter;
    private string _historyDetails = """{"runId":"job-1","status":"Failed"}""";

    public async Task InitializeAsync()
    {
        _arm = await LoopbackServer.StartAsync();
        _scoring = await LoopbackServer.StartAsync();
        _arm.Handle = ServeArmAsync;
        _scoring.Handle = (ctx, _) => LoopbackServer.JsonAsync(ctx, 200, """{"id":"/jobs/job-1","name":"job-1","type":"Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs","properties":{"status":"NotStarted"}}""");
    }

    public async Task DisposeAsync()
    {
        await _arm.DisposeAsync();
        await _scoring.DisposeAsync();
        _input.Delete(recursive: true);
    }

    private string ScoringUri => $"{_scoring.BaseUri.AbsoluteUri.TrimEnd('/')}/jobs";

    private string ArmBase => _arm.BaseUri.AbsoluteUri.TrimEnd('/');

    private Task<RemoteWorkspaceBackend> ConnectAsync() =>
        RemoteWorkspaceBackend.ConnectAsync(Sub, "rg", "ws1", new ScopeCredential(_time), new WorkspaceOptions
        {
            ResourceManagerEndpoint = _arm.BaseUri,
            BlobServiceUri = new Uri(_arm.BaseUri, "/devstoreaccount1"),
            TimeProvider = _time,
            // The fake clock is driven fast while calls are in flight: keep per-call timeouts out of its reach.
            AttemptTimeout = TimeSpan.FromHours(2),
            TotalTimeout = TimeSpan.FromHours(4),
            LongRunningOperationTimeout = TimeSpan.FromHours(1),
        }, default);

    // ---- the fake service ----

    private JsonObject EndpointResource()
    {
        var resource = new JsonObject
        {
            ["id"] = EpPath,
            ["name"] = "be1",
            ["type"] = "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
            ["location"] = "westeurope",
            ["properties"] = JsonNode.Parse(_endpoint!["properties"]!.ToJsonString()),
        };
        resource["properties"]!["scoringUri"] = ScoringUri;
        resource["properties"]!["provisioningState"] = "Succeeded";
        return resource;
    }

    private static JsonObject DeploymentResource(string name, JsonObject sent, string state = "Succeeded")
    {
        var resource = (JsonObject)JsonNode.Parse(sent.ToJsonString())!;
        resource["id"] = $"{EpPath}/deployments/{name}";
        resource["name"] = name;
        resource["properties"]!["provisioningState"] = state;
        return resource;
    }

    private async Task ServeArmAsync(HttpContext ctx, SeenRequest req)
    {
        var p = req.Path;
        if (p == WsPath)
        {
            await LoopbackServer.JsonAsync(ctx, 200, $$$"""{"id":"{{{WsPath}}}","name":"ws1","location":"westeurope","properties":{"mlFlowTrackingUri":"{{{_arm.BaseUri.AbsoluteUri}}}mlflow/v1.0{{{WsPath}}}"}}""");
        }
        else if (p == WsPath + "/datastores")
        {
            await LoopbackServer.JsonAsync(ctx, 200, """{"value":[{"name":"workspaceblobstore","properties":{"datastoreType":"AzureBlob","isDefault":true,"accountName":"devstoreaccount1","containerName":"azureml","endpoint":"core.windows.net","protocol":"https","credentials":{"credentialsType":"AccountKey"}}}]}""");
        }
        else if (p.EndsWith("/listSecrets", StringComparison.Ordinal))
        {
            await LoopbackServer.JsonAsync(ctx, 200, """{"secretsType":"AccountKey","key":"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="}""");
        }
        else if (p.StartsWith(BlobRoot, StringComparison.Ordinal))
        {
            await ServeBlobAsync(ctx, req, Uri.UnescapeDataString(p[BlobRoot.Length..]));
        }
        else if (p == EpPath && req.Method == "GET")
        {
            await (_endpoint is null ? NotFound(ctx) : LoopbackServer.JsonAsync(ctx, 200, EndpointResource().ToJsonString()));
        }
        else if (p == EpPath && req.Method == "PUT")
        {
            _endpoint = (JsonObject)JsonNode.Parse(req.Body)!;
            var creating = EndpointResource();
            creating["properties"]!["provisioningState"] = "Creating";
            await LoopbackServer.JsonAsync(ctx, 201, creating.ToJsonString(), ("Azure-AsyncOperation", $"{ArmBase}/asyncOps/ep-{Interlocked.Increment(ref _operations)}"), ("Retry-After", "1"));
        }
        else if (p == EpPath && req.Method == "DELETE")
        {
            await LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{ArmBase}/operationResults/del-be1"), ("Retry-After", "2"));
        }
        else if (p == EpPath + "/deployments" && req.Method == "GET")
        {
            await LoopbackServer.JsonAsync(ctx, 200, new JsonObject { ["value"] = new JsonArray([.. _deployments.Select(d => (JsonNode)DeploymentResource(d.Key, d.Value))]) }.ToJsonString());
        }
        else if (p.StartsWith(EpPath + "/deployments/", StringComparison.Ordinal))
        {
            var name = p[(p.LastIndexOf('/') + 1)..];
            if (req.Method == "PUT")
            {
                _deployments[name] = (JsonObject)JsonNode.Parse(req.Body)!;
                await LoopbackServer.JsonAsync(ctx, 201, DeploymentResource(name, _deployments[name], "Creating").ToJsonString(), ("Azure-AsyncOperation", $"{ArmBase}/asyncOps/dep-{name}"), ("Retry-After", "1"));
            }
            else
            {
                await (_deployments.TryGetValue(name, out var d) ? LoopbackServer.JsonAsync(ctx, 200, DeploymentResource(name, d).ToJsonString()) : NotFound(ctx));
            }
        }
        else if (p.StartsWith("/asyncOps/", StringComparison.Ordinal))
        {
            // Each operation is in progress at its first poll and done at the next.
            var first = _polls.AddOrUpdate(p, 1, (_, n) => n + 1) == 1;
            await LoopbackServer.JsonAsync(ctx, 200, first ? """{"status":"InProgress"}""" : """{"status":"Succeeded"}""", ("Retry-After", "1"));
        }
        else if (p == "/operationResults/del-be1")
        {
            if (_polls.AddOrUpdate(p, 1, (_, n) => n + 1) == 1)
            {
                await LoopbackServer.JsonAsync(ctx, 202, "", ("Retry-After", "2"));
                return;
            }
            _endpoint = null;
            ctx.Response.StatusCode = 200;
        }
        else if (p == WsPath + "/jobs/job-1" && req.Method == "GET")
        {
            var status = _jobStatuses.Count > 1 ? _jobStatuses.Dequeue() : _jobStatuses.Peek();
            if (status == "404")
            {
                await NotFound(ctx);
                return;
            }
            var outputs = _jobOutputs is null ? string.Empty : $",\"outputs\":{_jobOutputs}";
            var body = $$$"""{"id":"{{{WsPath}}}/jobs/job-1","name":"job-1","properties":{"jobType":"Pipeline","experimentName":"be1-exp","status":"{{{status}}}"{{{outputs}}}}}""";
            await (_jobRetryAfter is null ? LoopbackServer.JsonAsync(ctx, 200, body) : LoopbackServer.JsonAsync(ctx, 200, body, ("Retry-After", _jobRetryAfter)));
        }
        else if (p == WsPath + "/jobs/job-1/cancel" && req.Method == "POST")
        {
            await LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{ArmBase}/operationResults/cancel-job-1"));
        }
        else if (p == $"/history/v1.0{WsPath}/runs/job-1/details")
        {
            await LoopbackServer.JsonAsync(ctx, 200, _historyDetails);
        }
        else
        {
            await NotFound(ctx);
        }
    }

    private async Task ServeBlobAsync(HttpContext ctx, SeenRequest req, string name)
    {
        if (req.Method == "PUT")
        {
            _blobs[name] = Encoding.UTF8.GetBytes(req.Body);
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers.ETag = "\"0x1\"";
            ctx.Response.Headers.LastModified = "Thu, 01 Jan 2026 00:00:00 GMT";
            ctx.Response.Headers["x-ms-request-server-encrypted"] = "true";
            return;
        }
        if (!_blobs.TryGetValue(name, out var bytes))
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.ContentType = "application/xml";
            ctx.Response.Headers["x-ms-error-code"] = "BlobNotFound";
            await ctx.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>");
            return;
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentLength = bytes.Length;
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.Headers.ETag = "\"0x1\"";
        ctx.Response.Headers.LastModified = "Thu, 01 Jan 2026 00:00:00 GMT";
        ctx.Response.Headers["x-ms-blob-type"] = "BlockBlob";
        await ctx.Response.Body.WriteAsync(bytes);
    }

    private static Task NotFound(HttpContext ctx) => LoopbackServer.JsonAsync(ctx, 404, """{"error":{"code":"NotFound","message":"no such resource"}}""");

    /// <summary>An endpoint with deployment "blue" as its default, as the service would hold it.</summary>
    private void SeedEndpoint(string outputFileName = "predictions.jsonl")
    {
        _endpoint = (JsonObject)JsonNode.Parse("""{"location":"westeurope","properties":{"authMode":"AADToken","defaults":{"deploymentName":"blue"}}}""")!;
        _deployments["blue"] = (JsonObject)JsonNode.Parse($$$"""{"location":"westeurope","properties":{"model":{"referenceType":"Id","assetId":"{{{WsPath}}}/models/iris/versions/3"},"outputAction":"AppendRow","outputFileName":"{{{outputFileName}}}"}}""")!;
    }

    private void Input(string relative, string content)
    {
        var path = Path.Combine(_input.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Advances the fake clock until <paramref name="task"/> ends (the pollers wait on it).</summary>
    private async Task<T> DriveAsync<T>(Task<T> task)
    {
        for (var i = 0; i < 2000 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }

    private static JsonElement Body(SeenRequest request) => JsonDocument.Parse(request.Body).RootElement;

    private static Task<BatchScoringResult> Invoke(RemoteWorkspaceBackend backend, string? deployment, string input, IProgress<BatchScoringProgress>? progress = null, CancellationToken ct = default) =>
        backend.Endpoints.InvokeBatchEndpointAsync("be1", deployment, input, progress, ct);

    // ---- tests ----

    [Fact]
    public async Task Create_endpoint_and_first_deployment_run_as_lros_with_progress_and_the_deployment_becomes_the_default()
    {
        await using var backend = await ConnectAsync();
        var progress = new ConcurrentQueue<string>();

        var created = await DriveAsync(backend.Endpoints.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("be1") { Description = "nightly" }, new SyncProgress<string>(progress), default));

        Assert.Equal(("be1", "nightly", (string?)null), (created.Name, created.Description, created.DefaultDeployment));
        Assert.Empty(created.Deployments);
        Assert.Equal(["Batch endpoint 'be1': Creating", "Batch endpoint 'be1': InProgress", "Batch endpoint 'be1': Succeeded"], progress);
        var endpointPut = Body(Assert.Single(_arm.Requests, r => r.Method == "PUT" && r.Path == EpPath));
        Assert.Equal("westeurope", endpointPut.GetProperty("location").GetString());
        Assert.Equal("AADToken", endpointPut.GetProperty("properties").GetProperty("authMode").GetString());
        Assert.Equal("nightly", endpointPut.GetProperty("properties").GetProperty("description").GetString());
        Assert.Empty(Spec.Validate(endpointPut, Spec.Definition("BatchEndpoint").Schema, Spec.Root));

        progress.Clear();
        var model = Substitute.For<Model>();
        model.Name.Returns("iris");
        model.Version.Returns(3);
        var spec = new BatchDeploymentSpec("blue", model) { MiniBatchSize = 4, MaxConcurrency = 3, ErrorThreshold = 5, OutputFileName = "scores.jsonl", Compute = "cpu-cluster", Description = "v3" };

        var deployed = await DriveAsync(backend.Endpoints.CreateOrUpdateBatchDeploymentAsync("be1", spec, false, new SyncProgress<string>(progress), default));

        Assert.Equal("blue", deployed.DefaultDeployment);
        Assert.Equal(["blue"], deployed.Deployments);
        Assert.Equal([
            "Batch deployment 'be1/blue': deploying model iris:3", "Batch deployment 'be1/blue': Creating", "Batch deployment 'be1/blue': InProgress",
            "Batch deployment 'be1/blue': Succeeded", "Batch endpoint 'be1': Creating", "Batch endpoint 'be1': InProgress", "Batch endpoint 'be1': Succeeded",
        ], progress);
        var deploymentPut = Body(Assert.Single(_arm.Requests, r => r.Method == "PUT" && r.Path == EpPath + "/deployments/blue"));
        var p = deploymentPut.GetProperty("properties");
        Assert.Equal("Id", p.GetProperty("model").GetProperty("referenceType").GetString());
        Assert.Equal($"{WsPath}/models/iris/versions/3", p.GetProperty("model").GetProperty("assetId").GetString());
        Assert.Equal($"{WsPath}/computes/cpu-cluster", p.GetProperty("compute").GetString());
        Assert.Equal((4, 3, 5), (p.GetProperty("miniBatchSize").GetInt32(), p.GetProperty("maxConcurrencyPerInstance").GetInt32(), p.GetProperty("errorThreshold").GetInt32()));
        Assert.Equal(("AppendRow", "scores.jsonl", "v3"), (p.GetProperty("outputAction").GetString(), p.GetProperty("outputFileName").GetString(), p.GetProperty("description").GetString()));
        Assert.Empty(Spec.Validate(deploymentPut, Spec.Definition("BatchDeployment").Schema, Spec.Root));

        // The default is set by PUTting the endpoint back, read-only fields dropped and the rest kept.
        var defaultPut = Body(_arm.Requests.Last(r => r.Method == "PUT" && r.Path == EpPath));
        Assert.Equal("blue", defaultPut.GetProperty("properties").GetProperty("defaults").GetProperty("deploymentName").GetString());
        Assert.Equal("nightly", defaultPut.GetProperty("properties").GetProperty("description").GetString());
        Assert.False(defaultPut.GetProperty("properties").TryGetProperty("scoringUri", out _));
        Assert.False(defaultPut.TryGetProperty("id", out _));
        Assert.Empty(Spec.Validate(defaultPut, Spec.Definition("BatchEndpoint").Schema, Spec.Root));

        // A second deployment leaves the default alone unless asked.
        var endpointPuts = _arm.Requests.Count(r => r.Method == "PUT" && r.Path == EpPath);
        var green = await DriveAsync(backend.Endpoints.CreateOrUpdateBatchDeploymentAsync("be1", new BatchDeploymentSpec("green", model), false, null, default));
        Assert.Equal(("blue", 2), (green.DefaultDeployment, green.Deployments.Count));
        Assert.Equal(endpointPuts, _arm.Requests.Count(r => r.Method == "PUT" && r.Path == EpPath));
        var made = await DriveAsync(backend.Endpoints.CreateOrUpdateBatchDeploymentAsync("be1", new BatchDeploymentSpec("green", model), true, null, default));
        Assert.Equal("green", made.DefaultDeployment);
        Assert.All(_arm.Requests.Where(r => !r.Path.StartsWith(BlobRoot, StringComparison.Ordinal)), r => Assert.Equal("Bearer " + ArmToken, r.Authorization));
    }

    [Fact]
    public async Task Invoke_uploads_the_folder_posts_the_job_polls_it_to_completion_and_copies_its_outputs_to_the_run()
    {
        SeedEndpoint();
        Input("a.csv", "x1,x2\n1,2\n3,4\n");
        Input("sub/b.jsonl", "{\"x1\":5}\n");
        Input("notes.txt", "not an input");
        _jobStatuses = new(["404", "Queued", "Running", "Running", "Completed"]);
        _jobOutputs = """{"score":{"jobOutputType":"uri_folder","uri":"azureml://datastores/workspaceblobstore/paths/azureml/job-1/score/"}}""";
        _blobs["azureml/job-1/score/predictions.jsonl"] = "{\"file\":\"a.csv\",\"row\":1,\"prediction\":1}\n{\"file\":\"a.csv\",\"row\":2,\"prediction\":0}\n\n{\"file\":\"sub/b.jsonl\",\"row\":1,\"prediction\":1}\n"u8.ToArray();
        _blobs["azureml/job-1/score/errors.jsonl"] = "{\"file\":\"a.csv\",\"row\":3,\"error\":\"bad\"}\n"u8.ToArray();
        await using var backend = await ConnectAsync();
        var progress = new ConcurrentQueue<BatchScoringProgress>();

        var result = await DriveAsync(Invoke(backend, "blue", _input.FullName, new SyncProgress<BatchScoringProgress>(progress)));

        Assert.Equal(new BatchScoringResult("job-1", "be1-exp", RunStatus.Completed, 2, 3, 1, "outputs/predictions.jsonl", "outputs/errors.jsonl"), result);

        // Inputs: the .csv/.jsonl files only, under LocalUpload/<guid>/<folder name>/, keeping the layout.
        var folder = _input.Name;
        var uploaded = _blobs.Keys.Where(k => k.StartsWith("LocalUpload/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, uploaded.Count);
        Assert.Matches($"^LocalUpload/[0-9a-f]{{32}}/{folder}/a\\.csv$", uploaded[0]);
        Assert.EndsWith($"/{folder}/sub/b.jsonl", uploaded[1], StringComparison.Ordinal);
        Assert.Equal("x1,x2\n1,2\n3,4\n", Encoding.UTF8.GetString(_blobs[uploaded[0]]));

        // The job request, as azure-ai-ml sends it: one UriFolder input, the ml.azure.com token, the pinned deployment.
        var post = Assert.Single(_scoring.Requests);
        Assert.Equal(("POST", "/jobs"), (post.Method, post.Path));
        Assert.Equal("Bearer " + MlToken, post.Authorization);
        Assert.Equal("blue", post.Headers["azureml-model-deployment"]);
        Assert.StartsWith("application/json", post.Headers["Content-Type"], StringComparison.Ordinal);
        var expectedUri = $"azureml://datastores/workspaceblobstore/paths/{uploaded[0][..(uploaded[0].IndexOf(folder, StringComparison.Ordinal) + folder.Length)]}/";
        Assert.Equal("""{"properties":{"inputData":{"input":{"jobInputType":"UriFolder","uri":""" + "\"" + expectedUri + "\"}}}}", post.Body);

        // Polled through ARM until Completed (a first 404 is a job not yet visible), each status change reported.
        Assert.Equal(5, _arm.Requests.Count(r => r.Path == WsPath + "/jobs/job-1"));
        Assert.Equal([RunStatus.Queued, RunStatus.Running, RunStatus.Completed, RunStatus.Completed], progress.Select(p => p.Status!.Value));
        Assert.Equal((3L, 1L), (progress.Last().RowsScored, progress.Last().RowsFailed));

        // Outputs copied into the job run's artifacts, as a local job writes them.
        Assert.Equal(_blobs["azureml/job-1/score/predictions.jsonl"], _blobs["ExperimentRun/dcid.job-1/outputs/predictions.jsonl"]);
        Assert.Equal(_blobs["azureml/job-1/score/errors.jsonl"], _blobs["ExperimentRun/dcid.job-1/outputs/errors.jsonl"]);

        // Each token goes only where it belongs.
        Assert.DoesNotContain(_arm.Requests, r => (r.Authorization ?? string.Empty).Contains(MlToken, StringComparison.Ordinal));
        Assert.DoesNotContain(_scoring.Requests, r => (r.Authorization ?? string.Empty).Contains(ArmToken, StringComparison.Ordinal));
        Assert.DoesNotContain(_arm.Requests.Where(r => r.Path.StartsWith(BlobRoot, StringComparison.Ordinal)), r => (r.Authorization ?? string.Empty).StartsWith("Bearer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Invoke_with_a_file_and_the_default_deployment_reads_the_default_output_location()
    {
        SeedEndpoint(outputFileName: "predictions.csv");
        Input("rows.csv", "x\n1\n2\n");
        _blobs["azureml/job-1/score/predictions.csv"] = "rows.csv 1\nrows.csv 4\n"u8.ToArray();
        await using var backend = await ConnectAsync();

        var result = await DriveAsync(Invoke(backend, null, Path.Combine(_input.FullName, "rows.csv")));

        Assert.Equal((1, 2L, 0L, "outputs/predictions.csv"), (result.FilesRead, result.RowsScored, result.RowsFailed, result.PredictionsArtifact));
        var post = Assert.Single(_scoring.Requests);
        Assert.False(post.Headers.ContainsKey("azureml-model-deployment")); // the endpoint routes to its default
        var input = Body(post).GetProperty("properties").GetProperty("inputData").GetProperty("input");
        Assert.Equal("UriFile", input.GetProperty("jobInputType").GetString());
        Assert.Matches("^azureml://datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{32}/rows\\.csv$", input.GetProperty("uri").GetString());
        // No errors.jsonl from the service: the run still gets an (empty) errors artifact, and no row is counted failed.
        Assert.Empty(_blobs["ExperimentRun/dcid.job-1/outputs/errors.jsonl"]);
        Assert.Equal("rows.csv 1\nrows.csv 4\n", Encoding.UTF8.GetString(_blobs["ExperimentRun/dcid.job-1/outputs/predictions.csv"]));
    }

    [Fact]
    public async Task A_failed_job_raises_its_run_history_error_and_a_canceled_job_says_so()
    {
        SeedEndpoint();
        Input("a.csv", "x\n1\n");
        _jobStatuses = new(["Running", "Failed"]);
        _historyDetails = """{"runId":"job-1","status":"Failed","error":{"error":{"code":"UserError","message":"Error threshold exceeded: 3 mini-batches failed."},"time":"2026-01-01T00:00:00Z"}}""";
        await using var backend = await ConnectAsync();

        var failed = await Assert.ThrowsAsync<InvalidStateException>(() => DriveAsync(Invoke(backend, null, _input.FullName)));
        Assert.Equal("UserError", failed.ErrorCode);
        Assert.Contains("job-1", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Error threshold exceeded", failed.Message, StringComparison.Ordinal);
        var history = Assert.Single(_arm.Requests, r => r.Path.StartsWith("/history/", StringComparison.Ordinal));
        Assert.Equal("Bearer " + ArmToken, history.Authorization);
        Assert.DoesNotContain(_blobs.Keys, k => k.StartsWith("ExperimentRun/", StringComparison.Ordinal));

        // No error in run history: the failure stands with a generic code.
        _jobStatuses = new(["Failed"]);
        _historyDetails = """{"runId":"job-1","status":"Failed"}""";
        var bare = await Assert.ThrowsAsync<InvalidStateException>(() => DriveAsync(Invoke(backend, null, _input.FullName)));
        Assert.Equal("JobFailed", bare.ErrorCode);

        _jobStatuses = new(["Queued", "CancelRequested", "Canceled"]);
        var canceled = await Assert.ThrowsAsync<InvalidStateException>(() => DriveAsync(Invoke(backend, null, _input.FullName)));
        Assert.Equal("JobCanceled", canceled.ErrorCode);
        Assert.DoesNotContain(_arm.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_job_that_wrote_its_predictions_is_a_failed_result_and_job_polls_follow_retry_after()
    {
        SeedEndpoint();
        Input("a.csv", "x\n1\n2\n3\n");
        _jobStatuses = new(["NotStarted", "Running", "Failed"]);
        _jobRetryAfter = "0"; // the fake clock is never advanced: only a poller that follows Retry-After gets past its first poll
        _blobs["azureml/job-1/score/predictions.jsonl"] = "{\"file\":\"a.csv\",\"row\":1,\"prediction\":1}\n"u8.ToArray();
        _blobs["azureml/job-1/score/errors.jsonl"] = "{\"file\":\"a.csv\",\"row\":2,\"error\":\"bad\"}\n{\"file\":\"a.csv\",\"row\":3,\"error\":\"bad\"}\n"u8.ToArray();
        await using var backend = await ConnectAsync();
        var progress = new ConcurrentQueue<BatchScoringProgress>();

        var result = await Invoke(backend, null, _input.FullName, new SyncProgress<BatchScoringProgress>(progress)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new BatchScoringResult("job-1", "be1-exp", RunStatus.Failed, 1, 1, 2, "outputs/predictions.jsonl", "outputs/errors.jsonl"), result);
        Assert.Equal(3, _arm.Requests.Count(r => r.Path == WsPath + "/jobs/job-1"));
        Assert.Equal([RunStatus.NotStarted, RunStatus.Running, RunStatus.Failed, RunStatus.Failed], progress.Select(p => p.Status!.Value));
        Assert.Equal(_blobs["azureml/job-1/score/errors.jsonl"], _blobs["ExperimentRun/dcid.job-1/outputs/errors.jsonl"]);
        Assert.DoesNotContain(_arm.Requests, r => r.Path.StartsWith("/history/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_the_wait_cancels_the_job()
    {
        SeedEndpoint();
        Input("a.csv", "x\n1\n");
        _jobStatuses = new(["Running"]);
        await using var backend = await ConnectAsync();
        using var cts = new CancellationTokenSource();
        var progress = new ConcurrentQueue<BatchScoringProgress>();
        var invocation = Invoke(backend, null, _input.FullName, new SyncProgress<BatchScoringProgress>(progress), cts.Token);

        // Cancel once the job is seen running (the fake clock is driven by hand).
        for (var i = 0; i < 2000 && progress.IsEmpty; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        Assert.Equal(RunStatus.Running, progress.Single().Status);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DriveAsync(Wrap(invocation)));
        Assert.Single(_arm.Requests, r => r.Method == "POST" && r.Path == WsPath + "/jobs/job-1/cancel");
    }

    [Fact]
    public async Task Missing_resources_map_to_typed_errors_before_anything_is_uploaded_or_started()
    {
        Input("a.csv", "x\n1\n");
        await using var backend = await ConnectAsync();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.GetBatchEndpointAsync("be1", default));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Invoke(backend, null, _input.FullName));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.DeleteBatchEndpointAsync("be1", null, default));
        Assert.DoesNotContain(_arm.Requests, r => r.Method == "DELETE");

        _endpoint = (JsonObject)JsonNode.Parse("""{"location":"westeurope","properties":{"authMode":"AADToken"}}""")!;
        var noDefault = await Assert.ThrowsAsync<InvalidStateException>(() => Invoke(backend, null, _input.FullName));
        Assert.Contains("no deployment yet", noDefault.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Invoke(backend, "red", _input.FullName));
        Assert.Contains("no deployment 'red'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(404, unknown.Status);
        await Assert.ThrowsAsync<InvalidInputException>(() => Invoke(backend, null, Path.Combine(_input.FullName, "missing")));

        var model = Substitute.For<Model>();
        model.Name.Returns("iris");
        model.Version.Returns(1);
        var before = _arm.Requests.Count;
        var custom = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() =>
            backend.Endpoints.CreateOrUpdateBatchDeploymentAsync("be1", new BatchDeploymentSpec("blue", model) { Scorer = () => Substitute.For<IScorer>() }, false, null, default));
        Assert.Contains("custom .NET scorer", custom.Message, StringComparison.Ordinal);
        Assert.Equal(before, _arm.Requests.Count);

        Assert.Empty(_scoring.Requests);
        Assert.DoesNotContain(_blobs.Keys, k => k.StartsWith("LocalUpload/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejected_job_request_maps_to_a_typed_error_and_delete_runs_the_lro()
    {
        SeedEndpoint();
        Input("a.csv", "x\n1\n");
        _scoring.Handle = (ctx, _) => LoopbackServer.JsonAsync(ctx, 400, """{"error":{"code":"UserError","message":"Input path is not accessible."}}""");
        await using var backend = await ConnectAsync();

        var rejected = await Assert.ThrowsAsync<InvalidInputException>(() => DriveAsync(Invoke(backend, null, _input.FullName)));
        Assert.Contains("Input path is not accessible", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", rejected.ToString(), StringComparison.Ordinal);
        Assert.Single(_scoring.Requests); // a POST that starts a job is never replayed
        Assert.DoesNotContain(_arm.Requests, r => r.Path.Contains("/jobs/", StringComparison.Ordinal));

        var progress = new ConcurrentQueue<string>();
        await DriveAsync(Wrap(backend.Endpoints.DeleteBatchEndpointAsync("be1", new SyncProgress<string>(progress), default)));
        Assert.Equal(["Batch endpoint 'be1': Deleting", "Batch endpoint 'be1': deleted"], progress);
        Assert.Equal(2, _polls["/operationResults/del-be1"]);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.GetBatchEndpointAsync("be1", default));
    }

    [Theory]
    [InlineData("cpu-cluster", WsPath + "/computes/cpu-cluster")]
    [InlineData("azureml:cpu-cluster", WsPath + "/computes/cpu-cluster")]
    [InlineData(WsPath + "/computes/gpu", WsPath + "/computes/gpu")]
    [InlineData(null, null)]
    public void Deployment_body_validates_against_the_spec_and_a_compute_name_becomes_its_arm_id(string? compute, string? expected)
    {
        var ws = new AzureMlSdk.Backends.Remote.Blob.WorkspaceCoordinates(Sub, "rg", "ws1");
        var model = Substitute.For<Model>();
        model.Name.Returns("iris");
        model.Version.Returns(2);
        var body = AzureMlSdk.Backends.Remote.Arm.RemoteBatchEndpoints.BuildDeploymentBody(ws, new BatchDeploymentSpec("blue", model) { Compute = compute }, "westeurope");
        var json = JsonSerializer.SerializeToElement(body, AzureMlSdk.Backends.Remote.Arm.ArmJsonContext.Default.ArmResourceBatchDeploymentProperties);

        Assert.Equal(expected, body.Properties!.Compute);
        Assert.Equal((10L, 2, -1, "predictions.jsonl"), (body.Properties.MiniBatchSize, body.Properties.MaxConcurrencyPerInstance, body.Properties.ErrorThreshold, body.Properties.OutputFileName));
        Assert.Empty(Spec.Validate(json, Spec.Definition("BatchDeployment").Schema, Spec.Root));
    }

    [Theory]
    [InlineData("azureml://datastores/workspaceblobstore/paths/azureml/j1/score/", "workspaceblobstore", "azureml/j1/score/")]
    [InlineData("azureml://subscriptions/s/resourcegroups/rg/workspaces/ws/datastores/ds2/paths/out/p%20q.csv", "ds2", "out/p q.csv")]
    [InlineData("https://account.blob.core.windows.net/c/x", null, null)]
    public void Datastore_uris_are_parsed_in_short_and_long_form(string uri, string? datastore, string? path)
    {
        var parsed = AzureMlSdk.Backends.Remote.Arm.RemoteBatchEndpoints.ParseDatastoreUri(uri);
        Assert.Equal(datastore, parsed?.Datastore);
        Assert.Equal(path, parsed?.Path);
    }

    [Theory]
    [InlineData(null, RunStatus.NotStarted)]
    [InlineData("Provisioning", RunStatus.Preparing)]
    [InlineData("NotResponding", RunStatus.Running)]
    [InlineData("Paused", RunStatus.Running)]
    [InlineData("CancelRequested", RunStatus.CancelRequested)]
    [InlineData("Cancelled", RunStatus.Canceled)]
    [InlineData("completed", RunStatus.Completed)]
    public void Job_statuses_map_onto_run_statuses(string? status, RunStatus expected) =>
        Assert.Equal(expected, AzureMlSdk.Backends.Remote.Arm.RemoteBatchEndpoints.ParseJobStatus(status));

    private sealed class SyncProgress<T>(ConcurrentQueue<T> values) : IProgress<T>
    {
        public void Report(T value) => values.Enqueue(value);
    }

    /// <summary>Hands out a token named after the audience asked for, so tests see which token went where.</summary>
    private sealed class ScopeCredential(TimeProvider time) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            var token = requestContext.Scopes.Single() switch
            {
                "https://management.azure.com/.default" => ArmToken,
                "https://ml.azure.com/.default" => MlToken,
                var other => throw new InvalidOperationException($"Unexpected scope {other}"),
            };
            return ValueTask.FromResult(new AccessToken(token, time.GetUtcNow().AddDays(30)));
        }
    }
}
