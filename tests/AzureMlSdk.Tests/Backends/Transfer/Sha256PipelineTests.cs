using System.Security.Cryptography;
using AzureMlSdk.Backends.Transfer;

namespace AzureMlSdk.Tests.Backends.Transfer;

/// <summary>The hash taken off the transfer's path gives the same SHA-256 as hashing in place, in order, with bounded memory.</summary>
public sealed class Sha256PipelineTests
{
    [Fact]
    public async Task Many_appends_sync_and_async_hash_in_order_to_the_same_digest()
    {
        var data = RandomNumberGenerator.GetBytes(5_000_003);
        using var pipeline = new Sha256Pipeline();
        var offset = 0;
        var sizes = new[] { 1, 7, 81920, 131072, 3, 65536 };
        for (var i = 0; offset < data.Length; i++)
        {
            var n = Math.Min(sizes[i % sizes.Length], data.Length - offset);
            if (i % 2 == 0)
            {
                pipeline.Append(data.AsSpan(offset, n));
            }
            else
            {
                await pipeline.AppendAsync(data.AsMemory(offset, n), default);
            }
            offset += n;
        }
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), pipeline.Finish());
        Assert.Equal(pipeline.Finish(), pipeline.Finish());
    }

    [Fact]
    public void The_appended_bytes_are_copied_so_the_caller_may_reuse_its_buffer_at_once()
    {
        var buffer = new byte[1000];
        var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var pipeline = new Sha256Pipeline();
        for (var i = 0; i < 100; i++)
        {
            Array.Fill(buffer, (byte)i);
            expected.AppendData(buffer);
            pipeline.Append(buffer); // then overwritten by the next round
        }
        Assert.Equal(Convert.ToHexStringLower(expected.GetHashAndReset()), pipeline.Finish());
    }

    [Fact]
    public void Restart_drops_what_was_appended_and_a_finished_pipeline_takes_no_more()
    {
        using var pipeline = new Sha256Pipeline();
        pipeline.Append("ignored"u8);
        pipeline.Restart();
        pipeline.Append("abc"u8);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", pipeline.Finish());
        Assert.Throws<InvalidOperationException>(() => pipeline.Append("more"u8));
        Assert.Throws<InvalidOperationException>(pipeline.Restart);
    }

    [Fact]
    public void Disposing_an_unfinished_pipeline_returns_and_then_refuses_work()
    {
        var pipeline = new Sha256Pipeline();
        for (var i = 0; i < Sha256Pipeline.MaxQueued * 4; i++)
        {
            pipeline.Append(new byte[64 * 1024]);
        }
        pipeline.Dispose();
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.Finish());
    }
}
