using System.Text;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Mlflow;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>Run artifacts through a plain MLflow server's artifacts proxy, over loopback HTTP.</summary>
public sealed class MlflowArtifactStoreTests : IAsyncLifetime
{
    private MlflowFakeServer _mlflow = null!;
    private RemoteWorkspaceBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _mlflow = await MlflowFakeServer.StartAsync();
        _mlflow.Runs["r1"] = "mlflow-artifacts:/1/r1/artifacts";
        _backend = RemoteWorkspaceBackend.ConnectMlflow(_mlflow.BaseUri, null, new WorkspaceOptions());
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _mlflow.DisposeAsync();
    }

    private IArtifactStore Artifacts => _backend.Artifacts;

    [Fact]
    public async Task Nested_files_upload_to_the_runs_artifact_uri_list_recursively_and_download()
    {
        var progress = new List<long>();
        await Artifacts.UploadAsync("r1", "a.txt", new MemoryStream("alpha"u8.ToArray()), new ListProgress(progress), default);
        await Artifacts.UploadAsync("r1", "dir/b.txt", new MemoryStream("bravo!"u8.ToArray()), null, default);
        await Artifacts.UploadAsync("r1", "dir/sub/c d.txt", new NonSeekableStream("charlie"u8.ToArray()), null, default);

        Assert.Equal(5, progress.Last());
        var puts = _mlflow.Server.Requests.Where(r => r.Method == "PUT").Select(r => r.Path).ToList();
        Assert.Equal([
            "/srv/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/a.txt",
            "/srv/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/dir/b.txt",
            "/srv/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/dir/sub/c d.txt"], puts); // Kestrel decodes the path
        Assert.Equal("charlie", Encoding.UTF8.GetString(_mlflow.Files["1/r1/artifacts/dir/sub/c d.txt"]));
        Assert.Single(_mlflow.Seen("GET", "/api/2.0/mlflow/runs/get")); // artifact_uri read once per run

        Assert.Equal([new ArtifactItem("a.txt", 5), new ArtifactItem("dir/b.txt", 6), new ArtifactItem("dir/sub/c d.txt", 7)],
            await Artifacts.ListAsync("r1", null, default));
        Assert.Contains(_mlflow.Server.Requests, r => r.Method == "GET" && r.Path == "/srv/api/2.0/mlflow-artifacts/artifacts" && r.Query == "?path=1%2Fr1%2Fartifacts%2Fdir%2Fsub");
        Assert.Equal([new ArtifactItem("dir/b.txt", 6), new ArtifactItem("dir/sub/c d.txt", 7)], await Artifacts.ListAsync("r1", "dir", default));
        Assert.Equal([new ArtifactItem("dir/b.txt", 6)], await Artifacts.ListAsync("r1", "dir/b.txt", default));
        Assert.Empty(await Artifacts.ListAsync("r1", "nothing/here", default));

        var target = new MemoryStream();
        var down = new List<long>();
        await Artifacts.DownloadAsync("r1", "dir/sub/c d.txt", target, new ListProgress(down), default);
        Assert.Equal("charlie", Encoding.UTF8.GetString(target.ToArray()));
        Assert.Equal(7, down.Last());

        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Artifacts.DownloadAsync("r1", "dir/none.txt", new MemoryStream(), null, default));
        Assert.Contains("dir/none.txt", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => Artifacts.UploadAsync("r1", "../escape.txt", new MemoryStream(), null, default));
    }

    [Theory]
    [InlineData("./mlruns/1/r2/artifacts")]
    [InlineData("s3://bucket/1/r2/artifacts")]
    [InlineData(null)]
    public async Task Runs_outside_the_proxy_are_not_supported_and_named(string? artifactUri)
    {
        _mlflow.Runs["r2"] = artifactUri;
        var ex = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => Artifacts.ListAsync("r2", null, default));
        Assert.Contains(artifactUri ?? "no artifact_uri", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_run_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Artifacts.ListAsync("ghost", null, default));
        Assert.Equal(AzureMlErrorCodes.ResourceDoesNotExist, ex.ErrorCode);
    }

    [Theory]
    [InlineData("mlflow-artifacts:/1/abc/artifacts", "1/abc/artifacts")]
    [InlineData("mlflow-artifacts://127.0.0.1:5000/1/abc/artifacts/", "1/abc/artifacts")]
    [InlineData("mlflow-artifacts:/models/iris/0a1b", "models/iris/0a1b")]
    [InlineData("mlflow-artifacts:/", null)]
    [InlineData("file:///tmp/mlruns/1/abc/artifacts", null)]
    [InlineData("mlruns/1/abc/artifacts", null)]
    public void Proxy_path_of_an_artifact_uri(string uri, string? expected) =>
        Assert.Equal(expected, MlflowArtifactStore.ProxyPath(uri));

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private sealed class ListProgress(List<long> values) : IProgress<long>
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
