using System.Diagnostics;
using AzureMlSdk.Backends;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AzureMlSdk.ReliabilityTests;

/// <summary>
/// kill -9 on a local workspace: what a killed process loses (bounded by time, even with several writers contending for
/// the database), what it leaves (its run marked Failed at the next open, its temp files swept).
/// Each worker is this repo's AzureMlSdk.TestWorker, started with <c>dotnet</c>.
/// </summary>
public sealed class LocalCrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "azureml-crash-" + Guid.NewGuid().ToString("N")[..12])).FullName;

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
    public async Task With_five_writers_on_one_workspace_a_killed_process_loses_only_its_last_flush_interval_or_so()
    {
        var workspace = Path.Combine(_dir, "ws");
        const int Writers = 5;
        var ready = Enumerable.Range(0, Writers).Select(i => Path.Combine(_dir, $"ready-{i}.txt")).ToList();
        var workers = ready.Select(r => StartWorker("log-until-killed", workspace, r, "1000")).ToList();
        long killedAtMs;
        try
        {
            await WaitForFilesAsync(ready, workers);
            await Task.Delay(TimeSpan.FromSeconds(4)); // contention builds up: every writer's buffer fills
            killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            workers[0].Kill(entireProcessTree: true);
            await workers[0].WaitForExitAsync();
        }
        finally
        {
            foreach (var w in workers)
            {
                try
                {
                    w.Kill(entireProcessTree: true);
                    await w.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        var runId = await File.ReadAllTextAsync(ready[0]);
        var progress = (await File.ReadAllTextAsync(ready[0] + ".progress")).Split(' ');
        var loggedStep = long.Parse(progress[0], System.Globalization.CultureInfo.InvariantCulture);
        var loggedAtMs = long.Parse(progress[1], System.Globalization.CultureInfo.InvariantCulture);
        await using var ws = Workspace.Local(workspace);
        var run = await ws.GetRunAsync(runId);
        var loss = (await run.GetMetricsAsync("loss"))["loss"];
        var last = loss[^1];
        // Lost time: from the last point stored to the last point known to be logged (the worker's progress mark, at most
        // 1000 points before the kill), so time the worker spent waiting for the flusher (not logging) is not counted.
        var window = TimeSpan.FromMilliseconds(Math.Max(0, loggedAtMs - last.Timestamp.ToUnixTimeMilliseconds()));
        output.WriteLine($"{Writers} writers; killed writer logged at least {loggedStep + 1:N0} points, stored {loss.Count:N0} " +
            $"(lost at least {loggedStep + 1 - loss.Count:N0}); its last stored point was logged {window.TotalSeconds:F2} s before its last progress mark, " +
            $"which was {(killedAtMs - loggedAtMs) / 1000.0:F2} s before the kill (FlushInterval 1 s)");

        Assert.Equal(Enumerable.Range(0, loss.Count).Select(i => (long)i), loss.Select(p => p.Step)); // a prefix, no holes
        // The bound: the flush interval, plus the one batch being written when the kill came, plus scheduling on a loaded
        // 2-core machine. Before the age back-pressure the whole 100,000-entry buffer was lost (several seconds).
        Assert.True(window < TimeSpan.FromSeconds(2.5), $"the killed writer lost its last {window.TotalSeconds:F2} s of logging");
    }

    [Fact]
    public async Task A_killed_run_is_marked_Failed_and_its_temp_files_swept_when_the_workspace_is_next_opened()
    {
        var workspace = Path.Combine(_dir, "ws");
        var ready = Path.Combine(_dir, "ready.txt");
        var uploadReady = Path.Combine(_dir, "upload-ready.txt");
        var logger = StartWorker("log-until-killed", workspace, ready);
        var uploader = StartWorker("upload-until-killed", workspace, uploadReady);
        try
        {
            await WaitForFilesAsync([ready, uploadReady], [logger, uploader]);
        }
        finally
        {
            logger.Kill(entireProcessTree: true);
            uploader.Kill(entireProcessTree: true);
            await logger.WaitForExitAsync();
            await uploader.WaitForExitAsync();
        }
        var tempFolder = Path.Combine(workspace, "tmp");
        var leftovers = Directory.GetFiles(tempFolder);
        Assert.NotEmpty(leftovers); // the upload in progress
        // A temp file of a live process (this one) is not touched, whatever its age.
        var mine = TempFiles.Owned(tempFolder, ".azureml-partial");
        await File.WriteAllTextAsync(mine, "still writing");

        await using var ws = Workspace.Local(workspace);

        var run = await ws.GetRunAsync(await File.ReadAllTextAsync(ready));
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.NotNull(run.EndTime);
        Assert.Equal("ProcessEnded", run.Tags["azureml.error.type"]);
        Assert.Contains("killed or crashed", run.Tags["azureml.error.message"], StringComparison.Ordinal);
        var upload = await ws.GetRunAsync(await File.ReadAllTextAsync(uploadReady));
        Assert.Equal(RunStatus.Failed, upload.Status);
        Assert.Empty(await upload.GetFileNamesAsync());
        Assert.Equal([mine], Directory.GetFiles(tempFolder));

        // A run of a live process is left alone by the next open.
        var experiment = await ws.GetOrCreateExperimentAsync("alive");
        await using var live = await experiment.StartLoggingAsync();
        await using (var again = Workspace.Local(workspace))
        {
            Assert.Equal(RunStatus.Running, (await again.GetRunAsync(live.Id)).Status);
        }
    }

    private static async Task WaitForFilesAsync(IReadOnlyList<string> files, IReadOnlyList<Process> processes)
    {
        var clock = Stopwatch.StartNew();
        while (!files.All(File.Exists))
        {
            foreach (var p in processes.Where(p => p.HasExited))
            {
                Assert.Fail("a worker exited early: " + await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync());
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "the workers never became ready");
            await Task.Delay(50);
        }
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
}
