using AzureMlSdk.Assets;
using AzureMlSdk.Tests.Backends.Local;

namespace AzureMlSdk.Tests.Jobs.Local;

public sealed class LocalDatastoreTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private readonly string _src = Path.Combine(Path.GetTempPath(), "azureml-tests", "src-" + Guid.NewGuid().ToString("N"));

    private IDatastoreBackend Store => ((AzureMlSdk.Backends.IWorkspaceBackend)_ws.Backend).Datastores;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_src, "sub"));
        File.WriteAllText(Path.Combine(_src, "a.txt"), "alpha");
        File.WriteAllText(Path.Combine(_src, "sub", "b.txt"), "bravo!");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_src, recursive: true);
    }

    [Fact]
    public async Task Uploaded_folder_lists_downloads_and_is_readable_in_place()
    {
        var progress = new List<long>();
        var uri = await Store.UploadAsync(_src, "data/set1", null, new SyncProgress(progress), CancellationToken.None);

        Assert.Equal("azureml://datastores/workspaceblobstore/paths/data/set1/", uri);
        Assert.Equal(11, progress[^1]);
        var files = await Store.ListFilesAsync(uri, CancellationToken.None);
        Assert.Equal([new DatastoreFile("a.txt", 5), new DatastoreFile("sub/b.txt", 6)], files);

        var local = Store.TryGetLocalPath(uri);
        Assert.NotNull(local);
        Assert.Equal("bravo!", File.ReadAllText(Path.Combine(local, "sub", "b.txt")));

        var dest = Path.Combine(_ws.Directory, "..", "dl-" + Guid.NewGuid().ToString("N"));
        var written = await Store.DownloadAsync(uri, dest, null, CancellationToken.None);
        Assert.Equal(2, written.Count);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(dest, "a.txt")));
        Assert.Equal("bravo!", File.ReadAllText(Path.Combine(dest, "sub", "b.txt")));
        Directory.Delete(dest, true);
    }

    [Fact]
    public async Task A_file_goes_to_its_path_or_into_a_folder_path()
    {
        var file = Path.Combine(_src, "a.txt");
        var exact = await Store.UploadAsync(file, "x/renamed.txt", null, null, CancellationToken.None);
        var into = await Store.UploadAsync(file, "x/in/", "workspaceblobstore", null, CancellationToken.None);

        Assert.Equal("azureml://datastores/workspaceblobstore/paths/x/renamed.txt", exact);
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/x/in/a.txt", into);
        Assert.Equal([new DatastoreFile("renamed.txt", 5)], await Store.ListFilesAsync(exact, CancellationToken.None));
        Assert.Equal(2, (await Store.ListFilesAsync("azureml://datastores/workspaceblobstore/paths/x", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task No_temp_files_are_left_and_none_are_listed()
    {
        await Store.UploadAsync(_src, "d", null, null, CancellationToken.None);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_ws.Directory, "tmp")));
    }

    [Fact]
    public async Task A_canceled_upload_leaves_no_partial_file()
    {
        var big = Path.Combine(_src, "big.bin");
        await File.WriteAllBytesAsync(big, new byte[8 * 1024 * 1024]);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress([], _ => cts.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.UploadAsync(big, "big/big.bin", null, progress, cts.Token));

        Assert.Null(Store.TryGetLocalPath("azureml://datastores/workspaceblobstore/paths/big/big.bin"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_ws.Directory, "tmp")));
    }

    [Fact]
    public async Task Bad_uris_and_paths_are_typed_errors()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.UploadAsync(_src, "../escape", null, null, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.UploadAsync(_src, "d", "nosuchstore", null, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.UploadAsync(Path.Combine(_src, "missing"), "d", null, null, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.DownloadAsync("azureml://datastores/workspaceblobstore/paths/nothing", _src, null, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.ListFilesAsync("https://example.com/x", CancellationToken.None));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.ListFilesAsync("azureml://datastores/workspaceblobstore/paths/a/../../..", CancellationToken.None));
        Assert.Null(Store.TryGetLocalPath("azureml://datastores/workspaceblobstore/paths/absent"));
    }

    [Fact]
    public async Task Long_form_uris_resolve_to_the_same_content()
    {
        await Store.UploadAsync(_src, "long", null, null, CancellationToken.None);
        var files = await Store.ListFilesAsync(
            "azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/workspaceblobstore/paths/long", CancellationToken.None);
        Assert.Equal(2, files.Count);
    }

    private sealed class SyncProgress(List<long> values, Action<long>? onReport = null) : IProgress<long>
    {
        public void Report(long value)
        {
            values.Add(value);
            onReport?.Invoke(value);
        }
    }
}
