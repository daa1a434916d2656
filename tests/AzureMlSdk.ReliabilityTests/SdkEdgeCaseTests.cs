using System.Text.Json;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Remote.Mlflow;
using AzureMlSdk.Tracking;
using Microsoft.Data.Sqlite;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.ReliabilityTests;

/// <summary>
/// The SDK-side small faults of the reliability probe: long artifact names, downloads through symbolic links, -0.0, and
/// <see cref="Workspace.DisposeAsync"/> hiding the exception that was leaving an <c>await using</c> block.
/// </summary>
public sealed class SdkEdgeCaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "azureml-edge-" + Guid.NewGuid().ToString("N")[..12])).FullName;

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

    // ---- long names ----

    [Theory]
    [InlineData(207)]
    [InlineData(230)]
    [InlineData(255)]
    public async Task An_artifact_whose_name_is_up_to_255_characters_uploads_and_downloads(int length)
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var experiment = await ws.GetOrCreateExperimentAsync("long-names");
        await using var run = await experiment.StartLoggingAsync();
        var name = new string('n', length - 4) + ".txt";
        var source = Path.Combine(_dir, "source.txt");
        await File.WriteAllTextAsync(source, "content");

        await run.UploadFileAsync("outputs/" + name, source);
        var target = Path.Combine(_dir, "out", name);
        await run.DownloadFileAsync("outputs/" + name, target);
        var all = await run.DownloadFilesAsync("outputs", Path.Combine(_dir, "all"));

        Assert.Contains("outputs/" + name, await run.GetFileNamesAsync());
        Assert.Equal("content", await File.ReadAllTextAsync(target));
        Assert.Single(all);
        Assert.Equal([target], Directory.GetFiles(Path.Combine(_dir, "out"))); // no temp file left beside it
    }

    [Fact]
    public async Task A_name_over_the_file_systems_limit_is_an_InvalidInputException_naming_it()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var experiment = await ws.GetOrCreateExperimentAsync("long-names");
        await using var run = await experiment.StartLoggingAsync();
        var name = new string('x', 256);
        var source = Path.Combine(_dir, "source.txt");
        await File.WriteAllTextAsync(source, "content");

        await run.UploadFileAsync("outputs/a", source);
        var upload = await Assert.ThrowsAsync<InvalidInputException>(() => run.UploadFileAsync("outputs/" + name, source));
        var download = await Assert.ThrowsAsync<InvalidInputException>(() => run.DownloadFileAsync("outputs/a", Path.Combine(_dir, name)));

        Assert.Contains("too long", upload.Message, StringComparison.Ordinal);
        Assert.Contains("xxxxxxxx", upload.Message, StringComparison.Ordinal);
        Assert.Contains("too long", download.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "ws", "tmp")));
    }

    [Fact]
    public async Task A_model_file_with_a_255_character_name_registers_and_downloads()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "model")).FullName;
        var name = new string('m', 251) + ".bin";
        await File.WriteAllBytesAsync(Path.Combine(folder, name), [1, 2, 3]);
        var model = await ws.RegisterModelAsync("long", folder);

        var written = await model.DownloadAsync(Path.Combine(_dir, "download"));

        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(written, name)));
        Assert.Single(Directory.GetFiles(written));
    }

    // ---- symbolic links in a download's destination ----

    [Fact]
    public async Task A_model_download_refuses_to_write_through_a_symlinked_folder_in_the_destination()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "model", "sub")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "weights.bin"), [9]);
        var model = await ws.RegisterModelAsync("linked", Path.Combine(_dir, "model"));
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "outside")).FullName;
        var destination = Directory.CreateDirectory(Path.Combine(_dir, "dest")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(destination, "sub"), outside);

        var error = await Assert.ThrowsAsync<InvalidInputException>(() => model.DownloadAsync(destination));

        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task A_model_download_refuses_to_overwrite_a_file_that_is_a_symlink()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var source = Path.Combine(_dir, "weights.bin");
        await File.WriteAllBytesAsync(source, [9]);
        var model = await ws.RegisterModelAsync("linked-file", source);
        var victim = Path.Combine(_dir, "victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        var destination = Directory.CreateDirectory(Path.Combine(_dir, "dest")).FullName;
        File.CreateSymbolicLink(Path.Combine(destination, "weights.bin"), victim);

        await Assert.ThrowsAsync<InvalidInputException>(() => model.DownloadAsync(destination));

        Assert.Equal("keep me", await File.ReadAllTextAsync(victim));
    }

    [Fact]
    public async Task Downloading_run_files_refuses_to_write_through_a_symlinked_folder_in_the_destination()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var experiment = await ws.GetOrCreateExperimentAsync("links");
        await using var run = await experiment.StartLoggingAsync();
        var source = Path.Combine(_dir, "f.txt");
        await File.WriteAllTextAsync(source, "x");
        await run.UploadFileAsync("outputs/f.txt", source);
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "outside")).FullName;
        var destination = Directory.CreateDirectory(Path.Combine(_dir, "dest")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(destination, "outputs"), outside);

        await Assert.ThrowsAsync<InvalidInputException>(() => run.DownloadFilesAsync(null, destination));

        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    // ---- -0.0 ----

    [Fact]
    public async Task Negative_zero_reads_back_as_negative_zero_from_the_local_store()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir, "ws"));
        var experiment = await ws.GetOrCreateExperimentAsync("zeros");
        await using var run = await experiment.StartLoggingAsync();
        run.Log("z", -0.0, step: 0);
        run.Log("z", 0.0, step: 1);
        run.Log("z", double.NaN, step: 2);
        run.Log("neg", -0.0, step: 0);
        await run.FlushAsync();

        var history = (await run.GetMetricsAsync("z"))["z"];
        var read = await ws.GetRunAsync(run.Id);
        var filtered = new List<Run>();
        await foreach (var r in experiment.GetRunsAsync("metrics.neg = 0"))
        {
            filtered.Add(r);
        }

        Assert.True(double.IsNegative(history[0].Value) && history[0].Value == 0, $"step 0 read back as {history[0].Value:R}");
        Assert.False(double.IsNegative(history[1].Value));
        Assert.True(double.IsNaN(history[2].Value));
        Assert.True(double.IsNegative(read.LatestMetrics["neg"].Value), "the latest value lost its sign");
        Assert.Single(filtered); // -0.0 = 0, as IEEE and MLflow compare
    }

    [Fact]
    public void Negative_zero_survives_the_MLflow_wire_format_both_ways()
    {
        var json = JsonSerializer.Serialize(new GetMetricHistoryResponse { Metrics = [new MlflowMetric { Key = "z", Value = -0.0 }] }, MlflowJsonContext.Default.GetMetricHistoryResponse);
        var back = JsonSerializer.Deserialize("""{"metrics":[{"key":"z","value":-0.0,"timestamp":1,"step":0}]}""", MlflowJsonContext.Default.GetMetricHistoryResponse)!;

        Assert.Contains("\"value\":-0", json, StringComparison.Ordinal);
        Assert.True(double.IsNegative(back.Metrics![0].Value));
        Assert.True(double.IsNegative(JsonSerializer.Deserialize(json, MlflowJsonContext.Default.GetMetricHistoryResponse)!.Metrics![0].Value));
    }

    // ---- Workspace.DisposeAsync inside await using ----

    [Fact]
    public async Task Disposing_a_workspace_while_an_exception_leaves_await_using_keeps_that_exception()
    {
        var tracking = Substitute.For<ITrackingStore>();
        tracking.GetExperimentByNameAsync("e", Arg.Any<CancellationToken>())
            .Returns(new ExperimentData("1", "e", new Dictionary<string, string>(), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        tracking.CreateRunAsync(Arg.Any<NewRun>(), Arg.Any<CancellationToken>())
            .Returns(new RunData("r1", "1", "run", RunStatus.Running, DateTimeOffset.UnixEpoch, null, null,
                new Dictionary<string, string>(), new Dictionary<string, string>(), new Dictionary<string, MetricPoint>()));
        tracking.UpdateRunAsync(Arg.Any<string>(), Arg.Any<RunUpdate>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ServiceUnavailableException("the tracking server is down"));
        var backend = Substitute.For<IWorkspaceBackend>();
        backend.Tracking.Returns(tracking);
        backend.Info.Returns(new WorkspaceInfo("w", "s", "g", WorkspaceKind.Remote));
        var original = new InvalidOperationException("training diverged");
        Workspace? kept = null;

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var ws = Workspace.FromBackend(backend);
            kept = ws;
            var experiment = await ws.GetOrCreateExperimentAsync("e");
            var run = await experiment.StartLoggingAsync("run");
            run.Log("loss", 1);
            throw original;
        });

        Assert.Same(original, thrown);
        // What disposal could not do is reported, not lost.
        Assert.IsType<ServiceUnavailableException>(Assert.Single(kept!.DisposeFailures));
        await backend.Received(1).DisposeAsync();
    }
}
