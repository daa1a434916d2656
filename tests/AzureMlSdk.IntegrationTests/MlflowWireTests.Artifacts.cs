using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests;

// The mlflow-artifacts proxy (GET/PUT/DELETE artifacts/<path>, GET artifacts?path=) and the tracking artifacts/list route.
public sealed partial class MlflowWireTests
{
    private string ProxyUrl(string rest) => emulator.ArtifactsBase(_ws) + rest;

    private async Task<HttpResponseMessage> ProxyAsync(HttpMethod method, string rest, byte[]? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, ProxyUrl(rest));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        }
        return await emulator.Http.SendAsync(request);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body, string Raw)> ProxyJsonAsync(HttpMethod method, string rest, byte[]? body = null)
    {
        using var response = await ProxyAsync(method, rest, body);
        var raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, raw.Length == 0 ? [] : JsonNode.Parse(raw)!.AsObject(), raw);
    }

    [Fact]
    public async Task Proxy_put_get_list_delete_round_trips_files_under_the_runs_artifact_uri()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        var root = $"ExperimentRun/dcid.{runId}";
        var text = Encoding.UTF8.GetBytes("hello artifacts");

        var put = await ProxyJsonAsync(HttpMethod.Put, $"artifacts/{root}/notes.txt", text);
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal("{}", put.Raw);
        Assert.Equal(HttpStatusCode.OK, (await ProxyJsonAsync(HttpMethod.Put, $"artifacts/{root}/model/MLmodel", "flavors: {}"u8.ToArray())).Status);

        using (var get = await ProxyAsync(HttpMethod.Get, $"artifacts/{root}/notes.txt"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(text, await get.Content.ReadAsByteArrayAsync());
            Assert.Equal("text/plain", get.Content.Headers.ContentType!.MediaType);
            Assert.Equal("attachment; filename=notes.txt", get.Content.Headers.ContentDisposition!.ToString());
            Assert.Equal("nosniff", get.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var level = await ProxyJsonAsync(HttpMethod.Get, $"artifacts?path={Uri.EscapeDataString(root)}");
        Assert.Equal(HttpStatusCode.OK, level.Status);
        // Base names, ordered; folders carry is_dir true and no file_size; files carry is_dir false and their size.
        Assert.Equal("""{"files":[{"path":"model","is_dir":true},{"path":"notes.txt","is_dir":false,"file_size":15}]}""", level.Raw);
        Assert.Equal("""{"files":[{"path":"MLmodel","is_dir":false,"file_size":11}]}""", (await ProxyJsonAsync(HttpMethod.Get, $"artifacts?path={root}/model")).Raw);
        Assert.Equal("{}", (await ProxyJsonAsync(HttpMethod.Get, $"artifacts?path={root}/notes.txt")).Raw); // a file lists nothing
        Assert.Equal("{}", (await ProxyJsonAsync(HttpMethod.Get, "artifacts?path=no/such/folder")).Raw);
        Assert.Contains((await ProxyJsonAsync(HttpMethod.Get, "artifacts")).Body["files"]!.AsArray(), f => f!["path"]!.GetValue<string>() == "ExperimentRun");

        // The tracking route lists the same folder with run-relative paths and the run's artifact URI as root.
        var listed = await GetAsync("artifacts/list", $"run_id={runId}&path=model");
        Assert.Equal($$"""{"root_uri":"mlflow-artifacts:/{{root}}","files":[{"path":"model/MLmodel","is_dir":false,"file_size":11}]}""", listed.Raw);
        Assert.Equal(2, (await GetAsync("artifacts/list", "run_id=" + runId)).Body["files"]!.AsArray().Count);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("artifacts/list", "run_id=0123456789abcdef0123456789abcdef"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("artifacts/list", $"run_id={runId}&path=../other"));

        Assert.Equal("{}", (await ProxyJsonAsync(HttpMethod.Delete, $"artifacts/{root}/notes.txt")).Raw);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await ProxyJsonAsync(HttpMethod.Get, $"artifacts/{root}/notes.txt"));
        Assert.Equal(HttpStatusCode.OK, (await ProxyJsonAsync(HttpMethod.Delete, $"artifacts/{root}/model")).Status); // a folder and all under it
        Assert.Equal("{}", (await ProxyJsonAsync(HttpMethod.Get, $"artifacts?path={root}")).Raw);
    }

    [Fact]
    public async Task Proxy_rejects_unsafe_paths_wrong_methods_multipart_and_missing_tokens_in_MLflow_shape()
    {
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await ProxyJsonAsync(HttpMethod.Get, "artifacts?path=a/../b"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await ProxyJsonAsync(HttpMethod.Get, "artifacts?path=/etc"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await ProxyJsonAsync(HttpMethod.Put, "artifacts/a%23b", [1]));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await ProxyJsonAsync(HttpMethod.Delete, "artifacts/"));

        var post = await ProxyJsonAsync(HttpMethod.Post, "artifacts/a.txt", [1]);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.Status);
        var multipart = await ProxyJsonAsync(HttpMethod.Post, "mpu/create/ExperimentRun/x.bin", "{\"path\":\"x.bin\",\"num_parts\":2}"u8.ToArray());
        AssertError(HttpStatusCode.NotImplemented, "NOT_IMPLEMENTED", multipart);
        Assert.StartsWith("Multipart upload is not supported for the current artifact repository", multipart.Body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertError(HttpStatusCode.NotFound, "ENDPOINT_NOT_FOUND", await ProxyJsonAsync(HttpMethod.Get, "nothing-here"));

        using var anonymous = await ProxyAsync(HttpMethod.Get, "artifacts", token: "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("UNAUTHENTICATED", JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!["error_code"]!.GetValue<string>());
    }
}
