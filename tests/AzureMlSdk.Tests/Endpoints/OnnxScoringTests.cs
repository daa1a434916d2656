using System.Net;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Tests.Endpoints;

public sealed class OnnxScoringTests : EndpointTestBase
{
    private static double[] Predictions(string reply) =>
        JsonNode.Parse(reply)!["predictions"]!.AsArray().Select(row => row!.AsArray()[0]!.GetValue<double>()).ToArray();

    [Fact]
    public async Task Onnx_deployment_scores_mlflow_split_requests_over_http()
    {
        var ep = await LinearEndpointAsync();
        Assert.Equal("127.0.0.1", ep.ScoringUri!.Host);
        Assert.Equal("/score", ep.ScoringUri.AbsolutePath);

        var reply = await ep.InvokeAsync("""{"input_data": {"columns": ["x1", "x2", "x3"], "index": [0, 1], "data": [[1, 1, 1], [0, 0, 2]]}}""", cancellationToken: Ct);

        Assert.Equal([6.5, 6.5], Predictions(reply));
    }

    [Fact]
    public async Task Onnx_deployment_scores_named_tensor_requests()
    {
        var ep = await LinearEndpointAsync();

        var reply = await ep.InvokeAsync("""{"inputs": {"features": [[1, 0, 0], [0, 1, 0], [0, 0, 1.5]]}}""", cancellationToken: Ct);

        Assert.Equal([1.5, 2.5, 5.0], Predictions(reply));
    }

    [Fact]
    public async Task Columns_named_after_inputs_feed_each_input()
    {
        var model = await RegisterAsync("sum", TinyOnnx.Sum());
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("sum-ep"), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }, cancellationToken: Ct);

        var reply = await ep.InvokeAsync("""{"input_data": {"columns": ["b", "a"], "data": [[1, 2], [10, 20]]}}""", cancellationToken: Ct);

        Assert.Equal([3.0, 30.0], Predictions(reply));
    }

    [Theory]
    [InlineData("""{"inputs": {"a": [[1]]}}""", "b", "Input 'b' is missing")]
    [InlineData("""{"inputs": {"a": [[1]], "b": [["x"]]}}""", "b", "expects float values; element [0][0] is the string \"x\"")]
    [InlineData("""{"inputs": {"a": [[1]], "b": [[1]], "c": [[1]]}}""", "c", "Unknown input 'c'")]
    [InlineData("""{"inputs": {"a": [1], "b": [[1]]}}""", "a", "must be a 2-D float tensor")]
    [InlineData("""{"inputs": {"a": [[1, 2]], "b": [[1]]}}""", "a", "size 2 in dimension 1; the model requires 1")]
    [InlineData("""{"inputs": {"a": [[1], [2, 3]], "b": [[1], [2]]}}""", "a", "ragged")]
    [InlineData("""{"input_data": {"columns": ["a", "z"], "data": [[1, 2]]}}""", "b", "Input 'b' is missing from 'input_data.columns'")]
    [InlineData("""{"input_data": {"columns": ["a", "b"], "data": [[1, 2, 3]]}}""", "data", "row 0 has 3 values for 2 columns")]
    [InlineData("""{"features": [[1]]}""", "body", "got keys 'features'")]
    [InlineData("""{"inputs": """, "body", "not valid JSON")]
    public async Task Malformed_input_is_a_400_that_names_the_problem(string body, string target, string fragment)
    {
        var model = await RegisterAsync("sum", TinyOnnx.Sum());
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("sum-ep"), cancellationToken: Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ep.InvokeAsync(body, cancellationToken: Ct));

        Assert.Equal(400, error.Status);
        Assert.Equal(target, error.ParameterName);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);

        // The wire answer is a JSON error body naming the same input.
        var keys = await ep.GetKeysAsync(Ct);
        using var response = await PostAsync(ep, body, keys.PrimaryKey);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(target, (string?)json["error"]!["target"]);
        Assert.Contains(fragment, (string?)json["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_row_width_for_a_single_tensor_input_names_the_input()
    {
        var ep = await LinearEndpointAsync();

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ep.InvokeAsync("""{"input_data": {"data": [[1, 2]]}}""", cancellationToken: Ct));

        Assert.Equal("features", error.ParameterName);
        Assert.Contains("takes 3 values per row", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swagger_json_describes_the_model_inputs_and_outputs()
    {
        var ep = await LinearEndpointAsync();
        var keys = await ep.GetKeysAsync(Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, ep.SwaggerUri);
        request.Headers.Authorization = new("Bearer", keys.PrimaryKey);

        using var response = await Http.SendAsync(request, Ct);

        response.EnsureSuccessStatusCode();
        var doc = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("2.0", (string?)doc["swagger"]);
        Assert.NotNull(doc["paths"]!["/score"]!["post"]);
        var features = doc["definitions"]!["ServiceInput"]!["properties"]!["inputs"]!["properties"]!["features"]!;
        Assert.Equal("array", (string?)features["type"]);
        Assert.Equal(3, (int?)features["items"]!["maxItems"]);
        Assert.Equal("number", (string?)features["items"]!["items"]!["type"]);
        Assert.NotNull(doc["definitions"]!["ServiceOutput"]!["properties"]!["predictions"]);
    }

    [Fact]
    public async Task Typed_invoke_serializes_the_request_and_reads_the_reply()
    {
        var ep = await LinearEndpointAsync();

        var reply = await ep.InvokeAsync<LinearRequest, LinearReply>(new LinearRequest(new Dictionary<string, float[][]> { ["features"] = [[1, 1, 1]] }), cancellationToken: Ct);

        Assert.Equal(6.5f, reply.Predictions[0][0]);
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_key()
    {
        var ep = await LinearEndpointAsync();
        var root = new Uri(ep.ScoringUri!, "/");

        Assert.Equal("Healthy", await Http.GetStringAsync(new Uri(root, "liveness"), Ct));
        using var ready = await Http.GetAsync(new Uri(root, "readiness"), Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 0 }, Ct);
        using var notReady = await Http.GetAsync(new Uri(root, "readiness"), Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
    }

    private sealed record LinearRequest(Dictionary<string, float[][]> Inputs);

    private sealed record LinearReply(float[][] Predictions);
}
