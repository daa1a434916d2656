using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// Transport-level faults on every route family of the Emulator (MLflow, ARM, the artifacts proxy, the admin routes): a body
/// over the family's limit is 413, malformed chunked framing 400, invalid UTF-8 400, each in the family's own error shape and
/// never with an exception's text; the fault switch refuses bad input with 400.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorTransportTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string ApiVersion = "?api-version=2026-07-01";
    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private string Auth => $"Authorization: Bearer {emulator.Token}";

    private string MlflowPath => emulator.MlflowBase(_ws) + "runs/log-batch";

    private string ArmPath => EmulatorFixture.WorkspacePath(_ws) + "/models/transport" + ApiVersion;

    private string ArtifactPath => emulator.ArtifactsBase(_ws) + "artifacts/transport/file.bin";

    private static void AssertMlflowError(RawHttp.Reply reply, int status)
    {
        Assert.True(reply.Status == status, $"expected {status}, got {reply.Status}: {reply.Body}");
        var body = reply.Json;
        Assert.False(string.IsNullOrEmpty(body["error_code"]?.GetValue<string>()), reply.Body);
        Assert.False(string.IsNullOrEmpty(body["message"]?.GetValue<string>()), reply.Body);
        AssertNoInternals(reply.Body);
    }

    private static void AssertArmError(RawHttp.Reply reply, int status)
    {
        Assert.True(reply.Status == status, $"expected {status}, got {reply.Status}: {reply.Body}");
        var error = reply.Json["error"]!.AsObject();
        Assert.False(string.IsNullOrEmpty(error["code"]?.GetValue<string>()), reply.Body);
        Assert.False(string.IsNullOrEmpty(error["message"]?.GetValue<string>()), reply.Body);
        AssertNoInternals(reply.Body);
    }

    internal static void AssertNoInternals(string body)
    {
        foreach (var internalText in new[] { "Exception", "Microsoft.AspNetCore", "   at ", "System." })
        {
            Assert.DoesNotContain(internalText, body, StringComparison.Ordinal);
        }
    }

    private const string BadChunks = "ZZ\r\n{\"run_id\": \"x\"}\r\n0\r\n\r\n";

    [Fact]
    public async Task Malformed_chunked_bodies_are_400_in_each_route_familys_shape()
    {
        AssertMlflowError(await RawHttp.SendAsync(emulator.BaseAddress, $"POST {MlflowPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", RawHttp.Text(BadChunks)), 400);
        AssertArmError(await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {ArmPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", RawHttp.Text(BadChunks)), 400);
        AssertMlflowError(await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {ArtifactPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked", RawHttp.Text("4\r\nabcd\r\nXYZ\r\nmore\r\n0\r\n\r\n")), 400);
        AssertArmError(await RawHttp.SendAsync(emulator.BaseAddress, $"POST /_emulator/faults HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", RawHttp.Text(BadChunks)), 400);

        // Nothing was stored: the artifact does not exist.
        using var get = await emulator.Http.GetAsync(ArtifactPath);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Bodies_over_a_route_familys_limit_are_413_in_its_shape()
    {
        // The declared length is over the limit: the Emulator answers before reading any of it.
        var mlflow = await RawHttp.SendAsync(emulator.BaseAddress, $"POST {MlflowPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nContent-Length: {40 * 1024 * 1024}", RawHttp.Text("{\"run_id\":"));
        AssertMlflowError(mlflow, 413);
        Assert.Contains(33554432.ToString(System.Globalization.CultureInfo.InvariantCulture), mlflow.Json["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertArmError(await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {ArmPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nContent-Length: {5 * 1024 * 1024}", RawHttp.Text("{\"properties\":")), 413);
        AssertArmError(await RawHttp.SendAsync(emulator.BaseAddress, $"POST /_emulator/faults HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nContent-Length: {1024 * 1024}", RawHttp.Text("{\"rate\":")), 413);
        Assert.Equal("RequestContentTooLarge", (await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {ArmPath} HTTP/1.1\r\n{Auth}\r\nContent-Length: {5 * 1024 * 1024}", RawHttp.Text("{"))).Json["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_50_MB_workspace_tag_is_refused_with_413_and_nothing_is_stored()
    {
        var path = EmulatorFixture.WorkspacePath(_ws) + ApiVersion;
        var huge = new string('x', 50 * 1024 * 1024);
        var reply = await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {path} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", async stream =>
        {
            var json = Encoding.UTF8.GetBytes("{\"location\":\"local\",\"tags\":{\"big\":\"" + huge + "\"},\"properties\":{}}");
            for (var offset = 0; offset < json.Length; offset += 1024 * 1024)
            {
                var n = Math.Min(1024 * 1024, json.Length - offset);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(n.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
                await stream.WriteAsync(json.AsMemory(offset, n));
                await stream.WriteAsync("\r\n"u8.ToArray());
            }
            await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
        });
        AssertArmError(reply, 413);
        var workspace = JsonNode.Parse(await emulator.Http.GetStringAsync(path))!;
        Assert.Null(workspace["tags"]?["big"]);
    }

    [Fact]
    public async Task Invalid_UTF8_bodies_are_400_on_MLflow_and_ARM_routes()
    {
        var bad = new byte[] { (byte)'{', (byte)'"', (byte)'n', (byte)'a', (byte)'m', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xFF, 0xFE, 0xC3, (byte)'"', (byte)'}' };
        var mlflow = await RawHttp.SendAsync(emulator.BaseAddress, $"POST {emulator.MlflowBase(_ws)}experiments/create HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nContent-Length: {bad.Length}", RawHttp.Bytes(bad));
        AssertMlflowError(mlflow, 400);
        var arm = await RawHttp.SendAsync(emulator.BaseAddress, $"PUT {ArmPath} HTTP/1.1\r\n{Auth}\r\nContent-Type: application/json\r\nContent-Length: {bad.Length}", RawHttp.Bytes(bad));
        AssertArmError(arm, 400);
        Assert.Equal("InvalidRequestContent", arm.Json["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Malformed_JSON_is_described_by_position_not_by_the_parsers_text()
    {
        using var content = new StringContent("{\"properties\": {\"description\": \"a\" \"b\"}}", Encoding.UTF8, "application/json");
        using var reply = await emulator.Http.PutAsync(ArmPath, content);
        var body = await reply.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.Contains("line 1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", body, StringComparison.Ordinal);
        AssertNoInternals(body);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"rate\": 2}", "'rate' must be between 0 and 1")]
    [InlineData("{\"rate\": -0.1}", "'rate' must be between 0 and 1")]
    [InlineData("{\"rate\": \"0.2\"}", "'rate' must be a number")]
    [InlineData("{\"rate\": 0.2, \"seed\": 1.5}", "'seed' must be an integer")]
    [InlineData("{\"rate\": 0.2, \"max_retry_after\": -1}", "'max_retry_after' must be an integer")]
    [InlineData("{\"rate\": 0.2, \"reset_stats\": \"yes\"}", "'reset_stats' must be true or false")]
    [InlineData("[0.2]", "must be a JSON object")]
    [InlineData("", "is required")]
    [InlineData("{\"rat\": 0.2}", "Unknown field 'rat'")]
    public async Task The_fault_switch_refuses_bad_input_with_a_400_that_says_why(string body, string expected)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var reply = await emulator.Http.PostAsync("/_emulator/faults", content);
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.BadRequest, $"{(int)reply.StatusCode}: {text}");
        Assert.Contains(expected, JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertNoInternals(text);
        var stats = JsonNode.Parse(await emulator.Http.GetStringAsync("/_emulator/stats"))!;
        Assert.Equal(0.0, stats["fault_rate"]!.GetValue<double>());
    }

    [Fact]
    public async Task The_fault_switch_still_accepts_good_input()
    {
        try
        {
            using var reply = await emulator.Http.PostAsJsonAsync("/_emulator/faults", new { rate = 0.5, seed = 3, max_retry_after = 0 });
            Assert.Equal(HttpStatusCode.NoContent, reply.StatusCode);
            var stats = JsonNode.Parse(await emulator.Http.GetStringAsync("/_emulator/stats"))!;
            Assert.Equal(0.5, stats["fault_rate"]!.GetValue<double>());
        }
        finally
        {
            await emulator.SetFaultsAsync(0);
        }
    }

    [Fact]
    public async Task Injected_429_and_503_replies_carry_Retry_After()
    {
        try
        {
            await emulator.SetFaultsAsync(1.0, seed: 7, maxRetryAfter: 0);
            var seen = new HashSet<int>();
            for (var i = 0; i < 40 && seen.Count < 2; i++)
            {
                try
                {
                    using var reply = await emulator.Http.GetAsync(EmulatorFixture.WorkspacePath(_ws) + ApiVersion);
                    if ((int)reply.StatusCode is 429 or 503)
                    {
                        seen.Add((int)reply.StatusCode);
                        Assert.True(reply.Headers.RetryAfter is not null, $"{(int)reply.StatusCode} without Retry-After");
                    }
                }
                catch (HttpRequestException)
                {
                    // A dropped connection (the third fault kind).
                }
            }
            Assert.Equal([429, 503], seen.Order());
        }
        finally
        {
            await emulator.SetFaultsAsync(0);
        }
    }
}
