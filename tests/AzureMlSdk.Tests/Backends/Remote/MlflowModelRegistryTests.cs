using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Mlflow;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The model registry of a plain MLflow server (registry REST API + artifacts proxy) over loopback HTTP.</summary>
public sealed class MlflowModelRegistryTests : IAsyncLifetime
{
    private MlflowFakeServer _mlflow = null!;
    private RemoteWorkspaceBackend _backend = null!;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("mlflow-registry-");

    public async Task InitializeAsync()
    {
        _mlflow = await MlflowFakeServer.StartAsync();
        _backend = RemoteWorkspaceBackend.ConnectMlflow(_mlflow.BaseUri, new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "tok"), new WorkspaceOptions());
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _mlflow.DisposeAsync();
        _dir.Delete(recursive: true);
    }

    private IModelRegistry Models => _backend.Models;

    private string WriteFile(string relative, string content)
    {
        var path = Path.Combine(_dir.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Sha(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private Task<ModelVersionData> RegisterFileAsync(string name, string content = "onnx-bytes") =>
        Models.CreateVersionAsync(new NewModelVersion(name, new LocalModelSource(WriteFile($"{Guid.NewGuid():N}/model.onnx", content))), null, default);

    [Fact]
    public async Task Register_file_then_folder_makes_versions_1_and_2_with_exact_wire_and_hidden_metadata()
    {
        var file = WriteFile("single/model.onnx", "onnx-bytes");
        var progress = new List<long>();
        var v1 = await Models.CreateVersionAsync(new NewModelVersion("iris", new LocalModelSource(file), "first",
            new Dictionary<string, string> { ["team"] = "a" }, new Dictionary<string, string> { ["accuracy"] = "0.97" }, ModelFramework.Onnx), new ListProgress(progress), default);

        Assert.Equal(1, v1.Version);
        Assert.Equal("first", v1.Description);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "a" }, v1.Tags);
        Assert.Equal(new Dictionary<string, string> { ["accuracy"] = "0.97" }, v1.Properties);
        Assert.Equal(ModelFramework.Onnx, v1.Framework);
        Assert.Null(v1.Stage);
        Assert.False(v1.IsArchived);
        Assert.Equal([new ModelFile("model.onnx", 10, Sha("onnx-bytes"))], v1.Files);
        Assert.Equal(10, progress.Last());
        var guid = Regex.Match(v1.ModelUri!, "^mlflow-artifacts:/models/iris/([0-9a-f]{32})$").Groups[1].Value;
        Assert.NotEmpty(guid);

        // Wire: the file went through the proxy, then registered-models/create, then model-versions/create with the reserved tags.
        var put = Assert.Single(_mlflow.Seen("PUT", "/model.onnx"));
        Assert.Equal($"/srv/api/2.0/mlflow-artifacts/artifacts/models/iris/{guid}/model.onnx", put.Path);
        Assert.Equal("onnx-bytes", put.Body);
        Assert.Equal("application/octet-stream", put.Headers["Content-Type"]);
        Assert.Equal("Bearer tok", put.Authorization);
        var createModel = Assert.Single(_mlflow.Seen("POST", "/registered-models/create"));
        Assert.Equal("/srv/api/2.0/mlflow/registered-models/create", createModel.Path);
        Assert.Equal("""{"name":"iris"}""", createModel.Body);
        var createVersion = Assert.Single(_mlflow.Seen("POST", "/model-versions/create"));
        Assert.Equal("/srv/api/2.0/mlflow/model-versions/create", createVersion.Path);
        var manifest = $$"""[{"path":"model.onnx","length":10,"sha256":"{{Sha("onnx-bytes")}}"}]""";
        var expected = JsonSerializer.Serialize(new
        {
            name = "iris",
            source = $"mlflow-artifacts:/models/iris/{guid}",
            tags = new[]
            {
                new { key = "team", value = "a" },
                new { key = "azureml.sdk.properties.accuracy", value = "0.97" },
                new { key = "azureml.sdk.framework", value = "Onnx" },
                new { key = "azureml.sdk.files", value = manifest },
            },
            description = "first",
        });
        Assert.Equal(expected, createVersion.Body);

        // A folder: version 2, nested paths kept, the registered model already exists (RESOURCE_ALREADY_EXISTS is fine).
        WriteFile("folder/MLmodel", "flavors: {}");
        WriteFile("folder/data/weights.bin", "w-bytes");
        WriteFile("folder/data/deep/vocab.txt", "a b c");
        var v2 = await Models.CreateVersionAsync(new NewModelVersion("iris", new LocalModelSource(Path.Combine(_dir.FullName, "folder"))), null, default);
        Assert.Equal(2, v2.Version);
        Assert.Equal(["MLmodel", "data/deep/vocab.txt", "data/weights.bin"], v2.Files.Select(f => f.Path));
        Assert.Empty(v2.Tags);
        Assert.Empty(v2.Properties);
        Assert.Equal(ModelFramework.Custom, v2.Framework);
        Assert.Equal(2, _mlflow.Seen("POST", "/registered-models/create").Count);
        var folder = v2.ModelUri!["mlflow-artifacts:/".Length..];
        Assert.Equal("a b c", Encoding.UTF8.GetString(_mlflow.Files[folder + "/data/deep/vocab.txt"]));

        // Read back: the reserved tags stay hidden.
        var again = await Models.GetVersionAsync("iris", 1, default);
        Assert.Equal((v1.Version, v1.Description, v1.Framework, v1.ModelUri, v1.CreatedAt), (again.Version, again.Description, again.Framework, again.ModelUri, again.CreatedAt));
        Assert.Equal(v1.Tags, again.Tags);
        Assert.Equal(v1.Properties, again.Properties);
        Assert.Equal(v1.Files, again.Files);
        Assert.Equal("GET", _mlflow.Server.Requests.Last().Method);
        Assert.Equal("/srv/api/2.0/mlflow/model-versions/get", _mlflow.Server.Requests.Last().Path);
        Assert.Equal("?name=iris&version=1", _mlflow.Server.Requests.Last().Query);
    }

    [Fact]
    public async Task Aliases_move_between_versions_with_exact_wire_and_a_missing_alias_is_not_found()
    {
        await RegisterFileAsync("iris");
        await RegisterFileAsync("iris");

        await Models.SetAliasAsync("iris", "champion", 1, default);
        var set = Assert.Single(_mlflow.Seen("POST", "/registered-models/alias"));
        Assert.Equal("/srv/api/2.0/mlflow/registered-models/alias", set.Path);
        Assert.Equal("""{"name":"iris","alias":"champion","version":"1"}""", set.Body);
        Assert.Equal(["champion"], (await Models.GetVersionAsync("iris", 1, default)).Aliases);

        await Models.SetAliasAsync("iris", "champion", 2, default);
        Assert.Empty((await Models.GetVersionAsync("iris", 1, default)).Aliases);
        Assert.Equal(2, (await Models.GetVersionByAliasAsync("iris", "champion", default)).Version);
        var get = _mlflow.Seen("GET", "/registered-models/alias").Last();
        Assert.Equal("?name=iris&alias=champion", get.Query);

        await Models.DeleteAliasAsync("iris", "champion", default);
        var delete = Assert.Single(_mlflow.Seen("DELETE", "/registered-models/alias"));
        Assert.Equal("/srv/api/2.0/mlflow/registered-models/alias", delete.Path);
        Assert.Equal("""{"name":"iris","alias":"champion"}""", delete.Body);

        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.GetVersionByAliasAsync("iris", "champion", default));
        Assert.Contains("champion", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.DeleteAliasAsync("iris", "champion", default));
        Assert.Single(_mlflow.Seen("DELETE", "/registered-models/alias")); // nothing sent for the missing one

        // Deleting a version drops its aliases (MLflow does).
        await Models.SetAliasAsync("iris", "staging", 2, default);
        await Models.DeleteVersionAsync("iris", 2, default);
        Assert.Equal("""{"name":"iris","version":"2"}""", Assert.Single(_mlflow.Seen("DELETE", "/model-versions/delete")).Body);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.GetVersionByAliasAsync("iris", "staging", default));
    }

    [Fact]
    public async Task Latest_skips_archived_stage_and_archive_are_hidden_tags_and_listing_pages()
    {
        for (var i = 0; i < 3; i++)
        {
            await RegisterFileAsync("iris", $"content-{i}");
        }
        await RegisterFileAsync("alpha");

        var updated = await Models.UpdateVersionAsync("iris", 3, new ModelVersionUpdate(Description: "retired", SetTags: new Dictionary<string, string> { ["owner"] = "bob" }, Stage: "Archived", IsArchived: true), default);
        Assert.True(updated.IsArchived);
        Assert.Equal("Archived", updated.Stage);
        Assert.Equal("retired", updated.Description);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "bob" }, updated.Tags);
        Assert.Equal("true", _mlflow.Models["iris"].Versions[2].Tags["azureml.sdk.archived"]);
        Assert.Equal("Archived", _mlflow.Models["iris"].Versions[2].Tags["azureml.sdk.stage"]);
        Assert.Contains(_mlflow.Seen("POST", "/model-versions/set-tag"), r => r.Body == """{"name":"iris","version":"3","key":"azureml.sdk.archived","value":"true"}""");
        Assert.Equal("""{"name":"iris","version":"3","description":"retired"}""", Assert.Single(_mlflow.Seen("PATCH", "/model-versions/update")).Body);

        Assert.Equal(2, (await Models.GetLatestVersionAsync("iris", default)).Version);
        Assert.Contains(_mlflow.Seen("GET", "/model-versions/search"), r => r.Query == "?filter=name%3D%27iris%27&max_results=1000&order_by=name%20ASC&order_by=version_number%20DESC");

        // Default listing hides archived; pages of one walk alpha 1, iris 2, iris 1.
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Models.ListVersionsAsync(new ModelQuery(MaxResults: 1, PageToken: token), default);
            Assert.True(page.Items.Count <= 1);
            seen.AddRange(page.Items.Select(v => $"{v.Name}:{v.Version}"));
            token = page.NextPageToken;
        }
        while (token is not null);
        Assert.Equal(["alpha:1", "iris:2", "iris:1"], seen);

        var withArchived = await Models.ListVersionsAsync(new ModelQuery("iris", IncludeArchived: true), default);
        Assert.Equal([3, 2, 1], withArchived.Items.Select(v => v.Version));
        var byTag = await Models.ListVersionsAsync(new ModelQuery("iris", new Dictionary<string, string> { ["owner"] = "bob" }, IncludeArchived: true), default);
        Assert.Equal(3, Assert.Single(byTag.Items).Version);
        var latestOnly = await Models.ListVersionsAsync(new ModelQuery(LatestOnly: true), default);
        Assert.Equal(["alpha:1", "iris:2"], latestOnly.Items.Select(v => $"{v.Name}:{v.Version}"));

        await Models.UpdateVersionAsync("iris", 3, new ModelVersionUpdate(IsArchived: false), default);
        Assert.Equal(3, (await Models.GetLatestVersionAsync("iris", default)).Version);
        Assert.Contains(_mlflow.Seen("DELETE", "/model-versions/delete-tag"), r => r.Body == """{"name":"iris","version":"3","key":"azureml.sdk.archived"}""");
    }

    [Fact]
    public async Task Download_checks_sha256_and_corrupted_bytes_are_data_loss_without_leftovers()
    {
        WriteFile("m/MLmodel", "flavors: {}");
        WriteFile("m/data/weights.bin", "weights-weights");
        var v = await Models.CreateVersionAsync(new NewModelVersion("iris", new LocalModelSource(Path.Combine(_dir.FullName, "m"))), null, default);

        var target = Path.Combine(_dir.FullName, "out");
        var progress = new List<long>();
        var written = await Models.DownloadAsync("iris", v.Version, target, new ListProgress(progress), default);
        Assert.Equal([Path.Combine(target, "MLmodel"), Path.Combine(target, "data", "weights.bin")], written);
        Assert.Equal("weights-weights", await File.ReadAllTextAsync(Path.Combine(target, "data", "weights.bin")));
        Assert.Equal(26, progress.Last());

        var folder = v.ModelUri!["mlflow-artifacts:/".Length..];
        _mlflow.CorruptOnDownload.Add(folder + "/data/weights.bin");
        var bad = Path.Combine(_dir.FullName, "bad");
        var ex = await Assert.ThrowsAsync<AzureMlException>(() => Models.DownloadAsync("iris", v.Version, bad, null, default));
        Assert.Equal(AzureMlErrorCodes.DataLoss, ex.ErrorCode);
        Assert.Contains("data/weights.bin", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(bad, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Register_from_run_artifacts_copies_them_into_the_models_area()
    {
        _mlflow.Runs["r1"] = "mlflow-artifacts:/1/r1/artifacts";
        _mlflow.Files["1/r1/artifacts/outputs/model/MLmodel"] = "flavors: {}"u8.ToArray();
        _mlflow.Files["1/r1/artifacts/outputs/model/model.pkl"] = "pickle"u8.ToArray();
        _mlflow.Files["1/r1/artifacts/outputs/other.txt"] = "x"u8.ToArray();

        var v = await Models.CreateVersionAsync(new NewModelVersion("iris", new RunArtifactModelSource("r1", "outputs/model")), null, default);

        Assert.Equal("r1", v.RunId);
        Assert.Equal(["MLmodel", "model.pkl"], v.Files.Select(f => f.Path));
        Assert.StartsWith("mlflow-artifacts:/models/iris/", v.ModelUri, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(Assert.Single(_mlflow.Seen("POST", "/model-versions/create")).Body);
        Assert.Equal("r1", body.RootElement.GetProperty("run_id").GetString());
        var folder = v.ModelUri!["mlflow-artifacts:/".Length..];
        Assert.Equal("pickle", Encoding.UTF8.GetString(_mlflow.Files[folder + "/model.pkl"]));

        var single = await Models.CreateVersionAsync(new NewModelVersion("iris", new RunArtifactModelSource("r1", "outputs/other.txt")), null, default);
        Assert.Equal("other.txt", Assert.Single(single.Files).Path);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.CreateVersionAsync(new NewModelVersion("iris", new RunArtifactModelSource("r1", "nope")), null, default));
    }

    [Fact]
    public async Task Service_errors_map_to_typed_exceptions_and_reserved_tags_are_refused()
    {
        var notFound = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.GetVersionAsync("ghost", 1, default));
        Assert.Equal(AzureMlErrorCodes.ResourceDoesNotExist, notFound.ErrorCode);
        Assert.Equal(404, notFound.Status);
        Assert.StartsWith("req-", notFound.RequestId, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.GetLatestVersionAsync("ghost", default));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.DeleteVersionAsync("ghost", 1, default));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.UpdateVersionAsync("ghost", 1, new ModelVersionUpdate(Description: "x"), default));

        await RegisterFileAsync("iris");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Models.SetAliasAsync("iris", "champion", 9, default));
        await Assert.ThrowsAsync<InvalidInputException>(() => Models.UpdateVersionAsync("iris", 1, new ModelVersionUpdate(SetTags: new Dictionary<string, string> { ["azureml.sdk.archived"] = "true" }), default));
        await Assert.ThrowsAsync<InvalidInputException>(() => Models.CreateVersionAsync(new NewModelVersion("iris", new LocalModelSource(WriteFile("t/x.bin", "x")),
            Tags: new Dictionary<string, string> { ["azureml.sdk.framework"] = "Onnx" }), null, default));
        await Assert.ThrowsAsync<InvalidInputException>(() => Models.ListVersionsAsync(new ModelQuery(PageToken: "not-a-token"), default));
        Assert.Empty(_mlflow.Seen("POST", "/model-versions/set-tag"));
    }

    [Fact]
    public void Manifest_longer_than_one_tag_value_is_split_and_read_back()
    {
        var files = Enumerable.Range(0, 200).Select(i => new ModelFile($"data/part-{i:D5}.bin", i, new string('a', 64))).ToList();
        var tags = MlflowModelRegistry.ManifestTags(files).ToList();
        Assert.True(tags.Count > 2);
        Assert.All(tags, t => Assert.True(t.Value!.Length <= MlflowModelRegistry.MaxTagValueLength));
        var registry = new MlflowModelRegistry(null!, null!, null!, TimeProvider.System);
        var data = registry.ToData(new MlflowModelVersion { Name = "m", Version = "1", Tags = tags });
        Assert.Equal(files, data.Files);
        Assert.Empty(data.Tags);
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
