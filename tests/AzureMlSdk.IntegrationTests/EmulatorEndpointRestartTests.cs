using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>Online and batch endpoints outlive the Emulator process that created them: two Emulators, one after the other, on one data folder.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorEndpointRestartTests(EmulatorFixture emulator) : IDisposable
{
    private const string OneRow = """{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "azureml-emulator-restart-" + Guid.NewGuid().ToString("N"));

    private Task<EmulatorHost> StartAsync() => EmulatorHost.StartAsync(new EmulatorOptions
    {
        Port = 0,
        DataDirectory = _data,
        Token = emulator.Token,
        BlobEndpoint = emulator.Host.BlobEndpoint, // the fixture's Azurite: blobs outlive both Emulators
        OperationRetryAfterSeconds = 0,
    });

    private Task<Workspace> OpenAsync(EmulatorHost host, string name) =>
        Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, name, new StaticTokenCredential(emulator.Token),
            new WorkspaceOptions { ResourceManagerEndpoint = host.BaseAddress });

    private static double Score(string reply) => JsonNode.Parse(reply)!["predictions"]![0]![0]!.GetValue<double>();

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, Uri scoringUri, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, scoringUri) { Content = new StringContent(OneRow, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Endpoints_stop_with_the_emulator_and_are_hosted_again_with_their_keys_when_it_restarts()
    {
        var name = "ws-restart-" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(_data, "model.onnx");
        Directory.CreateDirectory(_data);
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        using var http = new HttpClient();
        EndpointKeys keys;
        Uri scoringUri;

        await using (var first = await StartAsync())
        {
            using (var arm = new HttpClient { BaseAddress = first.BaseAddress })
            {
                arm.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
                using var content = new StringContent("""{"location":"local","properties":{}}""", Encoding.UTF8, "application/json");
                (await arm.PutAsync(EmulatorFixture.WorkspacePath(name) + "?api-version=2026-07-01", content)).EnsureSuccessStatusCode();
            }
            await using var ws = await OpenAsync(first, name);
            var model = await ws.RegisterModelAsync("restart-linear", file);
            var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("restart-ep"));
            await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true });
            // A version with no .onnx file: the deployment's operation fails and the deployment stays, Failed.
            var notOnnx = Path.Combine(_data, "weights.bin");
            await File.WriteAllTextAsync(notOnnx, "not a model");
            var unservable = await ws.RegisterModelAsync("restart-weights", notOnnx);
            await Assert.ThrowsAsync<InvalidStateException>(() => ep.DeployAsync(new OnlineDeploymentSpec("broken", unservable)));
            Assert.Equal(6.5, Score(await ep.InvokeAsync(OneRow)));
            keys = await ep.GetKeysAsync();
            scoringUri = ep.ScoringUri!;
        }

        // Disposing the Emulator stopped the endpoint's host.
        await Assert.ThrowsAsync<HttpRequestException>(() => PostAsync(http, scoringUri, keys.PrimaryKey));

        await using (var second = await StartAsync())
        {
            await using var ws = await OpenAsync(second, name);
            var ep = await ws.GetEndpointAsync("restart-ep");

            Assert.Equal(ProvisioningState.Succeeded, ep.ProvisioningState);
            Assert.Equal(100, ep.Traffic["blue"]);
            Assert.Equal(ProvisioningState.Succeeded, (await ep.GetDeploymentAsync("blue")).ProvisioningState);
            Assert.Equal(ProvisioningState.Failed, (await ep.GetDeploymentAsync("broken")).ProvisioningState);
            Assert.Equal(keys, await ep.GetKeysAsync());
            Assert.Equal(6.5, Score(await ep.InvokeAsync(OneRow)));
            Assert.Equal(HttpStatusCode.OK, await PostAsync(http, ep.ScoringUri!, keys.SecondaryKey));
        }
    }

    [Fact]
    public async Task Batch_endpoints_outlive_the_emulator_and_the_jobs_it_was_running_end_failed()
    {
        var name = "ws-brestart-" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(_data, "model.onnx");
        Directory.CreateDirectory(_data);
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        var rows = Path.Combine(_data, "rows.csv");
        await File.WriteAllTextAsync(rows, "x1,x2,x3\n1,1,1\n");
        string interrupted;
        string wsFolder;

        await using (var first = await StartAsync())
        {
            using var arm = new HttpClient { BaseAddress = first.BaseAddress };
            arm.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
            using (var content = new StringContent("""{"location":"local","properties":{}}""", Encoding.UTF8, "application/json"))
            {
                (await arm.PutAsync(EmulatorFixture.WorkspacePath(name) + "?api-version=2026-07-01", content)).EnsureSuccessStatusCode();
            }
            await using var ws = await OpenAsync(first, name);
            var be = await ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("restart-be"));
            await be.DeployAsync(new BatchDeploymentSpec("blue", await ws.RegisterModelAsync("restart-linear", file)));
            var workspace = first.Workspaces.Find(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, name)!;
            wsFolder = workspace.Folder;
            await first.Endpoints.ContainerOf(workspace).GetBlobClient("inputs/rows.csv").UploadAsync(new BinaryData(await File.ReadAllBytesAsync(rows)));
            // A job the Emulator is still holding when it stops.
            first.Endpoints.BatchFor(workspace).Jobs.PauseStarts();
            var scoringUri = JsonNode.Parse(await arm.GetStringAsync(EmulatorFixture.WorkspacePath(name) + "/batchEndpoints/restart-be?api-version=2026-07-01"))!["properties"]!["scoringUri"]!.GetValue<string>();
            using var job = new StringContent("""{"properties":{"inputData":{"input":{"jobInputType":"UriFile","uri":"azureml://datastores/workspaceblobstore/paths/inputs/rows.csv"}}}}""", Encoding.UTF8, "application/json");
            using var started = await arm.PostAsync(scoringUri, job);
            started.EnsureSuccessStatusCode();
            interrupted = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["name"]!.GetValue<string>();
        }
        // A job an Emulator process left Running when it was killed (no chance to settle it).
        await File.WriteAllTextAsync(Path.Combine(wsFolder, "batch-jobs", "killed.json"),
            """{"name":"killed","endpointName":"restart-be","deploymentName":"blue","status":"Running","createdAt":"2026-01-01T00:00:00+00:00"}""");

        await using (var second = await StartAsync())
        {
            await using var ws = await OpenAsync(second, name);
            var be = await ws.GetBatchEndpointAsync("restart-be");

            Assert.Equal(("blue", 1), (be.DefaultDeployment, be.Deployments.Count));
            var result = await be.InvokeAsync(rows);
            Assert.Equal((RunStatus.Completed, 1L), (result.Status, result.RowsScored));
            using var arm = new HttpClient { BaseAddress = second.BaseAddress };
            arm.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
            foreach (var job in new[] { interrupted, "killed" })
            {
                var read = JsonNode.Parse(await arm.GetStringAsync($"{EmulatorFixture.WorkspacePath(name)}/jobs/{job}?api-version=2026-07-01"))!;
                Assert.Equal("Failed", read["properties"]!["status"]!.GetValue<string>());
            }
            var details = JsonNode.Parse(await arm.GetStringAsync($"/history/v1.0{EmulatorFixture.WorkspacePath(name)}/runs/{interrupted}/details"))!;
            Assert.Equal("EmulatorStopped", details["error"]!["error"]!["code"]!.GetValue<string>());
            Assert.Equal(RunStatus.Failed, (await ws.GetRunAsync(interrupted)).Status);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite files still closing; the OS cleans temp.
        }
    }
}
