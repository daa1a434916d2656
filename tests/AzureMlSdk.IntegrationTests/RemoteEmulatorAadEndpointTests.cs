using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using AzureMlSdk.Backends;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// Online endpoints with Microsoft Entra (AADToken) auth on a Remote workspace served by the Emulator, invoked with a token for
/// Azure ML's data-plane scope (the local workspace refuses that auth mode, so this is not in the endpoint contract suite).
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorAadEndpointTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string OneRow = """{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""";

    private readonly string _scratch = Directory.CreateTempSubdirectory("remote-aad-").FullName;
    private string _name = null!;

    public async Task InitializeAsync() => _name = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync()
    {
        Directory.Delete(_scratch, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<Model> RegisterLinearAsync(Workspace ws, float bias)
    {
        var file = Path.Combine(_scratch, $"linear-{bias}.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], bias));
        return await ws.RegisterModelAsync("linear", file);
    }

    [Fact]
    public async Task An_aad_token_online_endpoint_scores_with_a_token_for_azure_mls_scope_and_has_no_keys()
    {
        var credential = new RecordingCredential(emulator.Token);
        await using var ws = await Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, _name, credential,
            new WorkspaceOptions { ResourceManagerEndpoint = emulator.BaseAddress, MachineLearningTokenScope = "https://ml.emulator.test/.default" });
        var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("aad-ep") { AuthMode = EndpointAuthMode.AadToken });
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", await RegisterLinearAsync(ws, 1f)) { AllTraffic = true });

        var reply = await ep.InvokeAsync(OneRow);

        Assert.Equal(7, JsonNode.Parse(reply)!["predictions"]![0]![0]!.GetValue<double>());
        Assert.Equal(EndpointAuthMode.AadToken, (await ws.GetEndpointAsync("aad-ep")).AuthMode);
        Assert.Contains("https://ml.emulator.test/.default", credential.Scopes);
        await Assert.ThrowsAsync<InvalidStateException>(() => ep.GetKeysAsync());
        using (var listKeys = await emulator.Http.PostAsync($"{EmulatorFixture.WorkspacePath(_name)}/onlineEndpoints/aad-ep/listKeys?api-version=2026-07-01", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, listKeys.StatusCode);
            Assert.Contains("UserError", await listKeys.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The host takes the caller's token (the Emulator's stand-in for an Entra token), nothing else.
        using var http = new HttpClient();
        async Task<HttpStatusCode> PostAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ep.ScoringUri) { Content = new StringContent(OneRow, Encoding.UTF8, "application/json") };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync("not-the-token"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(emulator.Token));
    }

    /// <summary>The Emulator's token for every scope, remembering the scopes asked for.</summary>
    private sealed class RecordingCredential(string token) : TokenCredential
    {
        public ConcurrentBag<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            foreach (var scope in requestContext.Scopes)
            {
                Scopes.Add(scope);
            }
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
