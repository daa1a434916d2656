using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.ContractTests;

/// <summary>
/// The contract suite for online endpoints, through the public object model, with ONNX models only
/// (custom .NET scorers are a local-only feature). Backends that serve endpoints derive from it.
/// </summary>
public abstract class EndpointContractTests : ContractTestBase
{
    private async Task<Model> RegisterLinearAsync(float bias)
    {
        var file = Scratch($"linear-{bias}/model.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], bias));
        return await Ws.RegisterModelAsync("linear", file);
    }

    private static double Score(string reply) => JsonNode.Parse(reply)!["predictions"]![0]![0]!.GetValue<double>();

    private const string OneRow = """{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""";

    [Fact]
    public async Task Endpoint_serves_a_deployed_onnx_model_until_deleted()
    {
        var model = await RegisterLinearAsync(0.5f);

        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-ep"));
        var blue = await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true });

        Assert.Equal(ProvisioningState.Succeeded, ep.ProvisioningState);
        Assert.Equal(ProvisioningState.Succeeded, blue.ProvisioningState);
        Assert.Equal(("linear", 1), (blue.ModelName, blue.ModelVersion));
        Assert.Equal(100, ep.Traffic["blue"]);
        Assert.NotNull(ep.ScoringUri);
        Assert.Equal(6.5, Score(await ep.InvokeAsync(OneRow)));
        Assert.Equal(3.5, Score(await ep.InvokeAsync("""{"inputs": {"features": [[0, 0, 1]]}}""")));
        Assert.Equal(["contract-ep"], await Ws.ListEndpointsAsync().Select(e => e.Name).ToListAsync());

        await ep.DeleteAsync();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetEndpointAsync("contract-ep"));
    }

    [Fact]
    public async Task Traffic_splits_pins_and_validates_between_two_versions()
    {
        var v1 = await RegisterLinearAsync(0f);
        var v2 = await RegisterLinearAsync(100f);
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-bg"));
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", v1) { AllTraffic = true });
        await ep.DeployAsync(new OnlineDeploymentSpec("green", v2));

        Assert.Equal(106, Score(await ep.InvokeAsync(OneRow, "green")));
        Assert.Equal(6, Score(await ep.InvokeAsync(OneRow)));

        await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 60, ["green"] = 60 }));
        await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 50, ["gray"] = 50 }));
        await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 0, ["green"] = 100 });

        Assert.Equal(106, Score(await ep.InvokeAsync(OneRow)));
        Assert.Equal(6, Score(await ep.InvokeAsync(OneRow, "blue")));
        Assert.Equal(["blue", "green"], await ep.ListDeploymentsAsync().Select(d => d.Name).ToListAsync());
    }

    [Fact]
    public async Task Scoring_needs_a_current_key()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-keys"));
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", await RegisterLinearAsync(0f)) { AllTraffic = true });
        var keys = await ep.GetKeysAsync();
        using var http = new HttpClient();

        async Task<HttpStatusCode> PostAsync(string? key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ep.ScoringUri) { Content = new StringContent(OneRow, System.Text.Encoding.UTF8, "application/json") };
            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync("wrong-key-wrong-key"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(keys.PrimaryKey));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(keys.SecondaryKey));

        var after = await ep.RegenerateKeysAsync(EndpointKeyType.Secondary);

        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(keys.SecondaryKey));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(after.SecondaryKey));
    }

    [Fact]
    public async Task Malformed_scoring_input_is_rejected_naming_the_input()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-bad"));
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", await RegisterLinearAsync(0f)) { AllTraffic = true });

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => ep.InvokeAsync("""{"inputs": {"features": [["one", 2, 3]]}}"""));

        Assert.Equal(400, error.Status);
        Assert.Contains("features", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploying_an_unknown_model_is_not_found_and_creates_no_deployment()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-ghost"));

        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.DeployAsync(new OnlineDeploymentSpec("blue", "ghost", 7)));

        Assert.Contains("ghost", error.Message, StringComparison.Ordinal);
        Assert.Equal(AzureMlErrorCodes.ResourceDoesNotExist, error.ErrorCode);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.GetDeploymentAsync("blue"));
        await Assert.ThrowsAsync<InvalidInputException>(() => ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 100 }));
    }

    [Fact]
    public async Task A_deployment_with_traffic_cannot_be_deleted_and_a_deleted_endpoint_stops_serving()
    {
        var model = await RegisterLinearAsync(0f);
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-del"));
        var blue = await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true });
        var green = await ep.DeployAsync(new OnlineDeploymentSpec("green", model));
        Assert.Contains("linear", await blue.GetLogsAsync(), StringComparison.Ordinal);

        await Assert.ThrowsAsync<InvalidStateException>(() => blue.DeleteAsync());
        await green.DeleteAsync();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.GetDeploymentAsync("green"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => green.DeleteAsync());
        Assert.Equal(["blue"], await ep.ListDeploymentsAsync().Select(d => d.Name).ToListAsync());
        Assert.Equal(6, Score(await ep.InvokeAsync(OneRow)));
        var scoringUri = ep.ScoringUri!;

        await ep.DeleteAsync();

        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync(scoringUri, new StringContent(OneRow, System.Text.Encoding.UTF8, "application/json")));
    }

    [Fact]
    public async Task Updating_an_endpoint_changes_its_description_tags_and_traffic()
    {
        var v1 = await RegisterLinearAsync(0f);
        var v2 = await RegisterLinearAsync(100f);
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-upd") { Description = "first" });
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", v1) { AllTraffic = true });
        await ep.DeployAsync(new OnlineDeploymentSpec("green", v2));

        var updated = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-upd")
        {
            Description = "second",
            Tags = new Dictionary<string, string> { ["stage"] = "canary" },
            Traffic = new Dictionary<string, int> { ["blue"] = 0, ["green"] = 100 },
        });

        Assert.Equal(ProvisioningState.Succeeded, updated.ProvisioningState);
        var read = await Ws.GetEndpointAsync("contract-upd");
        Assert.Equal("second", read.Description);
        Assert.Equal("canary", read.Tags["stage"]);
        Assert.Equal((0, 100), (read.Traffic["blue"], read.Traffic["green"]));
        Assert.Equal(ep.ScoringUri, read.ScoringUri);
        Assert.Equal(106, Score(await read.InvokeAsync(OneRow)));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-upd")
        {
            Traffic = new Dictionary<string, int> { ["blue"] = 50, ["gray"] = 50 },
        }));
    }

    [Fact]
    public async Task Unknown_endpoints_and_deployments_are_not_found()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-404"));

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetEndpointAsync("contract-none"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.GetDeploymentAsync("nobody"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.GetLogsAsync("nobody"));
        Assert.Empty(await ep.ListDeploymentsAsync().ToListAsync());

        await ep.DeleteAsync();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.DeleteAsync());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.GetDeploymentAsync("nobody"));
    }

    [Fact]
    public async Task A_token_endpoint_scores_with_a_current_token_and_has_no_keys()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-tok") { AuthMode = EndpointAuthMode.AmlToken });
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", await RegisterLinearAsync(1f)) { AllTraffic = true });

        Assert.Equal(EndpointAuthMode.AmlToken, ep.AuthMode);
        Assert.Equal(7, Score(await ep.InvokeAsync(OneRow)));
        await Assert.ThrowsAsync<InvalidStateException>(() => ep.GetKeysAsync());
        var token = await ep.GetTokenAsync();
        Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow && token.RefreshAfter <= token.ExpiresOn);
        using var http = new HttpClient();
        using var anonymous = await http.PostAsync(ep.ScoringUri, new StringContent(OneRow, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Post, ep.ScoringUri) { Content = new StringContent(OneRow, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        using var authorized = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }

    [Fact]
    public async Task Deploying_a_model_version_that_does_not_exist_is_not_found_with_the_same_code_everywhere()
    {
        await RegisterLinearAsync(0f);
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("contract-missing"));

        var missingVersion = await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.DeployAsync(new OnlineDeploymentSpec("blue", "linear", 7)));
        var missingModel = await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.DeployAsync(new OnlineDeploymentSpec("blue", "no-such-model", 1)));

        foreach (var ex in new[] { missingVersion, missingModel })
        {
            Assert.Equal(AzureMlErrorCodes.ResourceDoesNotExist, ex.ErrorCode);
            Assert.Equal(404, ex.Status);
        }
        Assert.Contains("'linear' version 7", missingVersion.Message, StringComparison.Ordinal);
        Assert.Empty(await ep.ListDeploymentsAsync().ToListAsync());
    }
}
