using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;

namespace AzureMlSdk.IntegrationTests;

/// <summary>With <c>--start-azurite</c> the Emulator keeps Azurite's blobs in its data folder, so a restart keeps models and artifacts.</summary>
public sealed class EmulatorBlobPersistenceTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "azureml-emulator-blobs-" + Guid.NewGuid().ToString("N"));
    private const string Token = "persist-token";

    private async Task<EmulatorHost> StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, DataDirectory = _data, Token = Token, StartAzurite = true }, timeout.Token);
    }

    private static Task<Workspace> OpenAsync(EmulatorHost host) =>
        Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName, new StaticTokenCredential(Token),
            new WorkspaceOptions { ResourceManagerEndpoint = host.BaseAddress });

    [Fact]
    public async Task Models_and_artifacts_registered_before_a_restart_download_identical_after_it()
    {
        var source = Path.Combine(_data, "in", "model.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(source, bytes);
        string runId;

        await using (var first = await StartAsync())
        await using (var ws = await OpenAsync(first))
        {
            var exp = await ws.GetOrCreateExperimentAsync("persist");
            await using var run = await exp.StartLoggingAsync();
            runId = run.Id;
            await run.UploadFileAsync("outputs/model.bin", source);
            await run.RegisterModelAsync("persisted", "outputs/model.bin");
        }

        await using (var second = await StartAsync())
        await using (var ws = await OpenAsync(second))
        {
            var model = await ws.GetModelAsync("persisted", 1);
            var into = Path.Combine(_data, "out");
            await model.DownloadAsync(into);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(Directory.EnumerateFiles(into, "model.bin", SearchOption.AllDirectories).Single()));

            var run = await ws.GetRunAsync(runId);
            var artifact = Path.Combine(_data, "artifact.bin");
            await run.DownloadFileAsync("outputs/model.bin", artifact);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(artifact));
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
