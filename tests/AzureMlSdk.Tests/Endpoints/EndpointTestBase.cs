using System.Net.Http.Headers;
using AzureMlSdk.Backends.Local;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Tests.Endpoints;

/// <summary>A fresh local workspace per test (router seeded), a registered ONNX model, and an HTTP client for raw calls.</summary>
public abstract class EndpointTestBase : IAsyncLifetime
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "azureml-endpoint-tests", Guid.NewGuid().ToString("N"));

    protected Workspace Ws { get; private set; } = null!;

    protected HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    protected static CancellationToken Ct => CancellationToken.None;

    public virtual Task InitializeAsync()
    {
        Directory.CreateDirectory(_temp);
        Ws = Workspace.FromBackend(new LocalWorkspaceBackend(Path.Combine(_temp, "ws"), trafficRandom: new Random(1234)));
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        await Ws.DisposeAsync();
        Http.Dispose();
        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Registers a model from bytes written to <c>model.onnx</c> (or another file name).</summary>
    protected async Task<Model> RegisterAsync(string name, byte[] content, string fileName = "model.onnx")
    {
        var folder = Path.Combine(_temp, "src", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, fileName);
        await File.WriteAllBytesAsync(file, content, Ct);
        return await Ws.RegisterModelAsync(name, file, cancellationToken: Ct);
    }

    /// <summary>An endpoint with one ONNX deployment 'blue' of <c>score = x·[1,2,3] + 0.5</c> taking all traffic.</summary>
    protected async Task<OnlineEndpoint> LinearEndpointAsync(string name = "linear-ep", OnlineRequestSettings? settings = null)
    {
        var model = await RegisterAsync("linear", TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec(name), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true, RequestSettings = settings ?? new() }, cancellationToken: Ct);
        await ep.RefreshAsync(Ct);
        return ep;
    }

    protected async Task<HttpResponseMessage> PostAsync(OnlineEndpoint ep, string body, string? key, string? deployment = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ep.ScoringUri) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        if (deployment is not null)
        {
            request.Headers.Add(OnlineEndpoint.DeploymentHeader, deployment);
        }
        return await Http.SendAsync(request, Ct);
    }
}

/// <summary>Answers with its deployment name and the request, e.g. <c>{"deployment":"blue","echo":…}</c>.</summary>
public sealed class NameScorer : IScorer
{
    private string _name = "";

    public Task InitAsync(ScorerContext context, CancellationToken cancellationToken)
    {
        _name = context.DeploymentName;
        var greeting = context.EnvironmentVariables.GetValueOrDefault("GREETING");
        if (context.Logger.IsEnabled(LogLevel.Information))
        {
            context.Logger.LogInformation("name scorer ready; GREETING={Greeting}", greeting);
        }
        return Task.CompletedTask;
    }

    public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken) =>
        Task.FromResult($$"""{"deployment":"{{_name}}","echo":{{requestJson}}}""");
}

/// <summary>Blocks every request until released; counts how many are inside.</summary>
public sealed class GateScorer : IScorer
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<string> RunAsync(string requestJson, CancellationToken cancellationToken)
    {
        Entered.TrySetResult();
        await Release.Task.WaitAsync(cancellationToken);
        return """{"released":true}""";
    }
}
