
namespace AzureMlSdk.ContractTests;

/// <summary>
/// The fixture of the contract suites: a fresh workspace per test from the backend under test, and a
/// scratch folder. A backend joins a suite by deriving from it and supplying the workspace.
/// </summary>
public abstract class ContractTestBase : IAsyncLifetime
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "azureml-contract-" + Guid.NewGuid().ToString("N"));

    protected Workspace Ws { get; private set; } = null!;

    /// <summary>A fresh, empty workspace for one test.</summary>
    protected abstract Task<Workspace> CreateWorkspaceAsync(string scratchDirectory);

    /// <summary>Releases what <see cref="CreateWorkspaceAsync"/> made.</summary>
    protected virtual Task DestroyAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_scratch);
        Ws = await CreateWorkspaceAsync(_scratch);
    }

    public async Task DisposeAsync()
    {
        await Ws.DisposeAsync();
        await DestroyAsync();
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing process; the temp folder is cleaned by the OS.
        }
    }

    protected string Scratch(string relative)
    {
        var path = Path.Combine(_scratch, "files", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
