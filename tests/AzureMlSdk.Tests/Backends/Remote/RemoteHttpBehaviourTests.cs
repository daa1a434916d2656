using System.Diagnostics;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The remote backend over real HTTP on loopback: retries, Retry-After, auth, LROs, error mapping, cancellation.</summary>
public sealed class RemoteHttpBehaviourTests : IAsyncLifetime
{
    private const string Sub = "00000000-1111-2222-3333-444444444444";
    private const string Rg = "rg";
    private const string Ws = "ws1";
    private const string WsPath = $"/subscriptions/{Sub}/resourceGroups/{Rg}/providers/Microsoft.MachineLearningServices/workspaces/{Ws}";
    private const string RunJson = """{"run":{"info":{"run_id":"r1","experiment_id":"1","status":"RUNNING","start_time":1700000000000,"lifecycle_stage":"active","run_name":"baseline"},"data":{"metrics":[{"key":"acc","value":0.9,"timestamp":1700000000000,"step":3}],"params":[{"key":"lr","value":"0.01"}],"tags":[{"key":"mlflow.runName","value":"baseline"},{"key":"mlflow.parentRunId","value":"p0"}]}}}""";

    private LoopbackServer _server = null!;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private WorkspaceOptions Options(int maxRetries = 3) => new()
    {
        ResourceManagerEndpoint = _server.BaseUri,
        TimeProvider = _time,
        LoggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)),
        MaxRetries = maxRetries,
        AttemptTimeout = TimeSpan.FromSeconds(30),
        TotalTimeout = TimeSpan.FromMinutes(2),
        LongRunningOperationTimeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>Answers the workspace GET; everything else goes to <paramref name="route"/>.</summary>
    private void Serve(Func<HttpContext, SeenRequest, Task> route) =>
        _server.Handle = async (ctx, req) =>
        {
            if (req.Method == "GET" && req.Path == WsPath)
            {
                var tracking = $"{_server.BaseUri.AbsoluteUri.TrimEnd('/')}/mlflow/v1.0{WsPath}";
                await LoopbackServer.JsonAsync(ctx, 200, $$$"""{"id":"{{{WsPath}}}","name":"{{{Ws}}}","location":"westeurope","properties":{"mlFlowTrackingUri":"{{{tracking}}}","discoveryUrl":"x"}}""");
                return;
            }
            await route(ctx, req);
        };

    private Task<RemoteWorkspaceBackend> ConnectAsync(CountingCredential? credential = null, WorkspaceOptions? options = null) =>
        RemoteWorkspaceBackend.ConnectAsync(Sub, Rg, Ws, credential ?? new CountingCredential(_time, TimeSpan.FromHours(1)), options ?? Options(), CancellationToken.None);

    private async Task WaitForRequestsAsync(int count)
    {
        var sw = Stopwatch.StartNew();
        while (_server.Requests.Count < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"expected {count} requests, saw {_server.Requests.Count}");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Advances fake time by <paramref name="step"/> until the server has seen <paramref name="count"/> requests. Advancing once is racy on a
    /// loaded machine: the poller may not have armed its Retry-After delay yet when time moves, and then that delay never fires.
    /// </summary>
    private async Task AdvanceUntilRequestsAsync(int count, TimeSpan step)
    {
        var sw = Stopwatch.StartNew();
        while (_server.Requests.Count < count)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"expected {count} requests, saw {_server.Requests.Count}");
            _time.Advance(step);
            await Task.Delay(20);
        }
    }

    private int Count(string pathEnd) => _server.Requests.Count(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal));

    [Fact]
    public async Task Workspace_connect_derives_the_mlflow_base_and_routes_calls_under_it()
    {
        Serve((ctx, req) => LoopbackServer.JsonAsync(ctx, 200, RunJson));
        await using var backend = await ConnectAsync();
        var run = await backend.Tracking.GetRunAsync("r1", default);

        var get = _server.Requests.Last();
        Assert.Equal($"/mlflow/v1.0{WsPath}/api/2.0/mlflow/runs/get", get.Path);
        Assert.Equal("?run_id=r1", get.Query);
        Assert.Contains("api-version=2026-07-01", _server.Requests.First().Query, StringComparison.Ordinal);
        Assert.Equal("baseline", run.DisplayName);
        Assert.Equal("p0", run.ParentRunId);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal("0.01", run.Params["lr"]);
        Assert.Equal(3, run.LatestMetrics["acc"].Step);
        Assert.Equal(WorkspaceKind.Remote, backend.Info.Kind);
        Assert.Equal("westeurope", backend.Info.Location);
    }

    [Fact]
    public async Task Retry_after_429_waits_exactly_the_seconds_the_server_asked_for()
    {
        var calls = 0;
        Serve((ctx, req) => Interlocked.Increment(ref calls) == 1
            ? LoopbackServer.JsonAsync(ctx, 429, """{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}""", ("Retry-After", "5"))
            : LoopbackServer.JsonAsync(ctx, 200, RunJson));
        await using var backend = await ConnectAsync();
        var before = _server.Requests.Count;

        var call = backend.Tracking.GetRunAsync("r1", default);
        await WaitForRequestsAsync(before + 1);
        await Task.Delay(200); // let the client read the 429 and start its (fake-time) wait
        _time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Delay(50);
        Assert.Equal(before + 1, _server.Requests.Count);
        Assert.False(call.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(0.1));
        var run = await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("r1", run.RunId);
        Assert.Equal(before + 2, _server.Requests.Count);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_honoured_on_the_sdk_clock()
    {
        var calls = 0;
        Serve((ctx, req) => Interlocked.Increment(ref calls) == 1
            ? LoopbackServer.JsonAsync(ctx, 503, "{}", ("Retry-After", _time.GetUtcNow().AddSeconds(8).ToString("R")))
            : LoopbackServer.JsonAsync(ctx, 200, RunJson));
        await using var backend = await ConnectAsync();
        var before = _server.Requests.Count;

        var call = backend.Tracking.GetRunAsync("r1", default);
        await WaitForRequestsAsync(before + 1);
        await Task.Delay(200);
        _time.Advance(TimeSpan.FromSeconds(7));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(before + 2, _server.Requests.Count);
    }

    [Fact]
    public async Task Retry_after_longer_than_the_remaining_total_timeout_fails_at_once_with_the_server_answer()
    {
        Serve((ctx, req) => LoopbackServer.JsonAsync(ctx, 429, """{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"come back in an hour"}""", ("Retry-After", "3600"), ("x-request-id", "rid-429")));
        await using var backend = await ConnectAsync();
        var before = _server.Requests.Count;

        var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(429, ex.Status);
        Assert.Equal("REQUEST_LIMIT_EXCEEDED", ex.ErrorCode);
        Assert.Equal("rid-429", ex.RequestId);
        Assert.Equal(before + 1, _server.Requests.Count);
    }

    [Fact]
    public async Task Log_batch_is_retried_after_a_503_but_create_run_is_not()
    {
        Serve((ctx, req) => req.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal) && Count("/runs/log-batch") == 1
            ? LoopbackServer.JsonAsync(ctx, 503, "{}", ("Retry-After", "0"))
            : req.Path.EndsWith("/runs/create", StringComparison.Ordinal)
                ? LoopbackServer.JsonAsync(ctx, 503, """{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}""", ("Retry-After", "0"))
                : LoopbackServer.JsonAsync(ctx, 200, "{}"));
        await using var backend = await ConnectAsync();

        await backend.Tracking.LogBatchAsync("r1", LogBatch.OfMetrics([new MetricPoint("acc", double.NaN, 1, _time.GetUtcNow())]), default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, Count("/runs/log-batch"));
        Assert.Contains("\"value\":\"NaN\"", _server.Requests.Last(r => r.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal)).Body, StringComparison.Ordinal);

        // The pipeline never replays runs/create; the store looks for the run by its client key before creating again,
        // within MaxRetries (IdempotentCreateTests) — here 0: one create, no look-up, the 503 surfaces.
        await using var once = await ConnectAsync(options: Options(maxRetries: 0));
        var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => once.Tracking.CreateRunAsync(new NewRun("1", "x", _time.GetUtcNow()), default).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(503, ex.Status);
        Assert.Equal(1, Count("/runs/create"));
        Assert.Equal(0, Count("/runs/search"));
    }

    [Fact]
    public async Task Circuit_opens_after_mostly_failing_calls_and_lets_calls_through_again_after_the_break()
    {
        var healthy = false;
        Serve((ctx, req) => healthy
            ? LoopbackServer.JsonAsync(ctx, 200, RunJson)
            : LoopbackServer.JsonAsync(ctx, 503, """{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down"}"""));
        await using var backend = await ConnectAsync(options: Options(maxRetries: 0));
        var before = _server.Requests.Count;

        // All failing: once the host has seen the minimum throughput (20 attempts, the workspace GET on the same host
        // included) with at least 90 % failures, the circuit opens and calls stop reaching it.
        var sent = 0;
        for (var i = 0; i < 20; i++)
        {
            var failed = await Assert.ThrowsAsync<ServiceUnavailableException>(() => backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10)));
            if (failed.Message.Contains("circuit breaker", StringComparison.Ordinal))
            {
                break;
            }
            Assert.Equal(503, failed.Status);
            sent++;
        }
        Assert.InRange(sent, 19, 20);
        Assert.Equal(before + sent, _server.Requests.Count);

        healthy = true;
        var rejected = await Assert.ThrowsAsync<ServiceUnavailableException>(() => backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("circuit breaker", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(before + sent, _server.Requests.Count); // never sent

        _time.Advance(TimeSpan.FromSeconds(5)); // the break duration: the next call is let through as a probe
        var run = await backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("baseline", run.DisplayName);
        Assert.Equal(before + sent + 1, _server.Requests.Count);
    }

    [Fact]
    public async Task Unauthorized_maps_to_an_auth_error_and_the_token_never_shows_in_errors_or_logs()
    {
        _server.Handle = (ctx, req) => LoopbackServer.JsonAsync(ctx, 401, """{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}""", ("x-ms-request-id", "rid-401"));
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1));

        var ex = await Assert.ThrowsAsync<AzureMlAuthenticationException>(() => ConnectAsync(credential));

        Assert.Equal(401, ex.Status);
        Assert.Equal("InvalidAuthenticationToken", ex.ErrorCode);
        Assert.Equal("rid-401", ex.RequestId);
        Assert.Equal("Bearer tok-SECRET-1", _server.Requests.First().Authorization);
        Assert.DoesNotContain("tok-SECRET", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-SECRET", ex.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(_logs.Lines);
        Assert.All(_logs.Lines, line => Assert.DoesNotContain("tok-SECRET", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_is_cached_and_refreshed_at_its_refresh_time_before_expiry()
    {
        Serve((ctx, req) => LoopbackServer.JsonAsync(ctx, 200, RunJson));
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1), refreshAfter: TimeSpan.FromMinutes(30));
        await using var backend = await ConnectAsync(credential);
        await backend.Tracking.GetRunAsync("r1", default);
        Assert.Equal(1, credential.Calls);

        _time.Advance(TimeSpan.FromMinutes(29));
        await backend.Tracking.GetRunAsync("r1", default);
        Assert.Equal(1, credential.Calls);

        _time.Advance(TimeSpan.FromMinutes(2));
        await backend.Tracking.GetRunAsync("r1", default);
        Assert.Equal(2, credential.Calls);
        Assert.Equal("Bearer tok-SECRET-2", _server.Requests.Last().Authorization);
    }

    [Fact]
    public async Task Token_without_refresh_time_is_renewed_five_minutes_before_it_expires()
    {
        var cache = new AccessTokenCache(new CountingCredential(_time, TimeSpan.FromMinutes(60)), ["scope/.default"], _time);
        Assert.Equal("tok-SECRET-1", (await cache.GetTokenAsync(default)).Token);
        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("tok-SECRET-1", (await cache.GetTokenAsync(default)).Token);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("tok-SECRET-2", (await cache.GetTokenAsync(default)).Token);
        cache.Dispose();
    }

    [Fact]
    public async Task Lro_answering_202_three_times_then_succeeding_returns_the_resource()
    {
        var polls = 0;
        Serve((ctx, req) =>
        {
            if (req.Method == "PUT")
            {
                return LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{_server.BaseUri.AbsoluteUri.TrimEnd('/')}/operationResults/op1?api-version=2026-07-01"), ("Retry-After", "3"));
            }
            return Interlocked.Increment(ref polls) <= 3
                ? LoopbackServer.JsonAsync(ctx, 202, "", ("Retry-After", "3"))
                : LoopbackServer.JsonAsync(ctx, 200, $$$"""{"id":"{{{WsPath}}}","name":"{{{Ws}}}","properties":{"friendlyName":"done","provisioningState":"Succeeded"}}""");
        });
        await using var backend = await ConnectAsync();
        var arm = backend.Arm!;
        var put = await arm.Workspaces.CreateOrUpdateAsync(Sub, Rg, Ws, new ArmResource<WorkspaceProperties> { Location = "westeurope", Properties = new() }, default);
        var wait = arm.Lro.WaitAsync(put, ArmJsonContext.Default.ArmResourceWorkspaceProperties, default);

        for (var i = 0; i < 4; i++)
        {
            var seen = _server.Requests.Count;
            await Task.Delay(20);
            Assert.False(wait.IsCompleted);
            await AdvanceUntilRequestsAsync(seen + 1, TimeSpan.FromSeconds(3));
        }
        var resource = await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("done", resource!.Properties!.FriendlyName);
        Assert.Equal(4, polls);
    }

    [Fact]
    public async Task Lro_with_azure_async_operation_polls_the_status_then_reads_the_original_uri()
    {
        var polls = 0;
        var endpointPath = WsPath + "/onlineEndpoints/ep1";
        Serve((ctx, req) =>
        {
            if (req.Method == "PUT")
            {
                return LoopbackServer.JsonAsync(ctx, 201, """{"name":"ep1","properties":{"provisioningState":"Creating","authMode":"Key"}}""",
                    ("Azure-AsyncOperation", $"{_server.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/op2?api-version=2026-07-01"), ("Retry-After", "1"));
            }
            if (req.Path.StartsWith("/asyncOps/", StringComparison.Ordinal))
            {
                return LoopbackServer.JsonAsync(ctx, 200, Interlocked.Increment(ref polls) < 3 ? """{"status":"InProgress"}""" : """{"status":"Succeeded"}""", ("Retry-After", "1"));
            }
            return LoopbackServer.JsonAsync(ctx, 200, """{"name":"ep1","properties":{"provisioningState":"Succeeded","authMode":"Key","scoringUri":"https://ep1.westeurope.inference.ml.azure.com/score"}}""");
        });
        await using var backend = await ConnectAsync();
        var arm = backend.Arm!;
        var put = await arm.OnlineEndpoints.CreateOrUpdateAsync(Sub, Rg, Ws, "ep1", new ArmResource<OnlineEndpointProperties> { Location = "westeurope", Properties = new() { AuthMode = "Key" } }, default);
        var wait = arm.Lro.WaitAsync(put, ArmJsonContext.Default.ArmResourceOnlineEndpointProperties, default);
        while (!wait.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        var endpoint = await wait;
        Assert.Equal("Succeeded", endpoint!.Properties!.ProvisioningState);
        Assert.Equal(3, polls);
        Assert.Equal(endpointPath, _server.Requests.Last().Path);
    }

    [Fact]
    public async Task Lro_that_fails_raises_the_operation_error_and_one_past_its_timeout_gives_up()
    {
        Serve((ctx, req) => req.Method == "POST"
            ? LoopbackServer.JsonAsync(ctx, 202, "", ("Azure-AsyncOperation", $"{_server.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/op3"), ("Retry-After", "1"))
            : LoopbackServer.JsonAsync(ctx, 200, """{"status":"Failed","error":{"code":"UserError","message":"job is already finished"}}"""));
        await using var backend = await ConnectAsync();
        var arm = backend.Arm!;
        var wait = arm.Lro.WaitAsync(await arm.Jobs.CancelAsync(Sub, Rg, Ws, "job1", default), ArmJsonContext.Default.ArmEmpty, default);
        while (!wait.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
        var ex = await Assert.ThrowsAnyAsync<AzureMlException>(() => wait);
        Assert.Equal("UserError", ex.ErrorCode);
        Assert.Contains("already finished", ex.Message, StringComparison.Ordinal);

        Serve((ctx, req) => req.Method == "POST"
            ? LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{_server.BaseUri.AbsoluteUri.TrimEnd('/')}/loc/op4"), ("Retry-After", "60"))
            : LoopbackServer.JsonAsync(ctx, 202, "", ("Retry-After", "60")));
        var slow = new ArmLongRunningOperation(new HttpClient { BaseAddress = _server.BaseUri }, _time, TimeSpan.FromMinutes(3))
            .WaitAsync(await arm.Jobs.CancelAsync(Sub, Rg, Ws, "job2", default), ArmJsonContext.Default.ArmEmpty, default);
        while (!slow.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(10);
        }
        var timeout = await Assert.ThrowsAsync<ServiceUnavailableException>(() => slow);
        Assert.Equal("LongRunningOperationTimeout", timeout.ErrorCode);
    }

    [Fact]
    public async Task Mlflow_errors_map_to_typed_exceptions_with_status_and_request_id()
    {
        Serve((ctx, req) => req.Path.EndsWith("/runs/get", StringComparison.Ordinal)
            ? LoopbackServer.JsonAsync(ctx, 404, """{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run 'nope' not found"}""", ("x-request-id", "rid-mlflow"))
            : req.Path.EndsWith("/experiments/create", StringComparison.Ordinal)
                ? LoopbackServer.JsonAsync(ctx, 400, """{"error_code":"RESOURCE_ALREADY_EXISTS","message":"Experiment 'iris' already exists."}""")
                : req.Path.EndsWith("/experiments/get-by-name", StringComparison.Ordinal)
                    ? LoopbackServer.JsonAsync(ctx, 404, """{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}""")
                    : LoopbackServer.JsonAsync(ctx, 400, """{"error_code":"INVALID_PARAMETER_VALUE","message":"Changing param values is not allowed."}"""));
        await using var backend = await ConnectAsync();

        var notFound = await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Tracking.GetRunAsync("nope", default));
        Assert.Equal(404, notFound.Status);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", notFound.ErrorCode);
        Assert.Equal("rid-mlflow", notFound.RequestId);
        Assert.Contains("Run 'nope' not found", notFound.Message, StringComparison.Ordinal);

        var exists = await Assert.ThrowsAsync<ResourceExistsException>(() => backend.Tracking.CreateExperimentAsync("iris", null, default));
        Assert.Equal(400, exists.Status);
        Assert.Null(await backend.Tracking.GetExperimentByNameAsync("missing", default));
        var invalid = await Assert.ThrowsAsync<InvalidInputException>(() => backend.Tracking.LogBatchAsync("r1", new LogBatch([], [new("lr", "2")], []), default));
        Assert.Equal(AzureMlErrorCodes.InvalidParameterValue, invalid.ErrorCode);
    }

    [Fact]
    public async Task Arm_errors_map_to_typed_exceptions_with_service_code_and_ms_request_id()
    {
        Serve((ctx, req) => req.Method == "GET" && req.Path.EndsWith("/models/m1/versions/7", StringComparison.Ordinal)
            ? LoopbackServer.JsonAsync(ctx, 404, """{"error":{"code":"UserError","message":"Not found: model m1:7","details":[{"code":"NotFound","message":"The specified resource was not found."}]}}""", ("x-ms-request-id", "rid-arm"))
            : LoopbackServer.JsonAsync(ctx, 409, """{"error":{"code":"Conflict","message":"busy"}}""", ("x-ms-request-id", "rid-409")));
        await using var backend = await ConnectAsync();

        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Models.GetVersionAsync("m1", 7, default));
        Assert.Equal("UserError", ex.ErrorCode);
        Assert.Equal(404, ex.Status);
        Assert.Equal("rid-arm", ex.RequestId);
        Assert.Contains("The specified resource was not found.", ex.Message, StringComparison.Ordinal);

        var conflict = await Assert.ThrowsAsync<ResourceExistsException>(() => backend.Arm!.Jobs.CreateOrUpdateAsync(Sub, Rg, Ws, "j", new ArmResource<JobProperties> { Properties = new() { JobType = "Command" } }, default));
        Assert.Equal("Conflict", conflict.ErrorCode);
        Assert.Equal("rid-409", conflict.RequestId);
    }

    [Fact]
    public async Task Cancellation_stops_a_hanging_call_promptly()
    {
        Serve(async (ctx, req) => await Task.Delay(Timeout.Infinite, ctx.RequestAborted));
        await using var backend = await ConnectAsync();
        using var cts = new CancellationTokenSource();
        var call = backend.Tracking.GetRunAsync("r1", cts.Token);
        await WaitForRequestsAsync(2);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Attempt_timeouts_on_fake_time_end_as_service_unavailable_after_the_retries()
    {
        Serve(async (ctx, req) => await Task.Delay(Timeout.Infinite, ctx.RequestAborted));
        await using var backend = await ConnectAsync(options: Options(maxRetries: 1));
        var call = backend.Tracking.GetRunAsync("r1", default);
        while (!call.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(10);
        }
        var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => call);
        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, Count("/runs/get"));
    }

    [Fact]
    public async Task Plain_mlflow_server_gets_a_static_bearer_and_artifacts_say_they_are_not_supported()
    {
        Serve((ctx, req) => LoopbackServer.JsonAsync(ctx, 200, RunJson));
        await using var backend = RemoteWorkspaceBackend.ConnectMlflow(new Uri(_server.BaseUri, "/mlflow-root/"),
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "static-SECRET"), Options());
        await backend.Tracking.GetRunAsync("r1", default);
        var seen = _server.Requests.Last();
        Assert.Equal("/mlflow-root/api/2.0/mlflow/runs/get", seen.Path);
        Assert.Equal("Bearer static-SECRET", seen.Authorization);
        var ex = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => backend.Artifacts.ListAsync("r1", null, default));
        Assert.Contains("plain MLflow", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w",
        "https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w")]
    [InlineData("http://127.0.0.1:5000/mlflow/v1.0/x", "http://127.0.0.1:5000/mlflow/v1.0/x")]
    public void Mlflow_tracking_uri_becomes_an_http_base(string trackingUri, string expected) =>
        Assert.Equal(new Uri(expected), RemoteWorkspaceBackend.MlflowBaseUri(trackingUri));

    [Theory]
    [InlineData("https://management.azure.com/x/models?api-version=2026-07-01&$skip=abc%3D%3D", "abc==")]
    [InlineData("https://management.azure.com/x/models?api-version=2026-07-01", null)]
    [InlineData(null, null)]
    public void Next_link_skip_token_is_extracted_for_the_next_refit_call(string? nextLink, string? expected) =>
        Assert.Equal(expected, RemoteModelRegistry.SkipToken(nextLink));
}
