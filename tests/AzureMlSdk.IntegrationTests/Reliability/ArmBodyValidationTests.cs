using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// ARM request bodies are checked against the 2026-07-01 schema (types, required, enums, patterns, lengths) and the tag
/// and description limits the Emulator documents, as the service checks them: 400 ErrorResponse naming the field, and
/// nothing stored.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ArmBodyValidationTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string ApiVersion = "?api-version=2026-07-01";
    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private string Ws => EmulatorFixture.WorkspacePath(_ws);

    private async Task<(HttpStatusCode Status, JsonObject Body, string Raw)> SendAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path + ApiVersion) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var reply = await emulator.Http.SendAsync(request);
        var raw = await reply.Content.ReadAsStringAsync();
        return (reply.StatusCode, raw.Length == 0 ? [] : JsonNode.Parse(raw)!.AsObject(), raw);
    }

    private static void AssertInvalid((HttpStatusCode Status, JsonObject Body, string Raw) reply, string field)
    {
        Assert.True(reply.Status == HttpStatusCode.BadRequest, $"expected 400, got {(int)reply.Status}: {reply.Raw}");
        var error = reply.Body["error"]!;
        Assert.Equal("ValidationError", error["code"]!.GetValue<string>());
        Assert.Contains(field, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(reply.Raw.Length < 4000, "the error echoes the request: " + reply.Raw.Length + " characters");
        EmulatorTransportTests.AssertNoInternals(reply.Raw);
    }

    private async Task<HttpStatusCode> GetStatusAsync(string path)
    {
        using var reply = await emulator.Http.GetAsync(path + ApiVersion);
        return reply.StatusCode;
    }

    [Fact]
    public async Task A_model_version_with_a_numeric_modelUri_is_refused_and_not_stored()
    {
        var container = await SendAsync(HttpMethod.Put, Ws + "/models/typed", """{"properties":{}}""");
        Assert.True(container.Status is HttpStatusCode.OK or HttpStatusCode.Created, container.Raw);
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/typed/versions/1", """{"properties":{"modelUri":42}}"""), "$.properties.modelUri");
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(Ws + "/models/typed/versions/1"));
        var ok = await SendAsync(HttpMethod.Put, Ws + "/models/typed/versions/1", """{"properties":{"modelUri":"azureml://datastores/workspaceblobstore/paths/m/","description":"fine"}}""");
        Assert.True(ok.Status is HttpStatusCode.OK or HttpStatusCode.Created, ok.Raw);
    }

    [Theory]
    [InlineData("""{"properties":{"isArchived":"yes"}}""", "$.properties.isArchived")]
    [InlineData("""{"properties":{"tags":{"a":1}}}""", "$.properties.tags.a")]
    [InlineData("""{"properties":{"properties":["x"]}}""", "$.properties.properties")]
    [InlineData("""{"properties":{"flavors":{"onnx":{"data":{"k":2}}}}}""", "$.properties.flavors.onnx.data.k")]
    [InlineData("""{"properties":"nope"}""", "$.properties")]
    public async Task Model_version_bodies_of_the_wrong_shape_are_refused(string body, string field)
    {
        await SendAsync(HttpMethod.Put, Ws + "/models/shaped", """{"properties":{}}""");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/shaped/versions/3", body), field);
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(Ws + "/models/shaped/versions/3"));
    }

    [Fact]
    public async Task A_model_version_description_over_5000_characters_is_refused()
    {
        await SendAsync(HttpMethod.Put, Ws + "/models/described", """{"properties":{}}""");
        var description = new string('d', 5001);
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/described/versions/1", "{\"properties\":{\"description\":\"" + (description) + "\"}}"), "$.properties.description");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/described", "{\"properties\":{\"description\":\"" + (description) + "\"}}"), "$.properties.description");
        var ok = await SendAsync(HttpMethod.Put, Ws + "/models/described/versions/1", "{\"properties\":{\"description\":\"" + (description[..5000]) + "\"}}");
        Assert.True(ok.Status is HttpStatusCode.OK or HttpStatusCode.Created, ok.Raw);
    }

    [Fact]
    public async Task Asset_tags_follow_the_documented_limits()
    {
        await SendAsync(HttpMethod.Put, Ws + "/models/tagged", """{"properties":{}}""");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/tagged/versions/1", "{\"properties\":{\"tags\":{\"t\":\"" + (new string('v', 100_001)) + "\"}}}"), "$.properties.tags.t");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/models/tagged/versions/1", "{\"properties\":{\"tags\":{\"" + (new string('k', 251)) + "\":\"v\"}}}"), "$.properties.tags");
    }

    [Fact]
    public async Task Workspace_tags_follow_Azure_Resource_Managers_limits()
    {
        var path = Ws;
        AssertInvalid(await SendAsync(HttpMethod.Put, path, "{\"location\":\"local\",\"tags\":{\"big\":\"" + (new string('x', 257)) + "\"},\"properties\":{}}"), "$.tags.big");
        AssertInvalid(await SendAsync(HttpMethod.Put, path, "{\"location\":\"local\",\"tags\":{\"" + (new string('n', 513)) + "\":\"v\"},\"properties\":{}}"), "$.tags");
        var many = string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"t{i}\":\"v\""));
        AssertInvalid(await SendAsync(HttpMethod.Put, path, "{\"location\":\"local\",\"tags\":{" + many + "},\"properties\":{}}"), "51 tags");
        AssertInvalid(await SendAsync(HttpMethod.Put, path, """{"location":"local","tags":{"n":5},"properties":{}}"""), "$.tags.n");
        AssertInvalid(await SendAsync(HttpMethod.Put, path, """{"location":"local","properties":{"friendlyName":7}}"""), "$.properties.friendlyName");
        var fine = await SendAsync(HttpMethod.Put, path, "{\"location\":\"local\",\"tags\":{\"team\":\"" + (new string('x', 256)) + "\"},\"properties\":{\"friendlyName\":\"ok\"}}");
        Assert.True(fine.Status is HttpStatusCode.OK or HttpStatusCode.Created, fine.Raw);
        var workspace = JsonNode.Parse(await emulator.Http.GetStringAsync(path + ApiVersion))!;
        Assert.Equal(256, workspace["tags"]!["team"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task Endpoint_bodies_are_checked_against_their_schema_too()
    {
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/onlineEndpoints/bad-auth", """{"location":"local","properties":{"authMode":"Password"}}"""), "$.properties.authMode");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/onlineEndpoints/bad-traffic", """{"location":"local","properties":{"authMode":"Key","traffic":{"blue":"all"}}}"""), "$.properties.traffic.blue");
        AssertInvalid(await SendAsync(HttpMethod.Put, Ws + "/batchEndpoints/bad-batch", """{"location":"local","properties":{"authMode":"AADToken","defaults":{"deploymentName":3}}}"""), "$.properties.defaults.deploymentName");
        Assert.Equal(HttpStatusCode.NotFound, await GetStatusAsync(Ws + "/onlineEndpoints/bad-auth"));
    }
}
