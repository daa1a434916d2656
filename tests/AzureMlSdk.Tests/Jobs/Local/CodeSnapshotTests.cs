using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Tests.Backends.Local;

namespace AzureMlSdk.Tests.Jobs.Local;

public sealed class CodeSnapshotTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private readonly string _code = Path.Combine(Path.GetTempPath(), "azureml-tests", "code-" + Guid.NewGuid().ToString("N"));

    private IAssetBackend Assets => ((AzureMlSdk.Backends.IWorkspaceBackend)_ws.Backend).Assets;

    public Task InitializeAsync()
    {
        Write("train.cs", "Console.WriteLine(1);");
        Write("lib/util.cs", "class U {}");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_code, recursive: true);
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_code, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [Fact]
    public async Task Same_content_is_stored_once_and_found_by_id()
    {
        var first = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);
        var second = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);

        Assert.True(first.WasUploaded);
        Assert.False(second.WasUploaded);
        Assert.Equal(first.ContentHash, second.ContentHash);
        Assert.Equal(2, first.FileCount);
        Assert.Equal($"azureml:{first.ContentHash}:1", first.Id);
        Assert.Equal(first with { WasUploaded = false }, await Assets.GetCodeAsync(first.Id, CancellationToken.None));
        var files = await ((AzureMlSdk.Backends.IWorkspaceBackend)_ws.Backend).Datastores.ListFilesAsync(first.Uri, CancellationToken.None);
        Assert.Equal(["lib/util.cs", "train.cs"], files.Select(f => f.Path));
    }

    [Fact]
    public async Task Changing_a_file_or_renaming_it_changes_the_hash()
    {
        var before = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);
        Write("train.cs", "Console.WriteLine(2);");
        var edited = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);
        File.Move(Path.Combine(_code, "lib", "util.cs"), Path.Combine(_code, "lib", "util2.cs"));
        var renamed = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);

        Assert.Equal(3, new[] { before.ContentHash, edited.ContentHash, renamed.ContentHash }.Distinct().Count());
        Assert.True(renamed.WasUploaded);
    }

    [Fact]
    public async Task Amlignore_wins_over_gitignore_with_git_pattern_rules()
    {
        Write(".gitignore", "*.cs\n");
        Write(".amlignore", "*.log\n!keep.log\nbuild/\n/root-only.txt\ndocs/**/*.md\n");
        Write("run.log", "x");
        Write("keep.log", "x");
        Write("build/out.dll", "x");
        Write("src/build/nested.bin", "x");
        Write("root-only.txt", "x");
        Write("src/root-only.txt", "x");
        Write("docs/a/b/c.md", "x");
        Write("docs/readme.txt", "x");

        var entries = CodeFolder.List(_code);

        Assert.Equal(
            [".amlignore", ".gitignore", "docs/readme.txt", "keep.log", "lib/util.cs", "src/root-only.txt", "train.cs"],
            entries.Select(e => e.RelativePath));
    }

    [Fact]
    public async Task Gitignore_applies_when_there_is_no_amlignore()
    {
        Write(".gitignore", "lib/\n");
        var snapshot = await Assets.CreateCodeAsync(_code, null, CancellationToken.None);
        Assert.Equal(2, snapshot.FileCount); // .gitignore and train.cs
    }

    [Fact]
    public void Past_the_file_limit_the_error_names_the_folder_and_the_limit()
    {
        for (var i = 0; i < 6; i++)
        {
            Write($"many/f{i}.txt", "x");
        }
        var error = Assert.Throws<InvalidInputException>(() => CodeFolder.List(_code, maxFiles: 5));
        Assert.Contains(_code, error.Message, StringComparison.Ordinal);
        Assert.Contains("5 files", error.Message, StringComparison.Ordinal);
        Assert.Contains(".amlignore", error.Message, StringComparison.Ordinal);

        var size = Assert.Throws<InvalidInputException>(() => CodeFolder.List(_code, maxBytes: 10));
        Assert.Contains("MB", size.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_folders_and_unknown_ids_are_not_found()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Assets.CreateCodeAsync(Path.Combine(_code, "nope"), null, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Assets.GetCodeAsync("azureml:0123:1", CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_snapshots_of_the_same_content_store_it_once()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Assets.CreateCodeAsync(_code, null, CancellationToken.None))));
        Assert.Single(results.Select(r => r.Id).Distinct());
        var root = Path.Combine(_ws.Directory, "datastores", "workspaceblobstore", "LocalUpload");
        Assert.Single(Directory.GetDirectories(root));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_ws.Directory, "tmp")));
    }

    [Fact]
    public async Task A_single_file_is_a_snapshot_of_one_file()
    {
        var snapshot = await Assets.CreateCodeAsync(Path.Combine(_code, "train.cs"), null, CancellationToken.None);
        Assert.Equal(1, snapshot.FileCount);
    }
}
