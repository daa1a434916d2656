using AzureMlSdk.AutoML.Bench;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>A temporary folder with data files and a local workspace, deleted afterwards.</summary>
public sealed class TestFolder : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-automl-t-");
    private Workspace? _ws;

    public string Path => _dir.FullName;

    public Workspace Workspace => _ws ??= Workspace.Local(System.IO.Path.Combine(_dir.FullName, "ws"));

    public string Write(string name, string text)
    {
        var path = System.IO.Path.Combine(_dir.FullName, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string Churn(int rows = 240) => Write("churn.csv", SyntheticData.Churn(rows));

    public async ValueTask DisposeAsync()
    {
        if (_ws is not null)
        {
            await _ws.DisposeAsync();
        }
        try
        {
            _dir.Delete(true);
        }
        catch (IOException)
        {
        }
    }
}
