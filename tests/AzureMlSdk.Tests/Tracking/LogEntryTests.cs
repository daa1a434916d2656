using System.Runtime.CompilerServices;

namespace AzureMlSdk.Tests.Tracking;

public sealed class LogEntryTests
{
    [Fact]
    public void An_entry_is_48_bytes_so_a_full_default_buffer_stays_under_5_MiB()
    {
        // 100,000 buffered entries × 48 B ≈ 4.6 MiB of channel storage (strings aside).
        Assert.Equal(48, Unsafe.SizeOf<LogEntry>());
    }

    [Fact]
    public void Each_kind_reads_back_what_it_was_made_with_and_nothing_else()
    {
        var metric = LogEntry.Metric("loss", 0.5, 3, 1_700_000_000_000);
        Assert.Equal((LogEntryKind.Metric, "loss", 0.5, 3L, 1_700_000_000_000L), (metric.Kind, metric.Key, metric.Value, metric.Step, metric.TimestampMs));
        Assert.Null(metric.Text);
        Assert.Null(metric.Flushed);
        Assert.Null(metric.Payload);

        var param = LogEntry.Param("lr", "0.01");
        Assert.Equal("0.01", param.Text);
        Assert.Null(param.Payload);

        var done = new TaskCompletionSource();
        var flush = LogEntry.FlushMarker(done);
        Assert.Same(done, flush.Flushed);
        Assert.Null(flush.Text);

        Func<byte[]> content = () => [1, 2, 3];
        var artifact = LogEntry.Artifact("tables/t.json", content);
        Assert.Same(content, artifact.Payload);
        Assert.Null(artifact.Text);
        Assert.Null(artifact.Flushed);
    }
}
