using System.Collections.Concurrent;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>A logger provider that keeps (category, level, message).</summary>
public sealed class CategoryLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    public bool Has(string category, string contains) => Lines.Any(l => l.Category == category && l.Message.Contains(contains, StringComparison.Ordinal));

    private sealed class Logger(CategoryLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}

/// <summary>Stamps a header on every request of a client it is added to (to see which pipeline a call went through).</summary>
public sealed class StampHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("x-test-stamp", "from-the-container");
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>AddAzureMl: one construction path (the container's IHttpClientFactory clients), Workspace registered and disposed by the container, configuration binding.</summary>
public sealed class AddAzureMlTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-di-" + Guid.NewGuid().ToString("N"));

    public AddAzureMlTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static HttpResponseMessage Mlflow(StubRequest r) =>
        r.Path.EndsWith("/experiments/get-by-name", StringComparison.Ordinal)
            ? StubHandler.Json(200, """{"experiment":{"experiment_id":"7","name":"di","lifecycle_stage":"active"}}""")
            : r.Path.EndsWith("/experiments/search", StringComparison.Ordinal)
                ? StubHandler.Json(200, """{"experiments":[{"experiment_id":"7","name":"di","lifecycle_stage":"active"}]}""")
                : StubHandler.Json(200, "{}");

    [Fact]
    public async Task The_registered_workspace_is_built_on_the_containers_http_clients_and_logger_factory()
    {
        var stub = new StubWorkspace { Mlflow = Mlflow };
        var logs = new CategoryLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddAzureMl(o =>
            {
                o.SubscriptionId = StubWorkspace.Sub;
                o.ResourceGroup = StubWorkspace.Rg;
                o.WorkspaceName = StubWorkspace.Ws;
                o.Credential = stub.Credential();
                o.ResourceManagerEndpoint = stub.ArmEndpoint;
                o.HttpMessageHandler = stub.Handler;
                o.TimeProvider = stub.Time;
            });
        // A handler the application adds to the SDK's named clients reaches every call: the workspace uses what DI registered.
        services.AddHttpClient(AzureMlHttpClientNames.Arm).AddHttpMessageHandler(() => new StampHandler());
        await using var provider = services.BuildServiceProvider();

        var ws = provider.GetRequiredService<Workspace>();
        Assert.Same(ws, await provider.GetRequiredService<IAzureMlWorkspaceProvider>().GetWorkspaceAsync());
        Assert.Same(ws, provider.GetRequiredService<Workspace>());
        var experiment = await ws.GetExperimentAsync("di");

        Assert.Equal("7", experiment.Id);
        Assert.Equal(StubWorkspace.Ws, ws.Name);
        var sent = stub.Handler.Requests.ToList();
        Assert.Equal(2, sent.Count); // the workspace GET (ARM), then MLflow
        Assert.All(sent, r => Assert.Equal("from-the-container", r.Header("x-test-stamp")));
        Assert.All(sent, r => Assert.StartsWith("AzureMlSdk/", r.Header("User-Agent"), StringComparison.Ordinal));
        Assert.True(logs.Has("AzureMlSdk.Http", "/api/2.0/mlflow/experiments/get-by-name answered 200"));
        Assert.True(logs.Has("AzureMlSdk.Workspace", "Opened Remote workspace 'ws1'"));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("SECRET", StringComparison.Ordinal) || l.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_provider_disposed_synchronously_disposes_the_workspace_and_completes_its_runs()
    {
        var dir = Path.Combine(_root, "local");
        string runId;
        using (var provider = new ServiceCollection().AddAzureMl(o => o.LocalDirectory = dir).BuildServiceProvider())
        {
            var ws = provider.GetRequiredService<Workspace>();
            Assert.Equal(WorkspaceKind.Local, ws.Kind);
            var run = await (await ws.GetOrCreateExperimentAsync("sync-dispose")).StartLoggingAsync();
            run.Log("loss", 0.5);
            runId = run.Id;
        } // Dispose(), not DisposeAsync(): must not throw, must flush and complete the run

        await using var reopened = Workspace.Local(dir);
        var again = await reopened.GetRunAsync(runId);
        Assert.Equal(RunStatus.Completed, again.Status);
        Assert.Equal(0.5, again.LatestMetrics["loss"].Value);
    }

    [Fact]
    public async Task Configuration_binds_the_AzureMl_section_with_typed_errors_for_bad_values()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureMl:LocalDirectory"] = Path.Combine(_root, "from-config"),
            ["AzureMl:MaxRetries"] = "5",
            ["AzureMl:AttemptTimeout"] = "00:00:12",
            ["AzureMl:TotalTimeout"] = "90",
            ["AzureMl:ApplicationId"] = "my-app",
            ["AzureMl:ResourceManagerEndpoint"] = "http://127.0.0.1:5099",
            ["AzureMl:LogBuffer:FlushInterval"] = "2.5",
        }).Build();

        var bound = AzureMlServiceCollectionExtensions.Bind(configuration.GetSection("AzureMl"));
        Assert.Equal(5, bound.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(12), bound.AttemptTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), bound.TotalTimeout);
        Assert.Equal("my-app", bound.ApplicationId);
        Assert.Equal(new Uri("http://127.0.0.1:5099"), bound.ResourceManagerEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(2.5), bound.LogBuffer.FlushInterval);

        // The root works too (its AzureMl section is used); the workspace is the local one the section names.
        await using (var provider = new ServiceCollection().AddAzureMl(configuration).BuildServiceProvider())
        {
            var ws = await provider.GetRequiredService<IAzureMlWorkspaceProvider>().GetWorkspaceAsync();
            Assert.Equal(Path.Combine(_root, "from-config"), ws.LocalDirectory);
        }

        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureMl:MaxRetries"] = "many" }).Build();
        var ex = Assert.Throws<InvalidInputException>(() => new ServiceCollection().AddAzureMl(bad.GetSection("AzureMl")));
        Assert.Equal("AzureMl:MaxRetries", ex.ParameterName);
        Assert.Contains("'many'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_workspace_coordinates_fail_at_registration_naming_what_is_missing()
    {
        var ex = Assert.Throws<InvalidInputException>(() => new ServiceCollection().AddAzureMl(o => { o.SubscriptionId = "s"; o.WorkspaceName = "w"; }));
        Assert.Contains("ResourceGroup", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_settings_the_config_json_decides_a_local_workspace_or_a_plain_mlflow_server()
    {
        var localConfig = Path.Combine(_root, "local.json");
        await File.WriteAllTextAsync(localConfig, """{"local_dir": "ws-from-json"}""");
        await using (var provider = new ServiceCollection().AddAzureMl(o => o.ConfigPath = localConfig).BuildServiceProvider())
        {
            Assert.Equal(Path.Combine(_root, "ws-from-json"), provider.GetRequiredService<Workspace>().LocalDirectory);
        }

        var stub = new StubHandler { Route = Mlflow };
        var mlflowConfig = Path.Combine(_root, "mlflow.json");
        await File.WriteAllTextAsync(mlflowConfig, """{"mlflow_tracking_uri": "https://mlflow-di.test/root/"}""");
        await using (var provider = new ServiceCollection().AddAzureMl(o => { o.ConfigPath = mlflowConfig; o.HttpMessageHandler = stub; o.MlflowToken = "mlflow-SECRET"; }).BuildServiceProvider())
        {
            var ws = provider.GetRequiredService<Workspace>();
            Assert.Equal(WorkspaceKind.Remote, ws.Kind);
            Assert.Equal(new Uri("https://mlflow-di.test/root/"), ws.TrackingUri);
            var probe = Assert.Single(stub.Requests);
            Assert.Equal("/root/api/2.0/mlflow/experiments/search", probe.Path);
            Assert.Equal("Bearer mlflow-SECRET", probe.Header("Authorization"));
            await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.GetEndpointAsync("any"));
        }
    }

    [Fact]
    public async Task Each_host_has_its_own_circuit_breaker()
    {
        var stub = new StubHandler { Route = r => r.Uri.Host == "down.test" ? StubHandler.Json(503, "{}") : StubHandler.Json(200, "{}") };
        var options = new WorkspaceOptions { HttpMessageHandler = stub, MaxRetries = 0, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() };
        await using var provider = AzureMlHttpRegistration.CreatePrivateProvider(new AzureMlHttpSettings(options, null));
        var clients = provider.GetRequiredService<AzureMlHttpClients>();
        using var down = clients.Create(AzureMlHttpClientNames.Scoring, new Uri("https://down.test/"));
        using var up = clients.Create(AzureMlHttpClientNames.Scoring, new Uri("https://up.test/"));

        for (var i = 0; i < 25; i++)
        {
            try
            {
                using var answer = await down.GetAsync("/score");
            }
            catch (ServiceUnavailableException ex)
            {
                Assert.Contains("circuit breaker", ex.Message, StringComparison.Ordinal);
            }
        }
        Assert.Equal(20, stub.Count("/score")); // the down host's circuit opened after the minimum throughput

        using var ok = await up.GetAsync("/score");
        Assert.True(ok.IsSuccessStatusCode); // the same named client, another host: its own closed circuit
    }
}
