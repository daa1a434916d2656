using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AzureMlSdk.Backends;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// MLflow clients that are not the SDK's ARM path, against the Emulator: the requests the official Python client makes (raw
/// HTTP, with its URL derivation for <c>mlflow-artifacts:</c> URIs), and the SDK's own plain-MLflow client
/// (<see cref="Workspace.FromMlflowAsync(Uri, string?, WorkspaceOptions?, CancellationToken)"/>). What either writes, the SDK's Remote (ARM + blob) backend reads.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed partial class MlflowClientFlowTests(EmulatorFixture emulator)
{
    /// <summary>
    /// MLflow's <c>MlflowArtifactsRepository.resolve_uri</c>: <c>mlflow-artifacts:/X</c> against tracking URI
    /// <c>scheme://host/prefix</c> → <c>scheme://host/prefix/api/2.0/mlflow-artifacts/artifacts/X</c> (an authority in the
    /// artifact URI replaces the host; repeated slashes collapse; no trailing slash).
    /// </summary>
    internal static string ResolveArtifactsUri(string artifactUri, string trackingUri)
    {
        const string baseUrl = "/api/2.0/mlflow-artifacts/artifacts";
        var track = new Uri(trackingUri);
        var rest = artifactUri["mlflow-artifacts:".Length..];
        var netloc = string.Empty;
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            var slash = rest.IndexOf('/', 2);
            netloc = slash < 0 ? rest[2..] : rest[2..slash];
            rest = slash < 0 ? string.Empty : rest[slash..];
        }
        var trackPath = track.AbsolutePath.TrimEnd('/'); // urlparse gives "" for a bare host; the slashes collapse either way
        var resolved = rest == "/" ? baseUrl + "/" : rest == baseUrl ? baseUrl : $"{trackPath}/{baseUrl}/{rest}";
        resolved = MultipleSlashes().Replace(resolved, "/");
        var authority = netloc.Length > 0 ? netloc : track.Authority;
        return $"{track.Scheme}://{authority}{resolved}".Replace("///", "/", StringComparison.Ordinal).TrimEnd('/');
    }

    [GeneratedRegex("//+")]
    private static partial Regex MultipleSlashes();

    [Fact]
    public void Resolve_uri_port_matches_MLflow_for_root_and_prefixed_tracking_uris()
    {
        Assert.Equal("http://127.0.0.1:5099/api/2.0/mlflow-artifacts/artifacts/ExperimentRun/dcid.abc",
            ResolveArtifactsUri("mlflow-artifacts:/ExperimentRun/dcid.abc", "http://127.0.0.1:5099"));
        Assert.Equal("http://h:1/mlflow/v1.0/subscriptions/s/workspaces/w/api/2.0/mlflow-artifacts/artifacts/ExperimentRun/dcid.abc/model",
            ResolveArtifactsUri("mlflow-artifacts:/ExperimentRun/dcid.abc/model", "http://h:1/mlflow/v1.0/subscriptions/s/workspaces/w"));
        Assert.Equal("http://other:2/api/2.0/mlflow-artifacts/artifacts/x", ResolveArtifactsUri("mlflow-artifacts://other:2/x", "http://h:1"));
    }

    /// <summary>What the Python client sends: REST calls under the tracking URI, artifact transfers under the resolved proxy URI.</summary>
    private sealed class PythonLikeClient(HttpClient http, string trackingUri)
    {
        public List<string> Requests { get; } = [];

        public async Task<JsonObject> CallAsync(HttpMethod method, string operation, object? body = null, string? query = null)
        {
            var url = $"{trackingUri}/api/2.0/mlflow/{operation}" + (query is null ? string.Empty : "?" + query);
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Requests.Add($"{method} {operation} {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : throw new HttpRequestException($"{method} {operation}: {(int)response.StatusCode} {text}", null, response.StatusCode);
        }

        /// <summary><c>HttpArtifactRepository.log_artifact</c>: PUT &lt;resolved&gt;/&lt;artifact_path&gt;/&lt;file name&gt; with a guessed content type.</summary>
        public async Task LogArtifactAsync(string artifactUri, string fileName, byte[] content, string? artifactPath = null)
        {
            var url = ResolveArtifactsUri(artifactUri, trackingUri) + "/" + (artifactPath is null ? fileName : artifactPath + "/" + fileName);
            using var body = new ByteArrayContent(content);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = await http.PutAsync(url, body);
            Requests.Add($"PUT artifact {(int)response.StatusCode}");
            response.EnsureSuccessStatusCode();
        }

        /// <summary><c>HttpArtifactRepository.list_artifacts</c>: GET &lt;head&gt;/mlflow-artifacts/artifacts?path=&lt;tail&gt;/&lt;path&gt;.</summary>
        public async Task<List<(string Path, bool IsDir, long? Size)>> ListAsync(string artifactUri, string? path)
        {
            const string sep = "/mlflow-artifacts/artifacts";
            var resolved = ResolveArtifactsUri(artifactUri, trackingUri);
            var at = resolved.IndexOf(sep, StringComparison.Ordinal);
            var (head, tail) = (resolved[..at], resolved[(at + sep.Length)..].TrimStart('/'));
            var query = path is null ? tail : tail + "/" + path;
            var json = JsonNode.Parse(await http.GetStringAsync($"{head}{sep}?path={Uri.EscapeDataString(query)}"))!.AsObject();
            Requests.Add("GET artifacts?path");
            return (json["files"]?.AsArray() ?? [])
                .Select(f => (path is null ? f!["path"]!.GetValue<string>() : path + "/" + f!["path"]!.GetValue<string>(), f["is_dir"]!.GetValue<bool>(), f["file_size"]?.GetValue<long>()))
                .OrderBy(f => f.Item1, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary><c>ArtifactRepository.download_artifacts</c> of a folder: list recursively, GET each file.</summary>
        public async Task<Dictionary<string, byte[]>> DownloadTreeAsync(string artifactUri, string? path = null)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (entry, isDir, _) in await ListAsync(artifactUri, path))
            {
                if (isDir)
                {
                    foreach (var (nested, bytes) in await DownloadTreeAsync(artifactUri, entry))
                    {
                        files[nested] = bytes;
                    }
                }
                else
                {
                    files[entry] = await http.GetByteArrayAsync(ResolveArtifactsUri(artifactUri, trackingUri) + "/" + entry);
                    Requests.Add("GET artifact");
                }
            }
            return files;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Python_client_sequence_logs_to_the_default_experiment_registers_and_downloads_through_the_proxy(bool atRoot)
    {
        // MLFLOW_TRACKING_URI=http://127.0.0.1:<port> (the default workspace), or a workspace's mlFlowTrackingUri (a path prefix).
        var workspace = atRoot ? WorkspaceInfo.LocalName : await emulator.CreateWorkspaceAsync();
        var trackingUri = atRoot ? emulator.BaseAddress.AbsoluteUri.TrimEnd('/') : emulator.TrackingUri(workspace);
        var client = new PythonLikeClient(emulator.Http, trackingUri);
        var modelName = "py-" + Guid.NewGuid().ToString("N")[..8];
        var weights = RandomNumberGenerator.GetBytes(70_000);
        var mlmodel = Encoding.UTF8.GetBytes("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n");

        // mlflow.start_run(): no experiment named → "0".
        var run = (await client.CallAsync(HttpMethod.Post, "runs/create", new
        {
            experiment_id = "0",
            start_time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            run_name = "sunny-fox-1",
            tags = new[] { new { key = "mlflow.user", value = "me" }, new { key = "mlflow.source.type", value = "LOCAL" }, new { key = "mlflow.runName", value = "sunny-fox-1" } },
        }))["run"]!["info"]!;
        var runId = run["run_id"]!.GetValue<string>();
        Assert.Equal("0", run["experiment_id"]!.GetValue<string>());

        // mlflow.log_param / log_metric.
        await client.CallAsync(HttpMethod.Post, "runs/log-parameter", new { run_id = runId, key = "alpha", value = "0.5" });
        await client.CallAsync(HttpMethod.Post, "runs/log-metric", new { run_id = runId, key = "rmse", value = 0.25, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), step = 0 });

        // mlflow.log_artifact / log_artifacts (a model folder): the artifact repository comes from the run's artifact_uri.
        var artifactUri = (await client.CallAsync(HttpMethod.Get, "runs/get", query: "run_id=" + runId))["run"]!["info"]!["artifact_uri"]!.GetValue<string>();
        Assert.Equal($"mlflow-artifacts:/ExperimentRun/dcid.{runId}", artifactUri);
        await client.LogArtifactAsync(artifactUri, "notes.txt", "hello"u8.ToArray());
        await client.LogArtifactAsync(artifactUri, "MLmodel", mlmodel, "model");
        await client.LogArtifactAsync(artifactUri, "model.pkl", weights, "model");

        // mlflow.end_run().
        var ended = await client.CallAsync(HttpMethod.Post, "runs/update", new { run_id = runId, status = "FINISHED", end_time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        Assert.Equal("FINISHED", ended["run_info"]!["status"]!.GetValue<string>());

        // mlflow.register_model("runs:/<id>/model", name): create the registered model (taken is fine), check the run has a
        // "model" folder, create the version from the folder's underlying URI, wait for READY.
        await client.CallAsync(HttpMethod.Post, "registered-models/create", new { name = modelName });
        Assert.Contains(await client.ListAsync(artifactUri, null), f => f.Path == "model" && f.IsDir);
        var source = artifactUri + "/model";
        var version = (await client.CallAsync(HttpMethod.Post, "model-versions/create", new { name = modelName, source, run_id = runId }))["model_version"]!;
        Assert.Equal("1", version["version"]!.GetValue<string>());
        var polled = await client.CallAsync(HttpMethod.Get, "model-versions/get", query: $"name={modelName}&version=1");
        Assert.Equal("READY", polled["model_version"]!["status"]!.GetValue<string>());

        // mlflow.artifacts.download_artifacts("models:/<name>/1"): the download URI, resolved against the tracking URI.
        var downloadUri = (await client.CallAsync(HttpMethod.Get, "model-versions/get-download-uri", query: $"name={modelName}&version=1"))["artifact_uri"]!.GetValue<string>();
        Assert.Equal(source, downloadUri);
        var downloaded = await client.DownloadTreeAsync(downloadUri);
        Assert.Equal(["MLmodel", "model.pkl"], downloaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(mlmodel, downloaded["MLmodel"]);
        Assert.Equal(weights, downloaded["model.pkl"]);

        // The SDK's Remote backend (ARM + blob) reads the same run files and the same model.
        await using var ws = await emulator.OpenAsync(workspace);
        var sdkRun = await ws.GetRunAsync(runId);
        Assert.Equal(["MLmodel", "model.pkl", "notes.txt"], (await sdkRun.GetFileNamesAsync()).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("0.5", sdkRun.Params["alpha"]);
        var model = await ws.GetModelAsync(modelName);
        Assert.Equal(1, model.Version);
        Assert.Equal(runId, model.RunId);
        var folder = Path.Combine(Path.GetTempPath(), "mlflow-flow-" + Guid.NewGuid().ToString("N"));
        try
        {
            await model.DownloadAsync(folder);
            Assert.Equal(weights, await File.ReadAllBytesAsync(Path.Combine(folder, "model.pkl")));
            Assert.Equal(mlmodel, await File.ReadAllBytesAsync(Path.Combine(folder, "MLmodel")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_model_the_SDK_registers_through_ARM_downloads_with_the_Python_clients_requests()
    {
        var workspace = await emulator.CreateWorkspaceAsync();
        await using var ws = await emulator.OpenAsync(workspace);
        var source = Path.Combine(Path.GetTempPath(), "sdk-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        var onnx = RandomNumberGenerator.GetBytes(4096);
        await File.WriteAllBytesAsync(Path.Combine(source, "model.onnx"), onnx);
        await File.WriteAllTextAsync(Path.Combine(source, "sub", "labels.txt"), "a\nb\n");
        try
        {
            var model = await ws.RegisterModelAsync("sdk-made", source);
            await model.SetAliasAsync("production");

            var client = new PythonLikeClient(emulator.Http, emulator.TrackingUri(workspace));
            var byAlias = (await client.CallAsync(HttpMethod.Get, "registered-models/alias", query: "name=sdk-made&alias=production"))["model_version"]!;
            Assert.Equal("1", byAlias["version"]!.GetValue<string>());
            var downloadUri = (await client.CallAsync(HttpMethod.Get, "model-versions/get-download-uri", query: "name=sdk-made&version=1"))["artifact_uri"]!.GetValue<string>();
            Assert.StartsWith("mlflow-artifacts:/LocalUpload/", downloadUri, StringComparison.Ordinal);
            var files = await client.DownloadTreeAsync(downloadUri);
            Assert.Equal(onnx, files["model.onnx"]);
            Assert.Equal("a\nb\n"u8.ToArray(), files["sub/labels.txt"]);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    [Fact]
    public async Task The_SDKs_plain_MLflow_client_registers_versions_aliases_and_downloads_identical_files_from_the_Emulator()
    {
        var workspace = await emulator.CreateWorkspaceAsync();
        await using var mlflow = await Workspace.FromMlflowAsync(new Uri(emulator.TrackingUri(workspace) + "/"), emulator.Token);
        var root = Path.Combine(Path.GetTempPath(), "mlflow-sdk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            // Run artifacts through the proxy.
            var experiment = await mlflow.GetOrCreateExperimentAsync("via-mlflow");
            string runId;
            var artifact = Path.Combine(root, "report.txt");
            await File.WriteAllTextAsync(artifact, "report");
            await using (var run = await experiment.StartLoggingAsync("r"))
            {
                runId = run.Id;
                run.LogParam("lr", 0.1);
                await run.UploadFileAsync("outputs/report.txt", artifact);
                Assert.Equal(["outputs/report.txt"], await run.GetFileNamesAsync());
            }

            // Register two versions from local folders, alias the first, download both.
            var v1Folder = Path.Combine(root, "v1");
            Directory.CreateDirectory(v1Folder);
            var v1Bytes = RandomNumberGenerator.GetBytes(20_000);
            await File.WriteAllBytesAsync(Path.Combine(v1Folder, "model.bin"), v1Bytes);
            var v1 = await mlflow.RegisterModelAsync("via-mlflow-model", v1Folder, new Dictionary<string, string> { ["team"] = "a" });
            var v2Folder = Path.Combine(root, "v2");
            Directory.CreateDirectory(v2Folder);
            await File.WriteAllBytesAsync(Path.Combine(v2Folder, "model.bin"), RandomNumberGenerator.GetBytes(10));
            var v2 = await mlflow.RegisterModelAsync("via-mlflow-model", v2Folder);
            Assert.Equal((1, 2), (v1.Version, v2.Version));
            await v1.SetAliasAsync("champion");

            var champion = await mlflow.GetModelAsync("via-mlflow-model", alias: "champion");
            Assert.Equal(1, champion.Version);
            Assert.Equal(["champion"], champion.Aliases);
            Assert.Equal("a", champion.Tags["team"]);
            Assert.Equal(2, (await mlflow.GetModelAsync("via-mlflow-model")).Version);
            var downloaded = await champion.DownloadAsync(Path.Combine(root, "out1"));
            Assert.Equal(v1Bytes, await File.ReadAllBytesAsync(Path.Combine(downloaded, "model.bin")));

            // The same versions through ARM (the SDK's Remote backend): same numbers, alias, run artifacts, identical files.
            await using var arm = await emulator.OpenAsync(workspace);
            var armChampion = await arm.GetModelAsync("via-mlflow-model", alias: "champion");
            Assert.Equal(1, armChampion.Version);
            var armFolder = await armChampion.DownloadAsync(Path.Combine(root, "out2"));
            Assert.Equal(v1Bytes, await File.ReadAllBytesAsync(Path.Combine(armFolder, "model.bin")));
            Assert.Equal(["outputs/report.txt"], await (await arm.GetRunAsync(runId)).GetFileNamesAsync());

            await v1.RemoveAliasAsync("champion");
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => mlflow.GetModelAsync("via-mlflow-model", alias: "champion"));
            await v2.DeleteAsync();
            Assert.Equal(1, (await mlflow.GetModelAsync("via-mlflow-model")).Version);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
