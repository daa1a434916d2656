using System.Text;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// Transport faults on a local endpoint's Kestrel host (what the local backend and the Emulator serve on 127.0.0.1): invalid
/// UTF-8 is 400, a 40 MB body 413, malformed chunking 400, never a 502 and never an exception's text; a 429 says when to retry.
/// </summary>
public sealed class LocalEndpointTransportTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-local-transport-" + Guid.NewGuid().ToString("N"));
    private Workspace _ws = null!;

    public Task InitializeAsync()
    {
        _ws = Workspace.Local(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // SQLite files still closing; the OS cleans temp.
        }
    }

    private async Task<(OnlineEndpoint Endpoint, string Key)> DeployAsync(OnlineDeploymentSpec? custom = null)
    {
        var folder = Path.Combine(_dir, "src");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "model.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        var model = await _ws.RegisterModelAsync("transport-linear", file);
        var ep = await _ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("transport-ep"));
        await ep.DeployAsync(custom ?? new OnlineDeploymentSpec("blue", model) { AllTraffic = true });
        await ep.RefreshAsync();
        return (ep, (await ep.GetKeysAsync()).PrimaryKey);
    }

    private static void AssertError(RawHttp.Reply reply, int status)
    {
        Assert.True(reply.Status == status, $"expected {status}, got {reply.Status}: {reply.Body}");
        var error = reply.Json["error"]!;
        Assert.False(string.IsNullOrEmpty(error["code"]?.GetValue<string>()), reply.Body);
        Assert.False(string.IsNullOrEmpty(error["message"]?.GetValue<string>()), reply.Body);
        EmulatorTransportTests.AssertNoInternals(reply.Body);
        Assert.DoesNotContain("transcode", reply.Body, StringComparison.OrdinalIgnoreCase);
    }

    private static string Head(OnlineEndpoint ep, string key, string framing) =>
        $"POST {ep.ScoringUri!.AbsolutePath} HTTP/1.1\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n{framing}";

    [Fact]
    public async Task Invalid_UTF8_a_40_MB_body_and_bad_chunking_get_4xx_without_internal_text()
    {
        var (ep, key) = await DeployAsync();
        var server = ep.ScoringUri!;

        var invalid = Encoding.ASCII.GetBytes("{\"input_data\": {\"columns\": [\"a\"], \"data\": [[\"").Concat(new byte[] { 0xFF, 0xFE, 0xC3 }).Concat(Encoding.ASCII.GetBytes("\"]]}}")).ToArray();
        AssertError(await RawHttp.SendAsync(server, Head(ep, key, $"Content-Length: {invalid.Length}"), RawHttp.Bytes(invalid)), 400);

        var big = await RawHttp.SendAsync(server, Head(ep, key, "Transfer-Encoding: chunked"), async stream =>
        {
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)' ');
            var header = Encoding.ASCII.GetBytes(chunk.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n");
            for (var i = 0; i < 40; i++)
            {
                await stream.WriteAsync(header);
                await stream.WriteAsync(chunk);
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        });
        AssertError(big, 413);
        AssertError(await RawHttp.SendAsync(server, Head(ep, key, $"Content-Length: {40 * 1024 * 1024}"), RawHttp.Text("{\"input_data\":")), 413);

        AssertError(await RawHttp.SendAsync(server, Head(ep, key, "Transfer-Encoding: chunked"), RawHttp.Text("ZZ\r\n{}\r\n0\r\n\r\n")), 400);

        // The endpoint still serves.
        Assert.Contains("6.5", await ep.InvokeAsync("""{"input_data": {"columns": ["a","b","c"], "data": [[1, 1, 1]]}}"""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scorer_failure_is_a_502_without_the_exceptions_text()
    {
        var folder = Path.Combine(_dir, "src2");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "model.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f], 0f));
        var model = await _ws.RegisterModelAsync("throwing", file);
        var (ep, key) = await DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true, Scorer = () => new ThrowingScorer() });
        var reply = await RawHttp.SendAsync(ep.ScoringUri!, Head(ep, key, "Content-Length: 2"), RawHttp.Text("{}"));
        AssertError(reply, 502);
        Assert.DoesNotContain("secret-internal-detail", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_from_the_concurrency_limit_carries_Retry_After()
    {
        var folder = Path.Combine(_dir, "src3");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "model.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f], 0f));
        var model = await _ws.RegisterModelAsync("gated", file);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (ep, key) = await DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true, Scorer = () => new HoldingScorer(entered, gate) });
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var first = http.PostAsync(ep.ScoringUri, new StringContent("{}", Encoding.UTF8, "application/json"));
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var second = await http.PostAsync(ep.ScoringUri, new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(429, (int)second.StatusCode);
            Assert.NotNull(second.Headers.RetryAfter);
        }
        gate.SetResult();
        using var done = await first;
        Assert.Equal(200, (int)done.StatusCode);
    }

    private sealed class ThrowingScorer : IScorer
    {
        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("secret-internal-detail at C:\\build\\scorer.cs");
    }

    private sealed class HoldingScorer(TaskCompletionSource entered, TaskCompletionSource gate) : IScorer
    {
        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<string> RunAsync(string requestJson, CancellationToken cancellationToken)
        {
            entered.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
            return "{}";
        }
    }
}
