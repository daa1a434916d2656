using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Tests.Backends.Local;

/// <summary>
/// Several real processes on one local workspace folder (a sweep runs trials like this), and a process
/// killed mid-logging. Each worker is this repo's AzureMlSdk.TestWorker, started with `dotnet`.
/// </summary>
public sealed class MultiProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-mp-" + Guid.NewGuid().ToString("N"));

    public MultiProcessTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Four_processes_logging_and_registering_at_once_lose_nothing()
    {
        var workspace = Path.Combine(_dir, "ws");
        var modelFile = Path.Combine(_dir, "model.bin");
        await File.WriteAllBytesAsync(modelFile, [1, 2, 3, 4]);
        const int workers = 4, runsEach = 3, points = 2000;

        var processes = Enumerable.Range(0, workers)
            .Select(_ => StartWorker("log", workspace, "shared", runsEach.ToString(), points.ToString(), modelFile))
            .ToList();
        var outputs = await Task.WhenAll(processes.Select(WaitAsync));

        Assert.All(outputs, o => Assert.DoesNotContain("ERROR", o, StringComparison.Ordinal));
        await using var ws = Workspace.Local(workspace);
        var exp = await ws.GetExperimentAsync("shared");
        var runs = new List<Run>();
        await foreach (var r in exp.GetRunsAsync())
        {
            runs.Add(r);
        }
        Assert.Equal(workers * runsEach, runs.Count);
        foreach (var run in runs)
        {
            var history = (await run.GetMetricsAsync("value"))["value"];
            Assert.Equal(points, history.Count);
            Assert.Equal(Enumerable.Range(0, points).Select(i => (long)i), history.Select(p => p.Step));
            Assert.Equal(RunStatus.Completed, run.Status);
        }
        var versions = new List<int>();
        await foreach (var m in ws.ListModelsAsync("shared-model"))
        {
            versions.Add(m.Version);
        }
        Assert.Equal(Enumerable.Range(1, workers * runsEach).Reverse(), versions);
    }

    [Fact]
    public async Task A_process_killed_while_logging_leaves_a_workspace_that_opens_and_reads()
    {
        var workspace = Path.Combine(_dir, "ws");
        var ready = Path.Combine(_dir, "ready.txt");
        var process = StartWorker("log-until-killed", workspace, ready);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(ready))
            {
                if (process.HasExited)
                {
                    Assert.Fail("the worker exited early: " + await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync());
                }
                Assert.True(DateTime.UtcNow < deadline, "the worker never became ready");
                await Task.Delay(50);
            }
            await Task.Delay(300); // let it write a few more batches, then kill it mid-stream
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var runId = await File.ReadAllTextAsync(ready);
        await using var ws = Workspace.Local(workspace);
        var run = await ws.GetRunAsync(runId);
        var loss = (await run.GetMetricsAsync("loss"))["loss"];

        // It never ended: opening the workspace saw its process gone and marked it Failed, saying why.
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("ProcessEnded", run.Tags["azureml.error.type"]);
        Assert.Equal("0.1", run.Params["lr"]);
        Assert.True(loss.Count >= 1001, $"only {loss.Count} points survived");
        Assert.Equal(Enumerable.Range(0, loss.Count).Select(i => (long)i), loss.Select(p => p.Step)); // a prefix, no holes
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(workspace, "azureml.db")}"))
        {
            await connection.OpenAsync();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)await check.ExecuteScalarAsync());
        }
        // The workspace is writable again.
        await using var next = await (await ws.GetExperimentAsync("crash")).StartLoggingAsync("after");
        next.Log("loss", 1);
        await next.CompleteAsync();
        Assert.Equal(RunStatus.Completed, (await ws.GetRunAsync(next.Id)).Status);
    }

    private static Process StartWorker(params string[] args)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(worker);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the worker");
    }

    private static async Task<string> WaitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"worker exited with {process.ExitCode}: {output}");
        return output;
    }
}
