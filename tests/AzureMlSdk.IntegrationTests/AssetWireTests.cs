using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The Emulator's ARM data, environment, component, code and compute routes with a raw HttpClient: answers validated against
/// the 2026-07-01 spec, bodies the spec refuses answered 400 <c>ErrorResponse</c> naming the field, and the errors of a missing
/// resource, an immutable version changed and a local path given where content must already be uploaded.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class AssetWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string V = "?api-version=2026-07-01";
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private string Ws => EmulatorFixture.WorkspacePath(_ws);

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(emulator.BaseAddress, Ws + path + (path.Contains('?', StringComparison.Ordinal) ? "&" + V[1..] : V)));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void ValidAgainst(JsonElement body, string definition) =>
        Assert.Empty(Spec.Validate(body, Spec.Definition(definition).Schema, Spec.Root));

    private static void IsArmError(JsonElement body, string code, string? contains = null)
    {
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (contains is not null)
        {
            Assert.Contains(contains, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Data_versions_and_containers_have_the_spec_shape()
    {
        const string body = """{"properties":{"dataType":"uri_folder","dataUri":"azureml://datastores/workspaceblobstore/paths/iris/","description":"iris","tags":{"a":"b"}}}""";

        var created = await SendAsync(HttpMethod.Put, "/data/iris/versions/1", body);
        var again = await SendAsync(HttpMethod.Put, "/data/iris/versions/1", body);
        var container = await SendAsync(HttpMethod.Get, "/data/iris");
        var list = await SendAsync(HttpMethod.Get, "/data/iris/versions");
        var containers = await SendAsync(HttpMethod.Get, "/data");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        ValidAgainst(created.Body, "DataVersionBase");
        Assert.Equal($"{Ws}/data/iris/versions/1", created.Body.GetProperty("id").GetString());
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/iris/", created.Body.GetProperty("properties").GetProperty("dataUri").GetString());
        ValidAgainst(container.Body, "DataContainer");
        Assert.Equal("2", container.Body.GetProperty("properties").GetProperty("nextVersion").GetString());
        Assert.Equal("1", container.Body.GetProperty("properties").GetProperty("latestVersion").GetString());
        Assert.Equal(1, list.Body.GetProperty("value").GetArrayLength());
        Assert.Contains(containers.Body.GetProperty("value").EnumerateArray(), c => c.GetProperty("name").GetString() == "iris");
    }

    [Fact]
    public async Task A_changed_version_is_409_and_a_missing_one_404_in_the_ErrorResponse_shape()
    {
        await SendAsync(HttpMethod.Put, "/environments/env/versions/1", """{"properties":{"image":"python:3.11"}}""");

        var changed = await SendAsync(HttpMethod.Put, "/environments/env/versions/1", """{"properties":{"image":"python:3.12"}}""");
        var missing = await SendAsync(HttpMethod.Get, "/environments/env/versions/9");
        var missingContainer = await SendAsync(HttpMethod.Get, "/components/nothing");

        Assert.Equal(HttpStatusCode.Conflict, changed.Status);
        IsArmError(changed.Body, "Conflict", "'env' version '1'");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        IsArmError(missing.Body, "ResourceNotFound", "version '9'");
        Assert.Equal(HttpStatusCode.NotFound, missingContainer.Status);
        IsArmError(missingContainer.Body, "ResourceNotFound", "nothing");
    }

    [Theory]
    [InlineData("/data/d/versions/1", """{"properties":{"dataType":"uri_file"}}""", "dataUri")]
    [InlineData("/data/d/versions/1", """{"properties":{"dataType":"folder","dataUri":"https://x/y"}}""", "dataType")]
    [InlineData("/environments/e/versions/1", """{"properties":{"osType":"Solaris","image":"x"}}""", "osType")]
    [InlineData("/environments/e/versions/1", """{"properties":{"build":{"dockerfilePath":"Dockerfile"}}}""", "contextUri")]
    [InlineData("/computes/c1", """{"properties":{"computeType":"AmlCompute","properties":{"scaleSettings":{"minNodeCount":0}}}}""", "maxNodeCount")]
    public async Task Bodies_the_spec_refuses_are_400_naming_the_field(string path, string body, string field)
    {
        var reply = await SendAsync(HttpMethod.Put, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Contains(field, reply.Body.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/data/d/versions/1", """{"properties":{"dataType":"uri_folder","dataUri":"./local/folder"}}""", "properties.dataUri")]
    [InlineData("/environments/e/versions/1", """{"properties":{"build":{"contextUri":"/home/me/ctx"}}}""", "properties.build.contextUri")]
    [InlineData("/components/c/versions/1", """{"properties":{"componentSpec":{"name":"c","command":"echo","code":"./src"}}}""", "properties.componentSpec.code")]
    [InlineData("/codes/h/versions/1", """{"properties":{"codeUri":"./src"}}""", "properties.codeUri")]
    public async Task Local_paths_are_refused_the_Emulator_never_reads_the_callers_disk(string path, string body, string target)
    {
        var reply = await SendAsync(HttpMethod.Put, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        IsArmError(reply.Body, "ValidationError");
        Assert.Equal(target, reply.Body.GetProperty("error").GetProperty("target").GetString());
    }

    [Fact]
    public async Task A_component_spec_with_an_unknown_key_is_400_naming_it()
    {
        var reply = await SendAsync(HttpMethod.Put, "/components/c/versions/1", """{"properties":{"componentSpec":{"name":"c","command":"echo","comand":"typo"}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        IsArmError(reply.Body, "ValidationError", "comand");
    }

    [Fact]
    public async Task Component_versions_have_the_spec_shape_and_serve_their_spec()
    {
        var put = await SendAsync(HttpMethod.Put, "/components/train/versions/1",
            """{"properties":{"description":"d","componentSpec":{"name":"train","type":"command","inputs":{"n":{"type":"integer","default":3}},"command":"echo ${{inputs.n}}","environment":"azureml://registries/azureml/environments/sklearn-1.5/labels/latest"}}}""");

        Assert.Equal(HttpStatusCode.Created, put.Status);
        ValidAgainst(put.Body, "ComponentVersion");
        var spec = put.Body.GetProperty("properties").GetProperty("componentSpec");
        Assert.Equal("echo ${{inputs.n}}", spec.GetProperty("command").GetString());
        Assert.Equal(3, spec.GetProperty("inputs").GetProperty("n").GetProperty("default").GetInt32());
        var container = await SendAsync(HttpMethod.Get, "/components/train");
        ValidAgainst(container.Body, "ComponentContainer");
    }

    [Fact]
    public async Task Archiving_a_container_archives_its_versions()
    {
        await SendAsync(HttpMethod.Put, "/data/arch/versions/1", """{"properties":{"dataType":"uri_file","dataUri":"https://example.org/a.csv"}}""");
        await SendAsync(HttpMethod.Put, "/data/arch/versions/2", """{"properties":{"dataType":"uri_file","dataUri":"https://example.org/b.csv"}}""");

        var archived = await SendAsync(HttpMethod.Put, "/data/arch", """{"properties":{"dataType":"uri_file","isArchived":true}}""");
        var active = await SendAsync(HttpMethod.Get, "/data/arch/versions");
        var all = await SendAsync(HttpMethod.Get, "/data/arch/versions?listViewType=All");

        Assert.Equal(HttpStatusCode.OK, archived.Status);
        Assert.True(archived.Body.GetProperty("properties").GetProperty("isArchived").GetBoolean());
        Assert.Equal(0, active.Body.GetProperty("value").GetArrayLength());
        var version = await SendAsync(HttpMethod.Get, "/data/arch/versions/2");
        Assert.True(version.Body.GetProperty("properties").GetProperty("isArchived").GetBoolean());
        Assert.Equal(2, all.Body.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task Code_versions_are_immutable()
    {
        var first = await SendAsync(HttpMethod.Put, "/codes/abc/versions/1", """{"properties":{"codeUri":"https://acct.blob.core.windows.net/c/LocalUpload/abc/src"}}""");
        var replay = await SendAsync(HttpMethod.Put, "/codes/abc/versions/1", """{"properties":{"codeUri":"https://acct.blob.core.windows.net/c/LocalUpload/abc/src"}}""");
        var other = await SendAsync(HttpMethod.Put, "/codes/abc/versions/1", """{"properties":{"codeUri":"https://acct.blob.core.windows.net/c/LocalUpload/def/src"}}""");
        var got = await SendAsync(HttpMethod.Get, "/codes/abc/versions/1");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal(HttpStatusCode.Conflict, other.Status);
        ValidAgainst(got.Body, "CodeVersion");
        Assert.EndsWith("/abc/src", got.Body.GetProperty("properties").GetProperty("codeUri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Computes_are_amlcompute_pools_created_listed_and_deleted()
    {
        var put = await SendAsync(HttpMethod.Put, "/computes/cpu-cluster",
            """{"location":"local","properties":{"computeType":"AmlCompute","description":"four slots","properties":{"vmSize":"STANDARD_D2_V3","scaleSettings":{"maxNodeCount":4,"minNodeCount":0,"nodeIdleTimeBeforeScaleDown":"PT120S"}}}}""");
        var list = await SendAsync(HttpMethod.Get, "/computes");
        var delete = await SendAsync(HttpMethod.Delete, "/computes/cpu-cluster");
        var deleteAgain = await SendAsync(HttpMethod.Delete, "/computes/cpu-cluster");
        var gone = await SendAsync(HttpMethod.Get, "/computes/cpu-cluster");
        var instance = await SendAsync(HttpMethod.Put, "/computes/ci-1", """{"location":"local","properties":{"computeType":"ComputeInstance"}}""");

        Assert.Equal(HttpStatusCode.Created, put.Status);
        ValidAgainst(put.Body, "ComputeResource");
        Assert.Equal(4, put.Body.GetProperty("properties").GetProperty("properties").GetProperty("scaleSettings").GetProperty("maxNodeCount").GetInt32());
        Assert.Single(list.Body.GetProperty("value").EnumerateArray(), c => c.GetProperty("name").GetString() == "cpu-cluster");
        Assert.Equal(HttpStatusCode.OK, delete.Status);
        Assert.Equal(HttpStatusCode.NoContent, deleteAgain.Status);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        IsArmError(gone.Body, "ResourceNotFound", "cpu-cluster");
        Assert.Equal(HttpStatusCode.BadRequest, instance.Status);
        IsArmError(instance.Body, "ValidationError");
    }

    [Fact]
    public async Task Remote_computes_through_the_sdk_create_get_list_and_delete()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        var computes = ws.Backend.Computes;

        var created = await computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "gpu-pool", MaxInstances = 2, Size = "STANDARD_NC6" }, default);
        var got = await computes.GetAsync("gpu-pool", default);
        var all = await computes.ListAsync(default);
        await computes.DeleteAsync("gpu-pool", default);

        Assert.Equal(("gpu-pool", "amlcompute", 2, "STANDARD_NC6"), (created.Name, created.Type, created.MaxInstances, created.Size));
        Assert.Equal(2, got.MaxInstances);
        Assert.Contains(all, c => c.Name == "gpu-pool");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => computes.GetAsync("gpu-pool", default));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => computes.DeleteAsync("gpu-pool", default));
    }

    [Fact]
    public async Task Remote_datastore_uploads_lists_and_downloads_by_datastore_uri()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        var folder = Path.Combine(Path.GetTempPath(), "azureml-ds-" + Guid.NewGuid().ToString("N")[..8]);
        var target = folder + "-down";
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "alpha");
        await File.WriteAllTextAsync(Path.Combine(folder, "sub", "b.txt"), "beta");
        try
        {
            var uri = await ws.Backend.Datastores.UploadAsync(folder, "tests/folder", null, null, default);
            var files = await ws.Backend.Datastores.ListFilesAsync(uri, default);
            var written = await ws.Backend.Datastores.DownloadAsync(uri, target, null, default);
            var single = await ws.Backend.Datastores.UploadAsync(Path.Combine(folder, "a.txt"), "tests/one/", null, null, default);

            Assert.Equal("azureml://datastores/workspaceblobstore/paths/tests/folder/", uri);
            Assert.Equal(["a.txt", "sub/b.txt"], files.Select(f => f.Path));
            Assert.Equal(2, written.Count);
            Assert.Equal("beta", await File.ReadAllTextAsync(Path.Combine(target, "sub", "b.txt")));
            Assert.Equal("azureml://datastores/workspaceblobstore/paths/tests/one/a.txt", single);
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => ws.Backend.Datastores.DownloadAsync("azureml://datastores/workspaceblobstore/paths/nothing/here", target, null, default));
            await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.Backend.Datastores.ListFilesAsync("azureml://datastores/otherstore/paths/x", default));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Remote_code_snapshots_upload_once_per_content_honouring_amlignore()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        var folder = Path.Combine(Path.GetTempPath(), "azureml-code-" + Guid.NewGuid().ToString("N")[..8], "src");
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        await File.WriteAllTextAsync(Path.Combine(folder, "train.py"), "print(1)\n");
        await File.WriteAllTextAsync(Path.Combine(folder, ".amlignore"), "data/\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "data", "big.csv"), "not in the snapshot");
        try
        {
            var first = await ws.Backend.Assets.CreateCodeAsync(folder, null, default);
            var second = await ws.Backend.Assets.CreateCodeAsync(folder, null, default);
            var got = await ws.Backend.Assets.GetCodeAsync(first.Id, default);
            var files = await ws.Backend.Datastores.ListFilesAsync(first.Uri, default);
            var arm = await SendAsync(HttpMethod.Get, $"/codes/{first.Name}/versions/1");

            Assert.True(first.WasUploaded);
            Assert.False(second.WasUploaded);
            Assert.Equal(first.Id, second.Id);
            Assert.Equal($"{Ws}/codes/{first.ContentHash}/versions/1", first.Id);
            Assert.Equal(first.Name, got.Name);
            Assert.Equal(first.FileCount, got.FileCount);
            Assert.Equal([".amlignore", "train.py"], files.Select(f => f.Path));
            Assert.Equal($"azureml://datastores/workspaceblobstore/paths/LocalUpload/{first.ContentHash}/src/", first.Uri);
            Assert.EndsWith($"/LocalUpload/{first.ContentHash}/src", arm.Body.GetProperty("properties").GetProperty("codeUri").GetString(), StringComparison.Ordinal);
            await Assert.ThrowsAsync<InvalidInputException>(() => ws.Backend.Assets.GetCodeAsync("not-an-id", default));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }
}
