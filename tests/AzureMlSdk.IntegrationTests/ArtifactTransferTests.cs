using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Storage;
using Azure.Storage.Blobs;
using AzureMlSdk.Emulator;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// Artifact and model transfers through the Remote backend into Azurite: throttled, ordered progress that ends with the
/// total; content hashed in one pass (the manifest's SHA-256 is the file's); a corrupted model file is a typed error.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ArtifactTransferTests(EmulatorFixture emulator) : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly string _folder = Directory.CreateTempSubdirectory("azureml-transfer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_60_MB_upload_and_download_report_throttled_increasing_progress_ending_with_the_total()
    {
        var source = WriteRandomFile("sixty.bin", 60 * MiB, out var sha);
        await using var ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync());
        var experiment = await ws.GetOrCreateExperimentAsync("transfer");
        await using var run = await experiment.StartLoggingAsync();

        var up = new List<long>();
        var clock = Stopwatch.StartNew();
        await run.UploadFileAsync("outputs/sixty.bin", source, new SyncProgress(up.Add));
        AssertThrottled(up, 60 * MiB, clock.Elapsed);

        var down = new List<long>();
        var target = Path.Combine(_folder, "back.bin");
        clock.Restart();
        await run.DownloadFileAsync("outputs/sixty.bin", target, new SyncProgress(down.Add));
        AssertThrottled(down, 60 * MiB, clock.Elapsed);
        Assert.Equal(sha, await HashFileAsync(target));
    }

    [Fact]
    public async Task Content_of_unknown_length_goes_in_blocks_and_arrives_whole_with_its_final_count()
    {
        var data = RandomNumberGenerator.GetBytes(20 * MiB + 123);
        await using var ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync());
        var experiment = await ws.GetOrCreateExperimentAsync("transfer");
        await using var run = await experiment.StartLoggingAsync();
        var backend = ws.Backend;

        var up = new List<long>();
        await backend.Artifacts.UploadAsync(run.Id, "outputs/stream.bin", new NonSeekableStream(new MemoryStream(data)), new SyncProgress(up.Add), default);
        Assert.Equal(data.Length, up[^1]);
        Assert.Equal(up.Order(), up);

        var back = new MemoryStream();
        await backend.Artifacts.DownloadAsync(run.Id, "outputs/stream.bin", back, null, default);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back.ToArray()));
    }

    [Fact]
    public async Task A_registered_model_carries_the_files_sha256_and_progress_ends_with_the_total()
    {
        var source = WriteRandomFile("weights.bin", 12 * MiB + 7, out var sha);
        await using var ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync());

        var up = new List<long>();
        var clock = Stopwatch.StartNew();
        var model = await ws.RegisterModelAsync("transfer-model", source, options: new ModelRegistrationOptions { Progress = new SyncProgress(up.Add) });
        AssertThrottled(up, 12 * MiB + 7, clock.Elapsed);
        var file = Assert.Single(model.Files);
        Assert.Equal(sha, file.Sha256);
        Assert.Equal(12 * MiB + 7, file.Length);

        var down = new List<long>();
        clock.Restart();
        var folder = await model.DownloadAsync(Path.Combine(_folder, "model"), new SyncProgress(down.Add));
        AssertThrottled(down, 12 * MiB + 7, clock.Elapsed);
        Assert.Equal(sha, await HashFileAsync(Path.Combine(folder, "weights.bin")));
    }

    [Fact]
    public async Task A_model_file_corrupted_in_storage_fails_its_download_with_DataLoss_and_writes_no_file_of_the_version()
    {
        var modelFolder = Directory.CreateDirectory(Path.Combine(_folder, "model-src")).FullName;
        File.WriteAllBytes(Path.Combine(modelFolder, "a.json"), "{}"u8.ToArray()); // downloads fine, before the corrupted one
        var weights = $"weights-{Guid.NewGuid():N}.bin";
        File.WriteAllBytes(Path.Combine(modelFolder, weights), RandomNumberGenerator.GetBytes(3 * MiB));
        await using var ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync());
        var model = await ws.RegisterModelAsync("corrupted-model", modelFolder);

        // Same length, one byte flipped, written straight into the datastore's blob.
        var blob = await FindModelBlobAsync(weights);
        var bytes = await File.ReadAllBytesAsync(Path.Combine(modelFolder, weights));
        bytes[bytes.Length / 2] ^= 0xFF;
        await blob.UploadAsync(new BinaryData(bytes), overwrite: true);

        var target = Path.Combine(_folder, "corrupted");
        var ex = await Assert.ThrowsAsync<AzureMlException>(() => model.DownloadAsync(target));
        Assert.Equal(AzureMlErrorCodes.DataLoss, ex.ErrorCode);
        Assert.Contains(weights, ex.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_put_that_breaks_mid_body_is_retried_from_the_start_and_the_hash_covers_the_bytes_stored()
    {
        var source = WriteRandomFile("retried.bin", 9 * MiB + 5, out var sha);
        var breaker = new BreakFirstBlobPut(new SocketsHttpHandler());
        await using var ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync(), o => o.HttpMessageHandler = breaker);
        var experiment = await ws.GetOrCreateExperimentAsync("transfer");
        await using var run = await experiment.StartLoggingAsync();

        breaker.Arm("/ExperimentRun/");
        var up = new List<long>();
        await run.UploadFileAsync("outputs/retried.bin", source, new SyncProgress(up.Add));
        Assert.Equal(1, breaker.Broken);
        Assert.Equal(9 * MiB + 5, up[^1]);
        Assert.Equal(up.Distinct().Order(), up);
        var back = Path.Combine(_folder, "retried-back.bin");
        await run.DownloadFileAsync("outputs/retried.bin", back);
        Assert.Equal(sha, await HashFileAsync(back));

        breaker.Arm("/LocalUpload/");
        var model = await ws.RegisterModelAsync("retried-model", source);
        Assert.Equal(1, breaker.Broken);
        Assert.Equal(sha, Assert.Single(model.Files).Sha256); // the hash restarted with the resent body
        var folder = await model.DownloadAsync(Path.Combine(_folder, "retried-model"));
        Assert.Equal(sha, await HashFileAsync(Path.Combine(folder, "retried.bin")));
    }

    /// <summary>At most one report per 1 % plus one per 250 ms of transfer time plus the final; strictly increasing; ends with the total.</summary>
    private static void AssertThrottled(List<long> reports, long total, TimeSpan elapsed)
    {
        var bound = 100 + (int)(elapsed / TimeSpan.FromMilliseconds(250)) + 1;
        Assert.InRange(reports.Count, 1, bound);
        Assert.Equal(total, reports[^1]);
        Assert.Equal(reports.Distinct().Order(), reports);
    }

    private async Task<BlobClient> FindModelBlobAsync(string file)
    {
        // Model.Uri is models:/<name>/<version> on every backend; the file's blob is found by its (unique) name instead.
        var service = new BlobServiceClient(emulator.Host.BlobEndpoint, new StorageSharedKeyCredential(EmulatorOptions.AzuriteAccount, EmulatorOptions.AzuriteKey));
        await foreach (var container in service.GetBlobContainersAsync())
        {
            var client = service.GetBlobContainerClient(container.Name);
            await foreach (var item in client.GetBlobsAsync())
            {
                if (item.Name.EndsWith("/" + file, StringComparison.Ordinal))
                {
                    return client.GetBlobClient(item.Name);
                }
            }
        }
        throw new InvalidOperationException($"No container holds a blob named '{file}'.");
    }

    private string WriteRandomFile(string name, int length, out string sha256)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        sha256 = Convert.ToHexStringLower(SHA256.HashData(data));
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static async Task<string> HashFileAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>Breaks the first blob PUT whose path contains the armed marker after its whole body was read, like a connection lost before the answer.</summary>
    private sealed class BreakFirstBlobPut(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private string? _marker;

        public int Broken { get; private set; }

        public void Arm(string marker)
        {
            _marker = marker;
            Broken = 0;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (_marker is { } marker && request.Method == HttpMethod.Put && request.Content is not null
                && request.RequestUri!.AbsolutePath.Contains(marker, StringComparison.Ordinal))
            {
                _marker = null;
                Broken++;
                await request.Content.CopyToAsync(Stream.Null, cancellationToken); // consumes (and hashes) the whole body once
                throw new HttpRequestException("The connection was reset (injected).", new IOException("reset"));
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
