using System.Net;
using System.Text.Json.Nodes;
using NSubstitute;

namespace AzureMlSdk.Tests.Endpoints;

public sealed class LocalEndpointTests : EndpointTestBase
{
    private async Task<OnlineEndpoint> BlueGreenAsync(Func<IScorer>? green = null, OnlineRequestSettings? greenSettings = null)
    {
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("bg-ep"), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model).WithScorer<NameScorer>(), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("green", model) { Scorer = green ?? (() => new NameScorer()), RequestSettings = greenSettings ?? new() }, cancellationToken: Ct);
        return ep;
    }

    private static string Served(string reply) => (string)JsonNode.Parse(reply)!["deployment"]!;

    [Fact]
    public async Task Traffic_split_90_10_routes_within_binomial_bounds()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 }, Ct);
        Assert.Equal(90, ep.Traffic["blue"]);

        const int n = 1000;
        var green = 0;
        for (var i = 0; i < n; i++)
        {
            if (Served(await ep.InvokeAsync("{}", cancellationToken: Ct)) == "green")
            {
                green++;
            }
        }

        // Binomial(1000, 0.1): mean 100, sd 9.5; ±5 sd.
        Assert.InRange(green, 100 - 48, 100 + 48);
    }

    [Fact]
    public async Task Zero_one_hundred_sends_everything_to_green()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 0, ["green"] = 100 }, Ct);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("green", Served(await ep.InvokeAsync("{}", cancellationToken: Ct)));
        }
    }

    [Fact]
    public async Task Deployment_header_pins_a_deployment_whatever_the_traffic()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }, Ct);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("green", Served(await ep.InvokeAsync("{}", "green", Ct)));
        }
        var keys = await ep.GetKeysAsync(Ct);
        using var response = await PostAsync(ep, "{}", keys.PrimaryKey, deployment: "green");
        Assert.Equal("green", response.Headers.GetValues(OnlineEndpoint.DeploymentHeader).Single());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.InvokeAsync("{}", "purple", Ct));
    }

    [Fact]
    public async Task Requests_without_a_key_or_with_a_wrong_key_are_401()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }, Ct);
        var keys = await ep.GetKeysAsync(Ct);
        Assert.NotEqual(keys.PrimaryKey, keys.SecondaryKey);

        using (var none = await PostAsync(ep, "{}", key: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }
        using (var wrong = await PostAsync(ep, "{}", key: keys.PrimaryKey + "x"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using (var secondary = await PostAsync(ep, "{}", key: keys.SecondaryKey))
        {
            Assert.Equal(HttpStatusCode.OK, secondary.StatusCode);
        }

        var regenerated = await ep.RegenerateKeysAsync(EndpointKeyType.Primary, cancellationToken: Ct);
        Assert.NotEqual(keys.PrimaryKey, regenerated.PrimaryKey);
        Assert.Equal(keys.SecondaryKey, regenerated.SecondaryKey);
        using (var old = await PostAsync(ep, "{}", key: keys.PrimaryKey))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }
        Assert.Equal("blue", Served(await ep.InvokeAsync("{}", cancellationToken: Ct)));
    }

    [Fact]
    public async Task AmlToken_endpoints_take_tokens_not_keys()
    {
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("token-ep") { AuthMode = EndpointAuthMode.AmlToken }, cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }.WithScorer<NameScorer>(), cancellationToken: Ct);

        var token = await ep.GetTokenAsync(Ct);
        using (var ok = await PostAsync(ep, "{}", token.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var bad = await PostAsync(ep, "{}", "not-a-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        }
        await Assert.ThrowsAsync<InvalidStateException>(() => ep.GetKeysAsync(Ct));
        Assert.Equal("blue", Served(await ep.InvokeAsync("{}", cancellationToken: Ct)));
    }

    [Fact]
    public async Task Requests_past_the_concurrency_limit_are_429()
    {
        var gate = new GateScorer();
        var ep = await BlueGreenAsync(() => gate, new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = 1, RequestTimeout = TimeSpan.FromSeconds(30) });

        var first = ep.InvokeAsync("{}", "green", Ct);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => ep.InvokeAsync("{}", "green", Ct));
        Assert.Equal(429, error.Status);
        Assert.Equal(AzureMlErrorCodes.RequestLimitExceeded, error.ErrorCode);
        Assert.Equal("blue", Served(await ep.InvokeAsync("{}", "blue", Ct)));   // the limit is per deployment

        gate.Release.SetResult();
        Assert.Contains("released", await first, StringComparison.Ordinal);
        Assert.Contains("released", await ep.InvokeAsync("{}", "green", Ct), StringComparison.Ordinal);
        Assert.Contains("429", await ep.GetLogsAsync("green", cancellationToken: Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_past_its_timeout_is_408()
    {
        var gate = new GateScorer();
        var ep = await BlueGreenAsync(() => gate, new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = 4, RequestTimeout = TimeSpan.FromMilliseconds(200) });

        var error = await Assert.ThrowsAsync<ServiceUnavailableException>(() => ep.InvokeAsync("{}", "green", Ct));

        Assert.Equal(408, error.Status);
        Assert.Contains("request timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scorer_that_ignores_its_timeout_keeps_its_slot_until_its_task_ends()
    {
        var stubborn = new StubbornScorer();
        var ep = await BlueGreenAsync(() => stubborn, new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = 1, RequestTimeout = TimeSpan.FromMilliseconds(200) });

        var timedOut = await Assert.ThrowsAsync<ServiceUnavailableException>(() => ep.InvokeAsync("{}", "green", Ct));
        Assert.Equal(408, timedOut.Status);
        // The 408 answered the caller, but the scorer still runs: under a limit of 1 nothing else may start.
        for (var i = 0; i < 3; i++)
        {
            var busy = await Assert.ThrowsAsync<ServiceUnavailableException>(() => ep.InvokeAsync("{}", "green", Ct));
            Assert.Equal(429, busy.Status);
        }
        Assert.Equal(1, stubborn.Started);
        Assert.Equal(1, stubborn.MaxConcurrent);

        stubborn.Release.SetResult();
        string? reply = null;
        for (var attempt = 0; reply is null && attempt < 100; attempt++)
        {
            try
            {
                reply = await ep.InvokeAsync("{}", "green", Ct);
            }
            catch (ServiceUnavailableException ex) when (ex.Status == 429)
            {
                await Task.Delay(50, Ct); // the slot is freed as the scorer's task ends, on its own thread
            }
        }
        Assert.Contains("finished", reply, StringComparison.Ordinal);
        Assert.Equal(1, stubborn.MaxConcurrent);
    }

    [Fact]
    public async Task Traffic_is_validated()
    {
        var ep = await BlueGreenAsync();

        var unknown = await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 50, ["purple"] = 50 }, Ct));
        Assert.Contains("'purple'", unknown.Message, StringComparison.Ordinal);
        var sum = await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 50, ["green"] = 40 }, Ct));
        Assert.Contains("sum to 90", sum.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 110, ["green"] = -10 }, Ct));

        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 0, ["green"] = 0 }, Ct);
        var none = await Assert.ThrowsAsync<ServiceUnavailableException>(() => ep.InvokeAsync("{}", cancellationToken: Ct));
        Assert.Contains("No valid deployments", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deployment_with_traffic_cannot_be_deleted_and_one_without_stops_serving()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }, Ct);
        var blue = await ep.GetDeploymentAsync("blue", Ct);
        var green = await ep.GetDeploymentAsync("green", Ct);

        await Assert.ThrowsAsync<InvalidStateException>(() => blue.DeleteAsync(cancellationToken: Ct));
        await green.DeleteAsync(cancellationToken: Ct);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.InvokeAsync("{}", "green", Ct));
        Assert.Equal(["blue"], await ep.ListDeploymentsAsync(Ct).Select(d => d.Name).ToListAsync(Ct));
    }

    [Fact]
    public async Task Deleting_the_endpoint_stops_serving()
    {
        var ep = await BlueGreenAsync();
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }, Ct);
        var keys = await ep.GetKeysAsync(Ct);
        var uri = ep.ScoringUri!;
        var progress = new List<string>();

        await ep.DeleteAsync(new SyncProgress(progress), Ct);

        Assert.Contains(progress, p => p.Contains("Deleting", StringComparison.Ordinal));
        // Even with a key that was valid, nothing answers any more: the host is gone, not just refusing.
        using var withKey = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent("{}") };
        withKey.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", keys.PrimaryKey);
        await Assert.ThrowsAsync<HttpRequestException>(() => Http.SendAsync(withKey, Ct));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.InvokeAsync("{}", cancellationToken: Ct));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetEndpointAsync("bg-ep", Ct));
    }

    [Fact]
    public async Task Disposing_the_workspace_stops_its_endpoints()
    {
        var ep = await BlueGreenAsync();
        var uri = ep.ScoringUri!;

        await Ws.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => Http.PostAsync(uri, new StringContent("{}"), Ct));
    }

    [Fact]
    public async Task Create_and_deploy_report_provisioning_progress_and_states()
    {
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        var progress = new List<string>();

        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("progress-ep") { Description = "d", Tags = new Dictionary<string, string> { ["team"] = "ml" } }, new SyncProgress(progress), Ct);
        var blue = await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { EnvironmentVariables = new Dictionary<string, string> { ["GREETING"] = "hi" } }.WithScorer<NameScorer>(), new SyncProgress(progress), Ct);

        Assert.Equal(ProvisioningState.Succeeded, ep.ProvisioningState);
        Assert.Equal(ProvisioningState.Succeeded, blue.ProvisioningState);
        Assert.Equal(EndpointAuthMode.Key, ep.AuthMode);
        Assert.Equal("ml", ep.Tags["team"]);
        Assert.Equal(["Creating", "Succeeded"], progress.Where(p => p.StartsWith("Endpoint", StringComparison.Ordinal)).Select(p => p.Split(": ")[1]).Where(s => s is "Creating" or "Succeeded"));
        Assert.Contains(progress, p => p.Contains("Downloading model any:1", StringComparison.Ordinal));
        var logs = await blue.GetLogsAsync(cancellationToken: Ct);
        Assert.Contains("GREETING=hi", logs, StringComparison.Ordinal);
        Assert.Equal(2, (await blue.GetLogsAsync(tail: 2, cancellationToken: Ct)).Split('\n').Length);

        var updated = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("progress-ep") { Traffic = new Dictionary<string, int> { ["blue"] = 100 } }, cancellationToken: Ct);
        Assert.Equal(100, updated.Traffic["blue"]);
        Assert.Equal("d", updated.Description);
        Assert.Equal(["progress-ep"], await Ws.ListEndpointsAsync(Ct).Select(e => e.Name).ToListAsync(Ct));
    }

    [Fact]
    public async Task A_scorer_that_fails_to_start_leaves_a_failed_deployment_and_says_why()
    {
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("fail-ep"), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<AzureMlException>(() => ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { Scorer = () => new BrokenScorer() }, cancellationToken: Ct));

        Assert.Contains("weights missing", error.Message, StringComparison.Ordinal);
        var blue = await ep.GetDeploymentAsync("blue", Ct);
        Assert.Equal(ProvisioningState.Failed, blue.ProvisioningState);
        Assert.Contains("weights missing", await blue.GetLogsAsync(cancellationToken: Ct), StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidStateException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }, Ct));

        // A model without an .onnx file and without a scorer cannot be served.
        var noScorer = await Assert.ThrowsAsync<InvalidStateException>(() => ep.DeployAsync(new OnlineDeploymentSpec("green", model), cancellationToken: Ct));
        Assert.Contains("custom scorer", noScorer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeploying_swaps_the_model_without_dropping_the_endpoint()
    {
        var v1 = await RegisterAsync("linear", TinyOnnx.Linear([1f, 1f, 1f], 0f));
        var v2 = await RegisterAsync("linear", TinyOnnx.Linear([1f, 1f, 1f], 100f));
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("swap-ep"), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", v1) { AllTraffic = true }, cancellationToken: Ct);
        const string body = """{"inputs": {"features": [[1, 1, 1]]}}""";
        Assert.Contains("[[3]]", await ep.InvokeAsync(body, cancellationToken: Ct), StringComparison.Ordinal);

        var blue = await ep.DeployAsync(new OnlineDeploymentSpec("blue", v2), cancellationToken: Ct);

        Assert.Equal(2, blue.ModelVersion);
        Assert.Contains("[[103]]", await ep.InvokeAsync(body, cancellationToken: Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_keep_succeeding_while_a_deployment_is_redeployed()
    {
        var versions = new List<Model>();
        for (var bias = 0; bias < 3; bias++)
        {
            versions.Add(await RegisterAsync("linear", TinyOnnx.Linear([1f, 1f, 1f], bias)));
        }
        var settings = new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = 16 };
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("rolling-ep"), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", versions[0]) { AllTraffic = true, RequestSettings = settings }, cancellationToken: Ct);
        using var stop = new CancellationTokenSource();
        var failures = new List<Exception>();
        var served = 0;
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await ep.InvokeAsync("""{"inputs": {"features": [[1, 1, 1]]}}""", cancellationToken: Ct);
                    Interlocked.Increment(ref served);
                }
                catch (Exception ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex);
                    }
                }
            }
        })).ToList();

        async Task TrafficFlowsAsync()
        {
            var target = Volatile.Read(ref served) + 20;
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref served) < target && DateTime.UtcNow < deadline && failures.Count == 0)
            {
                await Task.Delay(5, Ct);
            }
        }

        foreach (var version in versions.Skip(1).Concat(versions))
        {
            await TrafficFlowsAsync();
            await ep.DeployAsync(new OnlineDeploymentSpec("blue", version) { RequestSettings = settings }, cancellationToken: Ct);
        }
        await TrafficFlowsAsync();
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(served >= 100, $"only {served} requests were served");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("abc_def")]
    [InlineData("abc-")]
    [InlineData("a23456789012345678901234567890123")]
    public void Endpoint_names_follow_the_azure_ml_rule(string name)
    {
        var error = Assert.Throws<InvalidInputException>(() => new OnlineEndpointSpec(name));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => new OnlineDeploymentSpec(name, "m", 1));
    }

    [Fact]
    public async Task Endpoint_objects_can_be_substituted_in_user_tests()
    {
        var ep = Substitute.For<OnlineEndpoint>();
        ep.Name.Returns("fake");
        ep.InvokeAsync("{}", null, Arg.Any<CancellationToken>()).Returns("""{"predictions":[1]}""");

        Assert.Equal("fake", ep.Name);
        Assert.Equal("""{"predictions":[1]}""", await ep.InvokeAsync("{}"));
        Assert.NotNull(Substitute.For<OnlineDeployment>());
    }

    /// <summary>Ignores cancellation: runs until released, counting how many run at once.</summary>
    private sealed class StubbornScorer : IScorer
    {
        private int _running;
        private int _started;
        private int _max;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Started => Volatile.Read(ref _started);

        public int MaxConcurrent => Volatile.Read(ref _max);

        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<string> RunAsync(string requestJson, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _running);
            int seen;
            while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }
            try
            {
                await Release.Task; // no cancellation token: a scorer that ignores its timeout
                return """{"finished":true}""";
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    private sealed class BrokenScorer : IScorer
    {
        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => throw new FileNotFoundException("weights missing");

        public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken) => Task.FromResult("{}");
    }

    /// <summary>Records reports synchronously (Progress&lt;T&gt; posts them later).</summary>
    private sealed class SyncProgress(List<string> sink) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
