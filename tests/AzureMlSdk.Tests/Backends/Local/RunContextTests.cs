using System.Diagnostics;
using AzureMlSdk.Backends.Local;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Tests.Backends.Local;

/// <summary>
/// Run.GetContext() in a real process: the environment names the workspace (and, inside a job, the run);
/// the process exits without flushing, so the exit hook must drain the buffer.
/// </summary>
public sealed class RunContextTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-ctx-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Outside_a_job_GetContext_starts_a_local_run_that_is_flushed_and_completed_at_exit()
    {
        var output = await RunWorkerAsync(new Dictionary<string, string?>
        {
            [Workspace.LocalDirectoryEnvironmentVariable] = _dir,
            [Run.ExperimentNameEnvironmentVariable] = "ctx-exp",
            [Run.RunIdEnvironmentVariable] = null,
        });

        var runId = output.Split(' ')[1];
        Assert.Contains("SAME True", output, StringComparison.Ordinal);
        await using var ws = Workspace.Local(_dir);
        var run = await ws.GetRunAsync(runId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal("context", run.Tags["from"]);
        Assert.Equal(42, (await run.GetMetricsAsync("context_metric"))["context_metric"].Single().Value);
        Assert.Equal((await ws.GetExperimentAsync("ctx-exp")).Id, run.ExperimentId);
    }

    [Fact]
    public async Task Inside_a_job_GetContext_logs_into_the_jobs_run_and_leaves_its_status_to_the_job()
    {
        // The job's run, created the way a job runner would: through the backend, owned by no Run handle here.
        string runId;
        await using (var backend = new LocalWorkspaceBackend(_dir))
        {
            var exp = await backend.Tracking.CreateExperimentAsync("job", null, CancellationToken.None);
            runId = (await backend.Tracking.CreateRunAsync(new NewRun(exp.ExperimentId, "submitted-job", DateTimeOffset.UtcNow), CancellationToken.None)).RunId;
        }

        var output = await RunWorkerAsync(new Dictionary<string, string?>
        {
            [Workspace.LocalDirectoryEnvironmentVariable] = _dir,
            [Run.RunIdEnvironmentVariable] = runId,
        });

        Assert.Contains($"RUN {runId}", output, StringComparison.Ordinal);
        await using var again = Workspace.Local(_dir);
        var run = await again.GetRunAsync(runId);
        Assert.Equal(RunStatus.Running, run.Status);
        Assert.Equal(42, (await run.GetMetricsAsync("context_metric"))["context_metric"].Single().Value);
    }

    private static async Task<string> RunWorkerAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll"));
        info.ArgumentList.Add("context");
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Trim();
        Assert.True(process.ExitCode == 0, $"worker exited with {process.ExitCode}: {output} {await stderr}");
        return output;
    }
}
