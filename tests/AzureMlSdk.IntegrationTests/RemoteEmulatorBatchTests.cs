using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// What the batch and online endpoint contract suites cannot show on every backend, through the public object model on a Remote
/// workspace served by the Emulator: cancelling a running batch job, a failed job's error read from run history, and online
/// endpoints with Microsoft Entra (AADToken) auth, invoked with a token for Azure ML's data-plane scope.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorBatchTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string OneRow = """{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""";

    private readonly string _scratch = Directory.CreateTempSubdirectory("remote-batch-").FullName;
    private string _name = null!;
    private Workspace _ws = null!;

    public async Task InitializeAsync()
    {
        _name = await emulator.CreateWorkspaceAsync();
        _ws = await emulator.OpenAsync(_name);
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private EmulatorWorkspace EmulatorWorkspace => emulator.Host.Workspaces.Find(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, _name)!;

    private async Task<Model> RegisterLinearAsync(Workspace ws, float bias)
    {
        var file = Path.Combine(_scratch, $"linear-{bias}.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], bias));
        return await ws.RegisterModelAsync("linear", file);
    }

    private string RowsFile()
    {
        var file = Path.Combine(_scratch, "rows.csv");
        File.WriteAllText(file, "x1,x2,x3\n1,1,1\n");
        return file;
    }

    private async Task<JsonNode> ArmGetAsync(string path)
    {
        using var response = await emulator.Http.GetAsync($"{EmulatorFixture.WorkspacePath(_name)}{path}?api-version=2026-07-01");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Cancelling_an_invocation_cancels_its_job_and_its_run()
    {
        var be = await _ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("cancel-ep"));
        await be.DeployAsync(new BatchDeploymentSpec("blue", await RegisterLinearAsync(_ws, 0f)));
        using var cts = new CancellationTokenSource();
        // The job is kept NotStarted (waiting for compute, as it were) so it is surely cancelled before it runs.
        using var paused = emulator.Host.Endpoints.BatchFor(EmulatorWorkspace).Jobs.PauseStarts();
        var seen = new ConcurrentQueue<RunStatus?>();
        var progress = new CallbackProgress(p =>
        {
            seen.Enqueue(p.Status);
            cts.Cancel();
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => be.InvokeAsync(RowsFile(), progress: progress, cancellationToken: cts.Token));

        Assert.Equal(RunStatus.NotStarted, seen.First());
        var name = Assert.Single((await ArmGetAsync("/jobs"))["value"]!.AsArray())!["name"]!.GetValue<string>();
        string status;
        var polls = 0;
        do
        {
            status = (await ArmGetAsync($"/jobs/{name}"))["properties"]!["status"]!.GetValue<string>();
        }
        while (status is "NotStarted" or "CancelRequested" && ++polls < 100);
        Assert.Equal("Canceled", status);
        Assert.Equal(RunStatus.Canceled, (await _ws.GetRunAsync(name)).Status);
    }

    [Fact]
    public async Task A_job_that_fails_raises_the_error_run_history_gives()
    {
        var model = await RegisterLinearAsync(_ws, 0f);
        var be = await _ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("failing-ep"));
        await be.DeployAsync(new BatchDeploymentSpec("blue", model));
        // The model version goes away after the deployment was made: the job cannot load it.
        using (var delete = await emulator.Http.DeleteAsync($"{EmulatorFixture.WorkspacePath(_name)}/models/linear/versions/1?api-version=2026-07-01"))
        {
            delete.EnsureSuccessStatusCode();
        }

        var error = await Assert.ThrowsAsync<InvalidStateException>(() => be.InvokeAsync(RowsFile()));

        Assert.Equal("UserError", error.ErrorCode);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        var job = Assert.Single((await ArmGetAsync("/jobs"))["value"]!.AsArray())!;
        Assert.Equal("Failed", job["properties"]!["status"]!.GetValue<string>());
        Assert.Equal(RunStatus.Failed, (await _ws.GetRunAsync(job["name"]!.GetValue<string>())).Status);
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

    private sealed class CallbackProgress(Action<BatchScoringProgress> report) : IProgress<BatchScoringProgress>
    {
        public void Report(BatchScoringProgress value) => report(value);
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
