using System.Collections.Concurrent;
using System.Text.Json;
using AzureMlSdk.Backends.Remote;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// The ARM-backed online endpoints over real HTTP on loopback: a fake ARM (endpoint/deployment LROs, keys, traffic) and a
/// separate fake scoring host. Waits run on a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class RemoteEndpointBackendTests : IAsyncLifetime
{
    private const string Sub = "00000000-1111-2222-3333-444444444444";
    private const string WsPath = $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    private const string EpPath = WsPath + "/onlineEndpoints/ep1";
    private const string PrimaryKey = "pk-SECRET-0123456789";
    private const string SecondaryKey = "sk-SECRET-9876543210";

    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));

    private LoopbackServer _arm = null!;
    private LoopbackServer _scoring = null!;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync()
    {
        _arm = await LoopbackServer.StartAsync();
        _scoring = await LoopbackServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _arm.DisposeAsync();
        await _scoring.DisposeAsync();
    }

    private string ScoringUri => $"{_scoring.BaseUri.AbsoluteUri.TrimEnd('/')}/score";

    private string EndpointJson(string state = "Succeeded", string traffic = """{"blue":100,"green":0}""", string authMode = "Key") =>
        $$$"""{"id":"{{{EpPath}}}","name":"ep1","type":"Microsoft.MachineLearningServices/workspaces/onlineEndpoints","location":"westeurope","tags":{"team":"a"},"properties":{"authMode":"{{{authMode}}}","description":"d","scoringUri":"{{{ScoringUri}}}","swaggerUri":"{{{ScoringUri.Replace("/score", "/swagger.json", StringComparison.Ordinal)}}}","provisioningState":"{{{state}}}","traffic":{{{traffic}}}}}""";

    private static string DeploymentJson(string name, string state = "Succeeded") =>
        $$$"""{"name":"{{{name}}}","location":"westeurope","sku":{"name":"Default","capacity":2},"properties":{"endpointComputeType":"Managed","model":"{{{WsPath}}}/models/iris/versions/3","provisioningState":"{{{state}}}","requestSettings":{"maxConcurrentRequestsPerInstance":4,"requestTimeout":"PT2.5S"},"environmentVariables":{"A":"1"} } }""";

    /// <summary>Answers the workspace GET; everything else goes to <paramref name="route"/>.</summary>
    private void Serve(Func<HttpContext, SeenRequest, Task> route) =>
        _arm.Handle = async (ctx, req) =>
        {
            if (req.Method == "GET" && req.Path == WsPath)
            {
                await LoopbackServer.JsonAsync(ctx, 200, $$$"""{"id":"{{{WsPath}}}","name":"ws1","location":"westeurope","properties":{"mlFlowTrackingUri":"{{{_arm.BaseUri.AbsoluteUri}}}mlflow"}}""");
                return;
            }
            await route(ctx, req);
        };

    private static Task NotFound(HttpContext ctx) => LoopbackServer.JsonAsync(ctx, 404, """{"error":{"code":"NotFound","message":"no such resource"}}""");

    private Task<RemoteWorkspaceBackend> ConnectAsync() =>
        RemoteWorkspaceBackend.ConnectAsync(Sub, "rg", "ws1", new CountingCredential(_time, TimeSpan.FromHours(1)),
            new WorkspaceOptions { ResourceManagerEndpoint = _arm.BaseUri, TimeProvider = _time, LongRunningOperationTimeout = TimeSpan.FromMinutes(10) }, default);

    /// <summary>Advances the fake clock until <paramref name="task"/> ends (the poller waits on it).</summary>
    private async Task<T> DriveAsync<T>(Task<T> task)
    {
        for (var i = 0; i < 2000 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static JsonElement Body(SeenRequest request) => JsonDocument.Parse(request.Body).RootElement;

    [Fact]
    public async Task Create_endpoint_puts_it_polls_the_async_operation_and_returns_it_succeeded()
    {
        var polls = 0;
        var created = false;
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return created ? LoopbackServer.JsonAsync(ctx, 200, EndpointJson(traffic: "{}")) : NotFound(ctx);
            }
            if (req.Path == EpPath && req.Method == "PUT")
            {
                created = true;
                return LoopbackServer.JsonAsync(ctx, 201, EndpointJson("Creating", "{}"),
                    ("Azure-AsyncOperation", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/ep1-op?api-version=2026-07-01"), ("Retry-After", "1"));
            }
            if (req.Path == "/asyncOps/ep1-op")
            {
                return LoopbackServer.JsonAsync(ctx, 200, Interlocked.Increment(ref polls) <= 2 ? """{"status":"InProgress"}""" : """{"status":"Succeeded"}""", ("Retry-After", "1"));
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();
        var progress = new ConcurrentQueue<string>();

        var endpoint = await DriveAsync(backend.Endpoints.CreateOrUpdateEndpointAsync(
            new OnlineEndpointSpec("ep1") { Description = "d", Tags = new Dictionary<string, string> { ["team"] = "a" } }, new SyncProgress(progress), default));

        Assert.Equal(ProvisioningState.Succeeded, endpoint.ProvisioningState);
        Assert.Equal(EndpointAuthMode.Key, endpoint.AuthMode);
        Assert.Equal(new Uri(ScoringUri), endpoint.ScoringUri);
        Assert.Equal(3, polls);
        Assert.Equal(["Endpoint 'ep1': Creating", "Endpoint 'ep1': InProgress", "Endpoint 'ep1': Succeeded"], progress);

        var put = Assert.Single(_arm.Requests, r => r.Method == "PUT");
        Assert.Contains("api-version=2026-07-01", put.Query, StringComparison.Ordinal);
        var body = Body(put);
        Assert.Equal("westeurope", body.GetProperty("location").GetString());
        Assert.Equal("Key", body.GetProperty("properties").GetProperty("authMode").GetString());
        Assert.False(body.GetProperty("properties").TryGetProperty("scoringUri", out _));
        Assert.Empty(Spec.Validate(body, Spec.Definition("OnlineEndpoint").Schema, Spec.Root));
    }

    [Fact]
    public async Task Deployment_put_sends_the_model_arm_id_sku_capacity_and_request_settings()
    {
        var putDone = false;
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson(traffic: "{}"));
            }
            if (req.Path == EpPath + "/deployments/blue" && req.Method == "GET")
            {
                return putDone ? LoopbackServer.JsonAsync(ctx, 200, DeploymentJson("blue")) : NotFound(ctx);
            }
            if (req.Path == EpPath + "/deployments/blue" && req.Method == "PUT")
            {
                putDone = true;
                return LoopbackServer.JsonAsync(ctx, 201, DeploymentJson("blue", "Creating"),
                    ("Azure-AsyncOperation", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/blue-op"), ("Retry-After", "1"));
            }
            if (req.Path == "/asyncOps/blue-op")
            {
                return LoopbackServer.JsonAsync(ctx, 200, """{"status":"Succeeded"}""");
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();
        var spec = new OnlineDeploymentSpec("blue", "iris", 3)
        {
            InstanceCount = 2,
            InstanceType = "Standard_DS3_v2",
            RequestSettings = new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = 4, RequestTimeout = TimeSpan.FromMilliseconds(2500) },
            EnvironmentVariables = new Dictionary<string, string> { ["A"] = "1" },
            ReadinessProbe = new ProbeSettings { InitialDelay = TimeSpan.FromSeconds(1) },
        };

        var deployment = await DriveAsync(backend.Endpoints.CreateOrUpdateDeploymentAsync("ep1", spec, null, default));

        Assert.Equal(ProvisioningState.Succeeded, deployment.ProvisioningState);
        Assert.Equal(("iris", 3, 2), (deployment.ModelName, deployment.ModelVersion, deployment.InstanceCount));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), deployment.RequestSettings.RequestTimeout);
        Assert.Equal(4, deployment.RequestSettings.MaxConcurrentRequestsPerInstance);

        var body = Body(Assert.Single(_arm.Requests, r => r.Method == "PUT"));
        var p = body.GetProperty("properties");
        Assert.Equal($"{WsPath}/models/iris/versions/3", p.GetProperty("model").GetString());
        Assert.Equal("Managed", p.GetProperty("endpointComputeType").GetString());
        Assert.Equal(2, body.GetProperty("sku").GetProperty("capacity").GetInt32());
        Assert.Equal("Default", p.GetProperty("scaleSettings").GetProperty("scaleType").GetString());
        Assert.Equal(4, p.GetProperty("requestSettings").GetProperty("maxConcurrentRequestsPerInstance").GetInt32());
        Assert.Equal("PT2.5S", p.GetProperty("requestSettings").GetProperty("requestTimeout").GetString());
        Assert.Equal("1", p.GetProperty("environmentVariables").GetProperty("A").GetString());
        Assert.Equal("PT1S", p.GetProperty("readinessProbe").GetProperty("initialDelay").GetString());
        Assert.Empty(Spec.Validate(body, Spec.Definition("OnlineDeployment").Schema, Spec.Root));
    }

    [Fact]
    public async Task A_custom_scorer_is_not_supported_remotely_and_says_so_without_calling_azure()
    {
        Serve((ctx, _) => NotFound(ctx));
        await using var backend = await ConnectAsync();
        var before = _arm.Requests.Count;

        var spec = new OnlineDeploymentSpec("blue", "iris", 1).WithScorer<EchoScorer>();
        var ex = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => backend.Endpoints.CreateOrUpdateDeploymentAsync("ep1", spec, null, default));
        Assert.Contains("custom .NET scorer", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, _arm.Requests.Count);
    }

    [Fact]
    public async Task Set_traffic_puts_the_endpoint_back_with_the_validated_split()
    {
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson());
            }
            if (req.Path == EpPath + "/deployments" && req.Method == "GET")
            {
                return req.Query.Contains("skip", StringComparison.Ordinal)
                    ? LoopbackServer.JsonAsync(ctx, 200, $$$"""{"value":[{{{DeploymentJson("green")}}}]}""")
                    : LoopbackServer.JsonAsync(ctx, 200, $$$"""{"value":[{{{DeploymentJson("blue")}}}],"nextLink":"{{{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}}}{{{EpPath}}}/deployments?api-version=2026-07-01&$skip=page2"}""");
            }
            if (req.Path == EpPath && req.Method == "PUT")
            {
                using var doc = JsonDocument.Parse(req.Body);
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson(traffic: doc.RootElement.GetProperty("properties").GetProperty("traffic").GetRawText()));
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var endpoint = await DriveAsync(backend.Endpoints.SetTrafficAsync("ep1", new Dictionary<string, int> { ["blue"] = 90, ["GREEN"] = 10 }, default));

        Assert.Equal(90, endpoint.Traffic["blue"]);
        Assert.Equal(10, endpoint.Traffic["green"]);
        var body = Body(Assert.Single(_arm.Requests, r => r.Method == "PUT"));
        Assert.Equal("""{"blue":90,"green":10}""", body.GetProperty("properties").GetProperty("traffic").GetRawText());
        Assert.Equal("westeurope", body.GetProperty("location").GetString());
        Assert.Equal("a", body.GetProperty("tags").GetProperty("team").GetString());
        Assert.False(body.TryGetProperty("id", out _));
        Assert.Empty(Spec.Validate(body, Spec.Definition("OnlineEndpoint").Schema, Spec.Root));

        var unknown = await Assert.ThrowsAsync<InvalidInputException>(() => backend.Endpoints.SetTrafficAsync("ep1", new Dictionary<string, int> { ["red"] = 100 }, default));
        Assert.Contains("'red'", unknown.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => backend.Endpoints.SetTrafficAsync("ep1", new Dictionary<string, int> { ["blue"] = 50 }, default));
        await Assert.ThrowsAsync<InvalidInputException>(() => backend.Endpoints.SetTrafficAsync("ep1", new Dictionary<string, int> { ["blue"] = 101, ["green"] = -1 }, default));
        Assert.Single(_arm.Requests, r => r.Method == "PUT");

        // A deployment that still takes traffic cannot be deleted.
        await Assert.ThrowsAsync<InvalidStateException>(() => backend.Endpoints.DeleteDeploymentAsync("ep1", "blue", null, default));
        Assert.DoesNotContain(_arm.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task Keys_are_listed_and_regenerated_through_the_lro_and_token_is_read()
    {
        var regenerated = false;
        var locationPolls = 0;
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson());
            }
            if (req.Path == EpPath + "/listKeys")
            {
                return LoopbackServer.JsonAsync(ctx, 200, $$$"""{"primaryKey":"{{{PrimaryKey}}}","secondaryKey":"{{{(regenerated ? "sk-NEW" : SecondaryKey)}}}"}""");
            }
            if (req.Path == EpPath + "/regenerateKeys")
            {
                return LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/operationResults/keys1"), ("Retry-After", "2"));
            }
            if (req.Path == "/operationResults/keys1")
            {
                if (Interlocked.Increment(ref locationPolls) < 2)
                {
                    return LoopbackServer.JsonAsync(ctx, 202, "", ("Retry-After", "2"));
                }
                regenerated = true;
                ctx.Response.StatusCode = 200;
                return Task.CompletedTask;
            }
            if (req.Path == EpPath + "/token")
            {
                return LoopbackServer.JsonAsync(ctx, 200, """{"accessToken":"aml-SECRET","tokenType":"Bearer","expiryTimeUtc":1767229200,"refreshAfterTimeUtc":1767227400}""");
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var keys = await backend.Endpoints.GetKeysAsync("ep1", default);
        Assert.Equal((PrimaryKey, SecondaryKey), (keys.PrimaryKey, keys.SecondaryKey));
        Assert.DoesNotContain("SECRET", keys.ToString(), StringComparison.Ordinal);

        var fresh = await DriveAsync(backend.Endpoints.RegenerateKeyAsync("ep1", EndpointKeyType.Secondary, "sk-NEW", default));
        Assert.Equal("sk-NEW", fresh.SecondaryKey);
        Assert.Equal(2, locationPolls);
        var regen = Body(Assert.Single(_arm.Requests, r => r.Path.EndsWith("/regenerateKeys", StringComparison.Ordinal)));
        Assert.Equal("Secondary", regen.GetProperty("keyType").GetString());
        Assert.Equal("sk-NEW", regen.GetProperty("keyValue").GetString());
        Assert.Empty(Spec.Validate(regen, Spec.Definition("RegenerateEndpointKeysRequest").Schema, Spec.Root));

        var token = await backend.Endpoints.GetTokenAsync("ep1", default);
        Assert.Equal("aml-SECRET", token.AccessToken);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767229200), token.ExpiresOn);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1767227400), token.RefreshAfter);
    }

    [Fact]
    public async Task Invoke_posts_to_the_scoring_uri_with_the_key_and_pin_and_maps_errors_without_leaking_the_key()
    {
        var listKeys = 0;
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson());
            }
            if (req.Path == EpPath + "/listKeys")
            {
                Interlocked.Increment(ref listKeys);
                return LoopbackServer.JsonAsync(ctx, 200, $$$"""{"primaryKey":"{{{PrimaryKey}}}","secondaryKey":"{{{SecondaryKey}}}"}""");
            }
            return NotFound(ctx);
        });
        _scoring.Handle = (ctx, req) => req.Body switch
        {
            var b when b.Contains("bad", StringComparison.Ordinal) => LoopbackServer.JsonAsync(ctx, 400, """{"error":"Missing input 'sepal_length'"}"""),
            var b when b.Contains("deny", StringComparison.Ordinal) => LoopbackServer.JsonAsync(ctx, 401, "{}"),
            var b when b.Contains("busy", StringComparison.Ordinal) => LoopbackServer.JsonAsync(ctx, 429, "{}"),
            _ => LoopbackServer.JsonAsync(ctx, 200, """{"predictions":[1]}"""),
        };
        await using var backend = await ConnectAsync();

        var reply = await backend.Endpoints.InvokeAsync("ep1", """{"input_data":{"data":[[1,2,3,4]]}}""", "blue", default);

        Assert.Equal("""{"predictions":[1]}""", reply);
        var scored = Assert.Single(_scoring.Requests);
        Assert.Equal(("POST", "/score"), (scored.Method, scored.Path));
        Assert.Equal("Bearer " + PrimaryKey, scored.Authorization);
        Assert.Equal("blue", scored.Headers["azureml-model-deployment"]);
        Assert.Equal("""{"input_data":{"data":[[1,2,3,4]]}}""", scored.Body);
        Assert.DoesNotContain(_arm.Requests, r => (r.Authorization ?? string.Empty).Contains(PrimaryKey, StringComparison.Ordinal));

        var bad = await Assert.ThrowsAsync<InvalidInputException>(() => backend.Endpoints.InvokeAsync("ep1", """{"bad":1}""", null, default));
        Assert.Equal(400, bad.Status);
        Assert.False(_scoring.Requests.Last().Headers.ContainsKey("azureml-model-deployment"));
        // 429 is retried (a throttled request was not processed) on the fake clock, then surfaces as ServiceUnavailable.
        var busy = await Assert.ThrowsAsync<ServiceUnavailableException>(() => DriveAsync(backend.Endpoints.InvokeAsync("ep1", """{"busy":1}""", null, default)));
        Assert.True(_scoring.Requests.Count(r => r.Body.Contains("busy", StringComparison.Ordinal)) > 1);
        Assert.Equal(1, listKeys); // the key is cached between invocations

        // A 401 refetches the key once, then surfaces as an authentication error.
        var denied = await Assert.ThrowsAsync<AzureMlAuthenticationException>(() => backend.Endpoints.InvokeAsync("ep1", """{"deny":1}""", null, default));
        Assert.Equal(2, listKeys);
        foreach (var ex in new Exception[] { bad, busy, denied })
        {
            Assert.DoesNotContain("SECRET", ex.ToString(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain(_scoring.Requests, r => (r.Authorization ?? string.Empty).Contains("tok-SECRET", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_aad_token_endpoint_is_invoked_with_a_token_for_azure_mls_scope_never_the_arm_token()
    {
        Serve((ctx, req) => req.Path == EpPath && req.Method == "GET" ? LoopbackServer.JsonAsync(ctx, 200, EndpointJson(authMode: "AADToken")) : NotFound(ctx));
        _scoring.Handle = (ctx, req) => req.Body.Contains("deny", StringComparison.Ordinal)
            ? LoopbackServer.JsonAsync(ctx, 401, """{"error":{"code":"Unauthorized","message":"token rejected"}}""")
            : LoopbackServer.JsonAsync(ctx, 200, """{"predictions":[2]}""");
        var credential = new ScopedCredential(_time);
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(Sub, "rg", "ws1", credential,
            new WorkspaceOptions { ResourceManagerEndpoint = _arm.BaseUri, TimeProvider = _time, MachineLearningTokenScope = "https://ml.example/.default" }, default);

        var reply = await backend.Endpoints.InvokeAsync("ep1", """{"input_data":{"data":[[1]]}}""", "blue", default);

        Assert.Equal("""{"predictions":[2]}""", reply);
        var scored = Assert.Single(_scoring.Requests);
        Assert.Equal("Bearer ml-SECRET-1", scored.Authorization);
        Assert.Equal("blue", scored.Headers["azureml-model-deployment"]);
        Assert.DoesNotContain(_arm.Requests, r => r.Path.EndsWith("/listKeys", StringComparison.Ordinal) || r.Path.EndsWith("/token", StringComparison.Ordinal));

        // A rejected token is fetched again once (the credential may have handed out a revoked one), then the 401 surfaces.
        var denied = await Assert.ThrowsAsync<AzureMlAuthenticationException>(() => backend.Endpoints.InvokeAsync("ep1", """{"deny":1}""", null, default));
        Assert.Equal(["Bearer ml-SECRET-1", "Bearer ml-SECRET-1", "Bearer ml-SECRET-2"], _scoring.Requests.Select(r => r.Authorization));
        Assert.DoesNotContain(_scoring.Requests, r => (r.Authorization ?? string.Empty).Contains("arm-SECRET", StringComparison.Ordinal));
        Assert.DoesNotContain("SECRET", denied.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Hands out <c>arm-SECRET</c> for the ARM scope and a new <c>ml-SECRET-n</c> at each call for the test's Azure ML scope.</summary>
    private sealed class ScopedCredential(TimeProvider time) : Azure.Core.TokenCredential
    {
        private int _ml;

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new Azure.Core.AccessToken(requestContext.Scopes.Single() switch
            {
                "https://management.azure.com/.default" => "arm-SECRET",
                "https://ml.example/.default" => $"ml-SECRET-{Interlocked.Increment(ref _ml)}",
                var other => throw new InvalidOperationException($"Unexpected scope {other}"),
            }, time.GetUtcNow().AddHours(1)));
    }

    [Fact]
    public async Task Endpoints_are_listed_across_pages_and_deleted_through_the_lro()
    {
        var deletePolls = 0;
        Serve((ctx, req) =>
        {
            if (req.Path == WsPath + "/onlineEndpoints" && req.Method == "GET")
            {
                return req.Query.Contains("skip", StringComparison.Ordinal)
                    ? LoopbackServer.JsonAsync(ctx, 200, """{"value":[{"name":"alpha","properties":{"authMode":"AMLToken","provisioningState":"Updating"}}]}""")
                    : LoopbackServer.JsonAsync(ctx, 200, $$$"""{"value":[{{{EndpointJson()}}}],"nextLink":"{{{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}}}{{{WsPath}}}/onlineEndpoints?api-version=2026-07-01&$skip=p2"}""");
            }
            if (req.Path == EpPath && req.Method == "DELETE")
            {
                return LoopbackServer.JsonAsync(ctx, 202, "", ("Location", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/operationResults/del1"), ("Retry-After", "5"));
            }
            if (req.Path == "/operationResults/del1")
            {
                if (Interlocked.Increment(ref deletePolls) < 3)
                {
                    return LoopbackServer.JsonAsync(ctx, 202, "", ("Retry-After", "5"));
                }
                ctx.Response.StatusCode = 200;
                return Task.CompletedTask;
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var all = await backend.Endpoints.ListEndpointsAsync(default);
        Assert.Equal(["alpha", "ep1"], all.Select(e => e.Name));
        Assert.Equal((EndpointAuthMode.AmlToken, ProvisioningState.Updating), (all[0].AuthMode, all[0].ProvisioningState));
        Assert.Contains("$skip=p2", Uri.UnescapeDataString(_arm.Requests.Last().Query), StringComparison.Ordinal);

        var progress = new ConcurrentQueue<string>();
        await DriveAsync(Wrap(backend.Endpoints.DeleteEndpointAsync("ep1", new SyncProgress(progress), default)));
        Assert.Equal(3, deletePolls);
        Assert.Equal(["Endpoint 'ep1': Deleting", "Endpoint 'ep1': deleted"], progress);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.GetEndpointAsync("nope1", default));
    }

    [Fact]
    public async Task An_update_answered_200_with_an_async_operation_is_polled_until_it_succeeds()
    {
        var polls = 0;
        var applied = false;
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson(applied ? "Succeeded" : "Updating", applied ? """{"blue":0,"green":100}""" : """{"blue":100,"green":0}"""));
            }
            if (req.Path == EpPath + "/deployments" && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, $$$"""{"value":[{{{DeploymentJson("blue")}}},{{{DeploymentJson("green")}}}]}""");
            }
            if (req.Path == EpPath && req.Method == "PUT")
            {
                // ARM's answer to a PUT that updates: 200 with the resource still Updating, and the operation to follow.
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson("Updating", """{"blue":0,"green":100}"""),
                    ("Azure-AsyncOperation", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/traffic-op"), ("Retry-After", "1"));
            }
            if (req.Path == "/asyncOps/traffic-op")
            {
                var done = Interlocked.Increment(ref polls) >= 2;
                applied = done;
                return LoopbackServer.JsonAsync(ctx, 200, done ? """{"status":"Succeeded"}""" : """{"status":"InProgress"}""", ("Retry-After", "1"));
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var endpoint = await DriveAsync(backend.Endpoints.SetTrafficAsync("ep1", new Dictionary<string, int> { ["green"] = 100 }, default));

        Assert.Equal(2, polls);
        Assert.Equal(ProvisioningState.Succeeded, endpoint.ProvisioningState);
        Assert.Equal(100, endpoint.Traffic["green"]);
        Assert.Equal(EpPath, _arm.Requests.Last().Path);
    }

    [Fact]
    public async Task A_deployment_whose_operation_fails_raises_invalid_state_with_the_service_error()
    {
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson(traffic: "{}"));
            }
            if (req.Path == EpPath + "/deployments/blue" && req.Method == "PUT")
            {
                return LoopbackServer.JsonAsync(ctx, 201, DeploymentJson("blue", "Creating"),
                    ("Azure-AsyncOperation", $"{_arm.BaseUri.AbsoluteUri.TrimEnd('/')}/asyncOps/blue-failed"), ("Retry-After", "1"));
            }
            if (req.Path == "/asyncOps/blue-failed")
            {
                return LoopbackServer.JsonAsync(ctx, 200, """{"status":"Failed","error":{"code":"UserError","message":"Model 'iris' version '3' does not exist."}}""", ("x-ms-request-id", "rid-op"));
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var error = await Assert.ThrowsAsync<InvalidStateException>(() => DriveAsync(backend.Endpoints.CreateOrUpdateDeploymentAsync("ep1", new OnlineDeploymentSpec("blue", "iris", 3), null, default)));

        Assert.Equal("UserError", error.ErrorCode);
        Assert.Equal("rid-op", error.RequestId);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_what_arm_answers_204_for_is_not_found()
    {
        Serve((ctx, req) =>
        {
            if (req.Path == EpPath && req.Method == "GET")
            {
                return LoopbackServer.JsonAsync(ctx, 200, EndpointJson(traffic: "{}"));
            }
            if (req.Method == "DELETE")
            {
                ctx.Response.StatusCode = 204; // ARM: there was nothing to delete
                return Task.CompletedTask;
            }
            return NotFound(ctx);
        });
        await using var backend = await ConnectAsync();

        var endpoint = await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.DeleteEndpointAsync("ep1", null, default));
        var deployment = await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Endpoints.DeleteDeploymentAsync("ep1", "gone", null, default));

        Assert.Contains("'ep1'", endpoint.Message, StringComparison.Ordinal);
        Assert.Contains("'gone'", deployment.Message, StringComparison.Ordinal);
        Assert.Equal(2, _arm.Requests.Count(r => r.Method == "DELETE"));
    }

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }

    private sealed class SyncProgress(ConcurrentQueue<string> values) : IProgress<string>
    {
        public void Report(string value) => values.Enqueue(value);
    }

    private sealed class EchoScorer : IScorer
    {
        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken) => Task.FromResult(requestJson);
    }
}
