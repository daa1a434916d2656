using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// What the batch endpoint contract suite cannot show on every backend, through the public object model on a Remote workspace
/// served by the Emulator: cancelling a batch job before it runs, and a failed job's error read from run history.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorBatchTests(EmulatorFixture emulator) : IAsyncLifetime
{
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

    private sealed class CallbackProgress(Action<BatchScoringProgress> report) : IProgress<BatchScoringProgress>
    {
        public void Report(BatchScoringProgress value) => report(value);
    }
}
