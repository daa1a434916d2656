using System.Security.Cryptography;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Tests.Backends.Transfer;

/// <summary>Hash-while-copying streams: one pass gives the bytes, their count and their SHA-256.</summary>
public sealed class HashingStreamsTests
{
    private static readonly byte[] Data = RandomNumberGenerator.GetBytes(3_000_000);
    private static readonly string Sha = Convert.ToHexStringLower(SHA256.HashData(Data));

    [Fact]
    public async Task Reading_through_hashes_counts_and_reports_the_running_count_plus_the_base()
    {
        var reports = new List<long>();
        using var reading = new HashingReadStream(new MemoryStream(Data), new SyncProgress(reports.Add), progressBase: 10);
        var copy = new MemoryStream();
        await reading.CopyToAsync(copy, 64 * 1024);

        Assert.Equal(Data, copy.ToArray());
        Assert.Equal(Data.Length, reading.BytesRead);
        Assert.Equal(Data.Length, reading.Length);
        Assert.Equal(Sha, reading.HashHex());
        Assert.Equal(10 + Data.Length, reports[^1]);
        Assert.Equal(reports.Order(), reports);
    }

    [Fact]
    public async Task A_rewind_to_the_start_as_a_retried_request_does_restarts_the_hash_and_the_count()
    {
        var source = new MemoryStream(Data) { Position = 100 };
        using var reading = new HashingReadStream(source, null);
        var buffer = new byte[500_000];
        await reading.ReadExactlyAsync(buffer);
        reading.Position = 0; // Azure.Core / StreamContent before a retry
        Assert.Equal(0, reading.BytesRead);
        Assert.Equal(100, source.Position);
        var copy = new MemoryStream();
        await reading.CopyToAsync(copy);

        Assert.Equal(Data[100..], copy.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Data.AsSpan(100))), reading.HashHex());
        Assert.Throws<NotSupportedException>(() => reading.Position = 5);
        Assert.Throws<NotSupportedException>(() => reading.Seek(1, SeekOrigin.Current));
    }

    [Fact]
    public void The_hash_survives_disposal_and_a_counting_only_stream_has_none()
    {
        var reading = new HashingReadStream(new MemoryStream(Data), null);
        reading.CopyTo(Stream.Null);
        reading.Dispose();
        Assert.Equal(Sha, reading.HashHex());

        using var counting = new HashingReadStream(new MemoryStream(Data), null, hash: false);
        counting.CopyTo(Stream.Null);
        Assert.Equal(Data.Length, counting.BytesRead);
        Assert.Throws<InvalidOperationException>(counting.HashHex);
    }

    [Fact]
    public async Task Writing_through_hashes_and_counts_every_write_sync_and_async()
    {
        var written = 0L;
        var target = new MemoryStream();
        using (var writing = new HashingWriteStream(target, n => written += n))
        {
            writing.Write(Data, 0, 1000);
            await writing.WriteAsync(Data.AsMemory(1000, 999_000));
            await new MemoryStream(Data, 1_000_000, 2_000_000).CopyToAsync(writing, 128 * 1024);
            Assert.Equal(Sha, writing.HashHex());
            Assert.Equal(Data.Length, writing.Length);
        }
        Assert.Equal(Data, target.ToArray());
        Assert.Equal(Data.Length, written);
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
