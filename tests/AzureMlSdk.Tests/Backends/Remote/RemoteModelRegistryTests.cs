using System.Text.Json;
using AzureMlSdk.Backends.Remote;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The ARM-backed model registry over loopback: blob upload to the default datastore, then a version PUT.</summary>
public sealed class RemoteModelRegistryTests : IAsyncLifetime
{
    private const string Sub = "00000000-1111-2222-3333-444444444444";
    private const string WsPath = $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    private LoopbackServer _server = null!;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Register_uploads_files_then_puts_the_next_free_version_with_a_datastore_uri()
    {
        var versionPuts = 0;
        _server.Handle = async (ctx, req) =>
        {
            var p = req.Path;
            if (p == WsPath)
            {
                await LoopbackServer.JsonAsync(ctx, 200, $$$"""{"name":"ws1","properties":{"mlFlowTrackingUri":"{{{_server.BaseUri.AbsoluteUri}}}mlflow"}}""");
            }
            else if (p == WsPath + "/datastores" && req.Method == "GET")
            {
                await LoopbackServer.JsonAsync(ctx, 200, """{"value":[{"name":"workspaceblobstore","properties":{"datastoreType":"AzureBlob","isDefault":true,"accountName":"devstoreaccount1","containerName":"azureml","endpoint":"core.windows.net","protocol":"https","credentials":{"credentialsType":"AccountKey"}}}]}""");
            }
            else if (p.EndsWith("/listSecrets", StringComparison.Ordinal))
            {
                await LoopbackServer.JsonAsync(ctx, 200, """{"secretsType":"AccountKey","key":"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="}""");
            }
            else if (p.StartsWith("/devstoreaccount1/azureml/LocalUpload/", StringComparison.Ordinal) && req.Method == "PUT")
            {
                ctx.Response.StatusCode = 201;
                ctx.Response.Headers.ETag = "\"0x1\"";
                ctx.Response.Headers.LastModified = "Thu, 01 Jan 2026 00:00:00 GMT";
                ctx.Response.Headers["x-ms-request-server-encrypted"] = "true";
            }
            else if (p == WsPath + "/models/iris" && req.Method == "GET")
            {
                await LoopbackServer.JsonAsync(ctx, 200, """{"name":"iris","properties":{"latestVersion":"1","tags":{"alias.production":"1"}}}""");
            }
            else if (p.StartsWith(WsPath + "/models/iris/versions/", StringComparison.Ordinal) && req.Method == "PUT")
            {
                var version = p[(p.LastIndexOf('/') + 1)..];
                if (Interlocked.Increment(ref versionPuts) == 1)
                {
                    await LoopbackServer.JsonAsync(ctx, 409, """{"error":{"code":"Conflict","message":"version exists"}}""");
                    return;
                }
                using var doc = JsonDocument.Parse(req.Body);
                await LoopbackServer.JsonAsync(ctx, 201, $$$"""{"name":"{{{version}}}","systemData":{"createdAt":"2026-01-01T00:00:00Z"},"properties":{{{doc.RootElement.GetProperty("properties").GetRawText()}}}}""");
            }
            else
            {
                await LoopbackServer.JsonAsync(ctx, 404, """{"error":{"code":"NotFound","message":"no route"}}""");
            }
        };
        var dir = Directory.CreateTempSubdirectory();
        var file = Path.Combine(dir.FullName, "model.onnx");
        await File.WriteAllBytesAsync(file, "onnx-bytes"u8.ToArray());
        var options = new WorkspaceOptions { ResourceManagerEndpoint = _server.BaseUri, TimeProvider = _time, BlobServiceUri = new Uri(_server.BaseUri, "/devstoreaccount1") };
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(Sub, "rg", "ws1", new CountingCredential(_time, TimeSpan.FromHours(1)), options, default);
        var progress = new List<long>();

        var model = await backend.Models.CreateVersionAsync(new NewModelVersion("iris", new LocalModelSource(file), "first", new Dictionary<string, string> { ["team"] = "a" }, Framework: ModelFramework.Onnx),
            new SyncProgress(progress), default);

        Assert.Equal(3, model.Version); // latestVersion 1 → tried 2 (409) → 3
        Assert.Equal(ModelFramework.Onnx, model.Framework);
        Assert.Equal("model.onnx", Assert.Single(model.Files).Path);
        Assert.Empty(model.Properties);
        Assert.Empty(model.Aliases);
        Assert.Matches("^azureml://subscriptions/.+/datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{32}/$", model.ModelUri);
        var puts = _server.Requests.Where(r => r.Method == "PUT" && r.Path.Contains("/versions/", StringComparison.Ordinal)).ToList();
        Assert.Equal(["2", "3"], puts.Select(r => r.Path[(r.Path.LastIndexOf('/') + 1)..]));
        Assert.All(puts, r => Assert.Equal("*", r.Headers["If-None-Match"]));
        Assert.Contains(_server.Requests, r => r.Path.EndsWith("/model.onnx", StringComparison.Ordinal) && r.Body == "onnx-bytes");
        Assert.DoesNotContain(_server.Requests.Where(r => r.Path.StartsWith("/devstoreaccount1", StringComparison.Ordinal)), r => (r.Authorization ?? string.Empty).StartsWith("Bearer", StringComparison.Ordinal));
        Assert.Equal(10, progress.LastOrDefault());
    }

    private sealed class SyncProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (values)
            {
                values.Add(value);
            }
        }
    }
}
