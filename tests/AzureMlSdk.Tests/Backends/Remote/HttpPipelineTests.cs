using System.Net.Http.Headers;
using System.Reflection;
using System.Text.RegularExpressions;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The one HTTP pipeline: retry-safety declared on the Refit methods, the SDK's headers, one retry layer, the breaker's tuning.</summary>
public sealed partial class HttpPipelineTests
{
    private static readonly Type[] RefitInterfaces = typeof(Workspace).Assembly.GetTypes()
        .Where(t => t.IsInterface && t.GetMethods().Any(m => m.GetCustomAttributes().Any(a => a is Refit.HttpMethodAttribute)))
        .ToArray();

    [Fact]
    public void Every_refit_method_declares_whether_a_replay_is_safe_and_says_why()
    {
        Assert.True(RefitInterfaces.Length >= 12, $"found only {RefitInterfaces.Length} Refit interfaces");
        var problems = new List<string>();
        foreach (var type in RefitInterfaces)
        {
            foreach (var group in type.GetMethods().GroupBy(m => m.Name).Where(g => g.Count() > 1))
            {
                problems.Add($"{type.Name}.{group.Key} is overloaded (retry-safety is looked up by name)");
            }
            foreach (var method in type.GetMethods())
            {
                var safe = method.GetCustomAttribute<RetrySafeAttribute>();
                var notSafe = method.GetCustomAttribute<NotRetrySafeAttribute>();
                if ((safe is null) == (notSafe is null))
                {
                    problems.Add($"{type.Name}.{method.Name} must carry exactly one of [RetrySafe] / [NotRetrySafe]");
                }
                else if (string.IsNullOrWhiteSpace(safe?.Reason ?? notSafe?.Reason))
                {
                    problems.Add($"{type.Name}.{method.Name} gives no reason");
                }
            }
        }
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("IMlflowTrackingApi", "LogBatchAsync", true)]
    [InlineData("IMlflowTrackingApi", "CreateRunAsync", false)]
    [InlineData("IMlflowTrackingApi", "CreateExperimentAsync", false)]
    [InlineData("IMlflowRegistryApi", "CreateModelVersionAsync", false)]
    [InlineData("IArmDatastoresApi", "ListSecretsAsync", true)]
    [InlineData("IArmJobsApi", "CancelAsync", true)]
    [InlineData("IBatchJobsApi", "CreateJobAsync", false)]
    public void Declarations_of_the_calls_that_matter(string type, string method, bool expected) =>
        Assert.Equal(expected, RetrySafety.Read(RefitInterfaces.Single(t => t.Name == type).GetMethod(method)!));

    [Fact]
    public async Task Every_request_carries_the_user_agent_and_one_client_request_id_across_its_retries()
    {
        var stub = new StubWorkspace();
        var logBatches = 0;
        stub.Mlflow = r => r.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal) && ++logBatches == 1
            ? StubHandler.Json(503, "{}", ("Retry-After", "0"))
            : r.Path.EndsWith("/runs/get", StringComparison.Ordinal) ? StubHandler.Json(200, StubWorkspace.RunJson) : StubHandler.Json(200, "{}");
        var options = stub.Options();
        options.ApplicationId = "my-app/2.1";
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), options, default);
        await backend.Tracking.LogBatchAsync("r1", LogBatch.OfMetrics([new MetricPoint("acc", 0.5, 1, stub.Time.GetUtcNow())]), default).WaitAsync(TimeSpan.FromSeconds(10));
        await backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10));

        var all = stub.Handler.Requests.ToList();
        Assert.All(all, r =>
        {
            Assert.Matches(UserAgentPattern(), r.Header("User-Agent"));
            Assert.StartsWith("my-app/2.1 AzureMlSdk/", r.Header("User-Agent"), StringComparison.Ordinal);
            Assert.True(Guid.TryParse(r.Header("x-ms-client-request-id"), out _), r.Header("x-ms-client-request-id"));
            Assert.Equal("true", r.Header("x-ms-return-client-request-id"));
        });
        var batches = all.Where(r => r.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, batches.Count);
        Assert.Equal(batches[0].Header("x-ms-client-request-id"), batches[1].Header("x-ms-client-request-id"));
        Assert.Equal(all.Count - 1, all.Select(r => r.Header("x-ms-client-request-id")).Distinct().Count()); // one id per logical call
    }

    [Fact]
    public void User_agent_names_the_sdk_version_runtime_and_os()
    {
        Assert.Matches(UserAgentPattern(), AzureMlDiagnostics.UserAgent);
        Assert.DoesNotContain("+", AzureMlDiagnostics.Version, StringComparison.Ordinal);
        Assert.Equal(typeof(Workspace).Assembly.GetName().Version!.ToString(3), AzureMlDiagnostics.Version.Split('-')[0]);
    }

    [Fact]
    public async Task Request_id_of_an_error_is_the_service_request_id_not_the_echoed_client_id()
    {
        var stub = new StubWorkspace();
        stub.Mlflow = r => StubHandler.Json(404, """{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no run"}""",
            ("x-ms-client-request-id", r.Header("x-ms-client-request-id")!), ("x-ms-request-id", "service-rid-1"));
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(), default);
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => backend.Tracking.GetRunAsync("nope", default));
        Assert.Equal("service-rid-1", ex.RequestId);
    }

    [Fact]
    public async Task Buffered_logging_adds_no_retries_of_its_own_one_batch_is_sent_at_most_one_plus_max_retries_times()
    {
        var stub = new StubWorkspace();
        stub.Mlflow = r => r.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal)
            ? StubHandler.Json(503, """{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down"}""", ("Retry-After", "0"))
            : StubHandler.Json(200, "{}");
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(maxRetries: 3), default);
        await using var logger = new RunLogger(backend, "r1", stub.Time, new LogBufferOptions());
        for (var i = 0; i < 10; i++)
        {
            logger.Enqueue(LogEntry.Metric("loss", 1.0 / (i + 1), i, 1767225600000 + i));
        }

        var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => logger.FlushAsync(default).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("10 metric point(s) not stored", ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, stub.Handler.Count("/runs/log-batch")); // 1 + MaxRetries, not (1 + MaxRetries) × (1 + logger retries)
    }

    [Fact]
    public async Task A_per_call_option_overrides_the_declaration_and_conditional_creates_are_not_replayed()
    {
        var stub = new StubHandler { Route = _ => StubHandler.Json(503, "{}", ("Retry-After", "0")) };
        var options = new WorkspaceOptions { TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), MaxRetries = 2 };
        options.HttpMessageHandler = stub;
        await using var provider = AzureMlHttpRegistration.CreatePrivateProvider(new AzureMlHttpSettings(options, null));
        using var http = provider.GetRequiredService<AzureMlHttpClients>().Create(AzureMlHttpClientNames.Scoring, new Uri("https://opt.test/"));

        using (var post = new HttpRequestMessage(HttpMethod.Post, "/anything"))
        {
            post.Options.Set(RetrySafety.OptionKey, true);
            using var answer = await http.SendAsync(post);
        }
        Assert.Equal(3, stub.Count("/anything"));

        using (var put = new HttpRequestMessage(HttpMethod.Put, "/create-only"))
        {
            put.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
            using var answer = await http.SendAsync(put);
        }
        Assert.Equal(1, stub.Count("/create-only"));

        using (var put = new HttpRequestMessage(HttpMethod.Put, "/replace"))
        {
            using var answer = await http.SendAsync(put);
        }
        Assert.Equal(3, stub.Count("/replace"));

        using (var put = new HttpRequestMessage(HttpMethod.Put, "/not-this-time"))
        {
            put.Options.Set(RetrySafety.OptionKey, false);
            using var answer = await http.SendAsync(put);
        }
        Assert.Equal(1, stub.Count("/not-this-time"));
    }

    [Fact]
    public async Task Circuit_stays_closed_under_the_fault_rate_the_retries_absorb_even_at_low_throughput()
    {
        // 30 % of attempts fail (seeded), one call every 3 s of fake time: the 30 s window holds about the minimum throughput
        // (a 60 s window: about 20 calls, 29 attempts), where the ratio is noisiest. The old tuning (ratio 0.5) opened here again and again; every call must now be attempted.
        var random = new Random(20261206);
        var stub = new StubWorkspace();
        stub.Mlflow = _ => random.NextDouble() < 0.3
            ? StubHandler.Json(503, """{"error_code":"TEMPORARILY_UNAVAILABLE","message":"flaky"}""", ("Retry-After", "0"))
            : StubHandler.Json(200, StubWorkspace.RunJson);
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(maxRetries: 3), default);
        var failures = 0;
        for (var i = 0; i < 1000; i++)
        {
            try
            {
                await backend.Tracking.GetRunAsync("r1", default).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (ServiceUnavailableException ex)
            {
                Assert.DoesNotContain("circuit breaker", ex.Message, StringComparison.Ordinal);
                failures++;
            }
            stub.Time.Advance(TimeSpan.FromSeconds(3));
        }
        Assert.True(failures <= 25, $"{failures} of 1000 calls failed; 0.3^4 predicts about 8");
    }

    [Fact]
    public async Task Throttling_never_opens_the_circuit()
    {
        var stub = new StubWorkspace();
        stub.Mlflow = _ => StubHandler.Json(429, """{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}""", ("Retry-After", "0"));
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(maxRetries: 0), default);
        for (var i = 0; i < 60; i++)
        {
            var ex = await Assert.ThrowsAsync<ServiceUnavailableException>(() => backend.Tracking.GetRunAsync("r1", default));
            Assert.Equal(429, ex.Status);
        }
        Assert.Equal(60, stub.Handler.Count("/runs/get"));
    }

    [GeneratedRegex(@"^(\S+ )?AzureMlSdk/\d+\.\d+\.\d+\S* \(\.NET \d+[^;()]*; [^()]+\)$")]
    private static partial Regex UserAgentPattern();
}
