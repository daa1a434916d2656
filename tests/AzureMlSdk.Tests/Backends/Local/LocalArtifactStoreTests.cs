using System.Text;
using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalArtifactStoreTests : IAsyncLifetime
{
    private readonly LocalWorkspaceFixture _ws = new();
    private static readonly CancellationToken None = CancellationToken.None;
    private RunData _run = null!;

    public async Task InitializeAsync() => _run = await _ws.RunAsync((await _ws.ExperimentAsync()).ExperimentId);
    public async Task DisposeAsync() => await _ws.DisposeAsync();

    private IArtifactStore Store => _ws.Artifacts;

    private string RunFolder => Path.Combine(_ws.Directory, "artifacts", _run.RunId);

    private Task UploadAsync(string path, string text) =>
        Store.UploadAsync(_run.RunId, path, new MemoryStream(Encoding.UTF8.GetBytes(text)), null, None);

    private async Task<string> DownloadAsync(string path)
    {
        var buffer = new MemoryStream();
        await Store.DownloadAsync(_run.RunId, path, buffer, null, None);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Uploaded_file_lands_under_the_run_folder_and_downloads_unchanged()
    {
        await UploadAsync("outputs/model.onnx", "weights");
        Assert.True(File.Exists(Path.Combine(RunFolder, "outputs", "model.onnx")));
        Assert.Equal("weights", await DownloadAsync("outputs/model.onnx"));
    }

    [Fact]
    public async Task Backslash_paths_are_stored_with_forward_slashes()
    {
        await UploadAsync("a\\b.txt", "x");
        Assert.Equal([new ArtifactItem("a/b.txt", 1)], await Store.ListAsync(_run.RunId, null, None));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("..\\x")]
    [InlineData("C:\\x")]
    public async Task Paths_leaving_the_run_folder_are_rejected_and_write_nothing(string path)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => UploadAsync(path, "evil"));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => DownloadAsync(path));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.ListAsync(_run.RunId, path, None));
        var artifacts = Path.Combine(_ws.Directory, "artifacts");
        Assert.False(Directory.Exists(artifacts) && Directory.EnumerateFileSystemEntries(artifacts, "*", SearchOption.AllDirectories).Any());
        Assert.False(File.Exists("/etc/evil") || File.Exists(Path.Combine(_ws.Directory, "x")) || File.Exists(Path.Combine(_ws.Directory, "b")));
    }

    [Fact]
    public async Task Unknown_run_is_not_found_for_every_operation()
    {
        var id = Guid.NewGuid().ToString("N");
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.UploadAsync(id, "a.txt", new MemoryStream([1]), null, None));
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.DownloadAsync(id, "a.txt", new MemoryStream(), null, None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.ListAsync(id, null, None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Store.ListAsync("../../etc", null, None));
    }

    [Fact]
    public async Task Downloading_a_missing_file_is_not_found_naming_it()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => DownloadAsync("nope/missing.txt"));
        Assert.Contains("nope/missing.txt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_over_an_existing_file_replaces_it_whole()
    {
        await UploadAsync("f.txt", "old content that is longer");
        await UploadAsync("f.txt", "new");
        Assert.Equal("new", await DownloadAsync("f.txt"));
        Assert.Equal([new ArtifactItem("f.txt", 3)], await Store.ListAsync(_run.RunId, null, None));
    }

    [Fact]
    public async Task Reader_of_the_old_file_keeps_reading_it_while_an_upload_replaces_it()
    {
        await UploadAsync("f.txt", "old");
        var oldPath = Path.Combine(RunFolder, "f.txt");
        using var reader = new FileStream(oldPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        await UploadAsync("f.txt", "new");
        Assert.Equal("old", await new StreamReader(reader).ReadToEndAsync());
        Assert.Equal("new", await DownloadAsync("f.txt"));
    }

    [Fact]
    public async Task Failed_upload_leaves_the_previous_file_and_no_temp_file()
    {
        await UploadAsync("f.txt", "old");
        await Assert.ThrowsAsync<IOException>(() => Store.UploadAsync(_run.RunId, "f.txt", new FailingStream(100_000), null, None));
        Assert.Equal("old", await DownloadAsync("f.txt"));
        Assert.Equal(["f.txt"], Directory.GetFiles(RunFolder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Cancelled_upload_deletes_its_temp_file_and_leaves_nothing_visible()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(_ => cts.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Store.UploadAsync(_run.RunId, "big.bin", new MemoryStream(new byte[1_000_000]), progress, cts.Token));
        Assert.Empty(Directory.GetFiles(RunFolder, "*", SearchOption.AllDirectories));
        Assert.Empty(await Store.ListAsync(_run.RunId, null, None));
    }

    [Fact]
    public async Task Progress_reports_bytes_copied_up_to_the_total()
    {
        var reports = new List<long>();
        await Store.UploadAsync(_run.RunId, "big.bin", new MemoryStream(new byte[5_000_000]), new SyncProgress(reports.Add), None);
        Assert.True(reports.Count > 1);
        Assert.Equal(5_000_000, reports[^1]);
        Assert.Equal(reports.Order(), reports);

        var downloaded = new List<long>();
        await Store.DownloadAsync(_run.RunId, "big.bin", new MemoryStream(), new SyncProgress(downloaded.Add), None);
        Assert.Equal(5_000_000, downloaded[^1]);
    }

    [Fact]
    public async Task Progress_of_a_large_copy_is_throttled_increasing_and_ends_with_the_total_once()
    {
        // 40 MiB read 64 KiB at a time: 640 reads, at most one report per 1 % (plus one per 250 ms of a slow machine).
        const int Length = 40 * 1024 * 1024;
        var reports = new List<long>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Store.UploadAsync(_run.RunId, "large.bin", new SmallReadStream(new MemoryStream(new byte[Length]), 64 * 1024), new SyncProgress(reports.Add), None);
        var bound = 100 + (int)(clock.Elapsed / TimeSpan.FromMilliseconds(250)) + 1;
        Assert.InRange(reports.Count, 2, bound);
        Assert.Equal(Length, reports[^1]);
        Assert.Single(reports, r => r == Length);
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(reports.Distinct(), reports);

        var downloaded = new List<long>();
        clock.Restart();
        await Store.DownloadAsync(_run.RunId, "large.bin", Stream.Null, new SyncProgress(downloaded.Add), None);
        Assert.InRange(downloaded.Count, 1, 100 + (int)(clock.Elapsed / TimeSpan.FromMilliseconds(250)) + 1);
        Assert.Equal(Length, downloaded[^1]);
        Assert.Equal(downloaded.Order(), downloaded);
    }

    [Fact]
    public async Task An_empty_upload_reports_zero_once()
    {
        var reports = new List<long>();
        await Store.UploadAsync(_run.RunId, "empty.bin", new MemoryStream(), new SyncProgress(reports.Add), None);
        Assert.Equal([0L], reports);
    }

    [Fact]
    public async Task Listing_is_recursive_ordinal_and_filtered_by_a_folder_or_file_prefix()
    {
        foreach (var path in new[] { "b.txt", "a/z.txt", "a/b/c.txt", "B.txt", "ab.txt", "a/y.txt" })
        {
            await UploadAsync(path, path);
        }
        File.WriteAllText(Path.Combine(RunFolder, "a", "y.txt." + Guid.NewGuid().ToString("N") + LocalArtifactStore.PartialSuffix), "partial");

        Assert.Equal(["B.txt", "a/b/c.txt", "a/y.txt", "a/z.txt", "ab.txt", "b.txt"], (await Store.ListAsync(_run.RunId, null, None)).Select(i => i.Path));
        Assert.Equal(["a/b/c.txt", "a/y.txt", "a/z.txt"], (await Store.ListAsync(_run.RunId, "a", None)).Select(i => i.Path));
        Assert.Equal(["a/b/c.txt", "a/y.txt", "a/z.txt"], (await Store.ListAsync(_run.RunId, "a/", None)).Select(i => i.Path));
        Assert.Equal([new ArtifactItem("a/y.txt", 7)], await Store.ListAsync(_run.RunId, "a/y.txt", None));
        Assert.Empty(await Store.ListAsync(_run.RunId, "missing", None));
    }

    [Fact]
    public async Task Run_without_artifacts_lists_nothing() =>
        Assert.Empty(await Store.ListAsync(_run.RunId, null, None));

    [Fact]
    public async Task File_cannot_replace_a_folder_nor_live_under_a_file()
    {
        await UploadAsync("a/b.txt", "x");
        await Assert.ThrowsAsync<InvalidInputException>(() => UploadAsync("a", "y"));
        await Assert.ThrowsAsync<InvalidInputException>(() => UploadAsync("a/b.txt/c", "y"));
        Assert.Equal(["a/b.txt"], (await Store.ListAsync(_run.RunId, null, None)).Select(i => i.Path));
    }

    [Fact]
    public async Task Reserved_temp_suffix_is_refused_as_an_artifact_name() =>
        await Assert.ThrowsAsync<InvalidInputException>(() => UploadAsync("x" + LocalArtifactStore.PartialSuffix, "y"));

    private sealed class SyncProgress(Action<long> onReport) : IProgress<long>
    {
        public void Report(long value) => onReport(value);
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, like a network stream.</summary>
    private sealed class SmallReadStream(Stream inner, int chunk) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, chunk));
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Gives some bytes, then fails like a dropped network stream.</summary>
    private sealed class FailingStream(int bytesBeforeFailure) : Stream
    {
        private int _left = bytesBeforeFailure;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left <= 0)
            {
                throw new IOException("connection reset");
            }
            var n = Math.Min(count, _left);
            _left -= n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
