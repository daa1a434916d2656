using Microsoft.Extensions.Logging;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The public plain-MLflow entry (FromMlflowAsync, config.json's mlflow_tracking_uri) and the loggers of every workspace kind.</summary>
public sealed class FromMlflowAndLoggingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-mlflow-" + Guid.NewGuid().ToString("N"));

    public FromMlflowAndLoggingTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static StubHandler MlflowServer(int status = 200) => new()
    {
        Route = r => status != 200 ? StubHandler.Json(status, """{"error_code":"UNAUTHENTICATED","message":"bad token"}""")
            : r.Path.EndsWith("/experiments/search", StringComparison.Ordinal) ? StubHandler.Json(200, """{"experiments":[{"experiment_id":"0","name":"Default","lifecycle_stage":"active"}]}""")
            : r.Path.EndsWith("/experiments/get-by-name", StringComparison.Ordinal) ? StubHandler.Json(200, """{"experiment":{"experiment_id":"0","name":"Default","lifecycle_stage":"active"}}""")
            : StubHandler.Json(404, """{"error_code":"ENDPOINT_NOT_FOUND","message":"no"}"""),
    };

    [Fact]
    public async Task FromMlflowAsync_opens_a_plain_server_with_a_bearer_token_and_endpoints_say_not_supported()
    {
        var server = MlflowServer();
        await using var ws = await Workspace.FromMlflowAsync(new Uri("https://mlflow.test/prefix"), "tok-SECRET", new WorkspaceOptions { HttpMessageHandler = server });

        Assert.Equal(WorkspaceKind.Remote, ws.Kind);
        Assert.Equal("mlflow.test", ws.Name);
        var experiment = await ws.GetExperimentAsync("Default");
        Assert.Equal("0", experiment.Id);
        Assert.All(server.Requests, r =>
        {
            Assert.StartsWith("/prefix/api/2.0/mlflow/", r.Path, StringComparison.Ordinal);
            Assert.Equal("Bearer tok-SECRET", r.Header("Authorization"));
            Assert.StartsWith("AzureMlSdk/", r.Header("User-Agent"), StringComparison.Ordinal);
        });
        var ex = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("ep-mlflow")));
        Assert.Contains("plain MLflow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_token_fails_at_opening_with_an_auth_error_that_hides_the_token()
    {
        var ex = await Assert.ThrowsAsync<AzureMlAuthenticationException>(() =>
            Workspace.FromMlflowAsync(new Uri("https://mlflow.test/"), "wrong-SECRET", new WorkspaceOptions { HttpMessageHandler = MlflowServer(401) }));
        Assert.Equal(401, ex.Status);
        Assert.DoesNotContain("SECRET", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_credential_is_sent_as_a_bearer_token_for_the_token_scope()
    {
        var server = MlflowServer();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var credential = new CountingCredential(time, TimeSpan.FromHours(1), prefix: "entra-");
        await using var ws = await Workspace.FromMlflowAsync(new Uri("https://mlflow.test/"), credential, new WorkspaceOptions { HttpMessageHandler = server, TimeProvider = time });
        Assert.Equal("Bearer entra-1", Assert.Single(server.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task A_config_json_with_only_an_mlflow_tracking_uri_opens_that_server()
    {
        var server = MlflowServer();
        var file = Path.Combine(_root, "config.json");
        await File.WriteAllTextAsync(file, """{"mlflow_tracking_uri": "http://127.0.0.1:5000/"}""");

        await using var ws = await Workspace.FromConfigAsync(file, options: new WorkspaceOptions { HttpMessageHandler = server });

        Assert.Equal(new Uri("http://127.0.0.1:5000/"), ws.TrackingUri);
        Assert.Equal("/api/2.0/mlflow/experiments/search", Assert.Single(server.Requests).Path);
        Assert.Null(server.Requests.Single().Header("Authorization")); // no credential given: no Entra token goes to an MLflow server
    }

    [Fact]
    public async Task WriteConfig_of_an_mlflow_workspace_names_the_server_and_reopens_it()
    {
        var server = MlflowServer();
        var options = new WorkspaceOptions { HttpMessageHandler = server };
        await using var ws = await Workspace.FromMlflowAsync(new Uri("https://mlflow.test/root/"), "t", options);
        var file = await ws.WriteConfigAsync(Path.Combine(_root, "written"));

        Assert.Equal("""{"mlflow_tracking_uri":"https://mlflow.test/root/"}""", System.Text.RegularExpressions.Regex.Replace(await File.ReadAllTextAsync(file), @"\s", ""));
        await using var again = await Workspace.FromConfigAsync(file, options: options);
        Assert.Equal(ws.TrackingUri, again.TrackingUri);
    }

    [Fact]
    public async Task An_azureml_uri_is_not_an_mlflow_server_uri()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Workspace.FromMlflowAsync(new Uri("azureml://westeurope.api.azureml.ms/mlflow/v1.0/x"), "t"));
        Assert.Contains("http(s)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_local_workspace_logs_its_opening_its_endpoints_and_its_runs_failures()
    {
        var logs = new CategoryLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));

        await using (var ws = Workspace.Local(Path.Combine(_root, "ws"), loggerFactory: factory))
        {
            await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("log-ep"));
        }
        Assert.True(logs.Has("AzureMlSdk.Workspace", "Opened Local workspace 'local' at " + Path.Combine(_root, "ws")));
        Assert.True(logs.Has("AzureMlSdk.Endpoints", "Endpoint 'log-ep': serving at http://127.0.0.1:"));

        // A store that rejects a batch: the failure is logged (Warning, AzureMlSdk.Tracking) when it happens, and thrown at the flush.
        var fake = new ObjectModel.FakeBackend();
        fake.Tracking.LogBatchAsync(default!, default!, default).ThrowsAsyncForAnyArgs(new ServiceUnavailableException("store down"));
        await using var ws2 = Workspace.FromBackend(fake.Backend, loggerFactory: factory);
        var run = await fake.StartRunAsync(ws2);
        run.Log("loss", 1);
        await Assert.ThrowsAsync<ServiceUnavailableException>(() => run.FlushAsync());
        Assert.Contains(logs.Lines, l => l.Category == "AzureMlSdk.Tracking" && l.Level == LogLevel.Warning && l.Message.Contains($"Logging to run {run.Id} failed", StringComparison.Ordinal));
    }
}
