using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>A request the stub saw, with its headers copied at send time (a retried request is the same message).</summary>
public sealed record StubRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? Body)
{
    public string Path => Uri.AbsolutePath;

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>
/// An in-memory transport: answers every attempt with <see cref="Route"/> and records it. Its answers carry
/// <c>RequestMessage</c> (Refit needs it). Counting attempts is what lets a test see the retry layers.
/// </summary>
public sealed class StubHandler : HttpMessageHandler
{
    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    public Func<StubRequest, HttpResponseMessage> Route { get; set; } = _ => Json(404, "{}");

    public int Count(string pathEnd) => Requests.Count(r => r.Path.EndsWith(pathEnd, StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(h.Key == "User-Agent" ? " " : ",", h.Value), StringComparer.OrdinalIgnoreCase);
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var seen = new StubRequest(request.Method, request.RequestUri!, headers, body);
        Requests.Enqueue(seen);
        var response = Route(seen);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(int status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }
}

/// <summary>A fake Azure ML workspace over <see cref="StubHandler"/>: ARM and MLflow on their own made-up hosts (unique per test).</summary>
public sealed class StubWorkspace
{
    public const string Sub = "00000000-1111-2222-3333-444444444444";
    public const string Rg = "rg";
    public const string Ws = "ws1";
    public const string WsPath = $"/subscriptions/{Sub}/resourceGroups/{Rg}/providers/Microsoft.MachineLearningServices/workspaces/{Ws}";

    public StubWorkspace()
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        ArmHost = $"arm-{id}.test";
        MlflowHost = $"ml-{id}.test";
        Handler.Route = Answer;
    }

    public StubHandler Handler { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public string ArmHost { get; }

    public string MlflowHost { get; }

    public Uri ArmEndpoint => new($"https://{ArmHost}/");

    /// <summary>Answers every MLflow call; the workspace GET is answered before it.</summary>
    public Func<StubRequest, HttpResponseMessage> Mlflow { get; set; } = _ => StubHandler.Json(200, "{}");

    public WorkspaceOptions Options(int maxRetries = 3) => new()
    {
        ResourceManagerEndpoint = ArmEndpoint,
        TimeProvider = Time,
        MaxRetries = maxRetries,
        HttpMessageHandler = Handler,
    };

    public CountingCredential Credential() => new(Time, TimeSpan.FromHours(1));

    public Task<Workspace> OpenAsync(WorkspaceOptions? options = null) =>
        Workspace.GetAsync(Sub, Rg, Ws, Credential(), options ?? Options());

    private HttpResponseMessage Answer(StubRequest request)
    {
        if (request.Method == HttpMethod.Get && request.Path == WsPath)
        {
            return StubHandler.Json(200, $$$"""{"id":"{{{WsPath}}}","name":"{{{Ws}}}","location":"westeurope","properties":{"mlFlowTrackingUri":"azureml://{{{MlflowHost}}}/mlflow/v1.0{{{WsPath}}}"}}""");
        }
        return Mlflow(request);
    }

    public const string RunJson = """{"run":{"info":{"run_id":"r1","experiment_id":"1","status":"RUNNING","start_time":1767225600000,"lifecycle_stage":"active","run_name":"baseline"},"data":{}}}""";
}
