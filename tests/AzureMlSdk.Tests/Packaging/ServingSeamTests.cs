using AzureMlSdk.Backends.Local;
using AzureMlSdk.Serving;

namespace AzureMlSdk.Tests.Packaging;

/// <summary>
/// The package split: the core package references neither ONNX Runtime nor ASP.NET Core; local endpoints come from
/// AzureMlSdk.Serving through a seam, and without it every endpoint call says which package to add.
/// </summary>
public sealed class ServingSeamTests : IAsyncLifetime
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "azureml-seam-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_temp);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private static bool IsServingDependency(string? name) =>
        name is not null && (name.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal) || name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));

    [Fact]
    public void Core_assembly_references_neither_OnnxRuntime_nor_AspNetCore()
    {
        var core = typeof(Workspace).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("Microsoft.Data.Sqlite", core);
        Assert.DoesNotContain(core, IsServingDependency);

        // The same check finds both in the serving assembly, so it is looking at the right names.
        var serving = typeof(LocalServingProvider).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains(serving, n => n!.StartsWith("Microsoft.ML.OnnxRuntime", StringComparison.Ordinal));
        Assert.Contains(serving, n => n!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void The_serving_package_is_found_by_assembly_name_when_the_app_references_it()
    {
        Assert.IsType<LocalServingProvider>(LocalServing.Find());
        Assert.Same(LocalServing.Missing, LocalServing.Discover("AzureMlSdk.Serving.NotInstalled"));
    }

    [Fact]
    public async Task Local_endpoint_calls_without_the_serving_package_throw_a_typed_error_naming_it()
    {
        await using var ws = Workspace.FromBackend(new LocalWorkspaceBackend(Path.Combine(_temp, "ws"), serving: LocalServing.Missing));

        var online = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("seam-endpoint")));
        Assert.Contains("dotnet add package AzureMlSdk.Serving", online.Message, StringComparison.Ordinal);
        var batch = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => ws.GetBatchEndpointAsync("seam-batch"));
        Assert.Contains("dotnet add package AzureMlSdk.Serving", batch.Message, StringComparison.Ordinal);

        // Tracking on the same workspace is untouched by the missing package.
        var exp = await ws.GetOrCreateExperimentAsync("seam");
        await using (var run = await exp.StartLoggingAsync())
        {
            run.Log("loss", 0.5);
        }
        var logged = await exp.GetRunsAsync().FirstAsync();
        Assert.Equal(0.5, logged.LatestMetrics["loss"].Value);
    }
}
