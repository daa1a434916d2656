using AzureMlSdk.Backends.Local;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Local;

/// <summary>A local workspace in its own temp folder, removed at the end of the test.</summary>
public sealed class LocalWorkspaceFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public LocalWorkspaceFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "azureml-tests", Guid.NewGuid().ToString("N"));
        Time = new FakeTimeProvider(Epoch);
        Backend = new LocalWorkspaceBackend(Directory, Time);
    }

    public string Directory { get; }

    public FakeTimeProvider Time { get; }

    internal LocalWorkspaceBackend Backend { get; }

    public ITrackingStore Tracking => Backend.Tracking;

    public IArtifactStore Artifacts => Backend.Artifacts;

    internal LocalWorkspaceBackend OpenAnother() => new(Directory, Time);

    public async Task<ExperimentData> ExperimentAsync(string name = "exp") =>
        await Tracking.CreateExperimentAsync(name, null, CancellationToken.None);

    public async Task<RunData> RunAsync(string experimentId, string? name = null, DateTimeOffset? start = null, string? parent = null) =>
        await Tracking.CreateRunAsync(new NewRun(experimentId, name, start ?? Epoch, parent), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Backend.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
