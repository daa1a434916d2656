using AzureMlSdk.Backends.Transfer;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Transfer;

/// <summary>Progress thinned to what a progress bar needs: count, order, the final total, synchronously.</summary>
public sealed class ThrottledProgressTests
{
    private const long MiB = 1024 * 1024;
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_100_MiB_transfer_in_128_KiB_reads_reports_once_per_percent_and_ends_with_the_total()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), 100 * MiB, _time);
        for (long sent = 128 * 1024; sent <= 100 * MiB; sent += 128 * 1024)
        {
            throttle.Report(sent);
        }
        throttle.Complete(100 * MiB);

        Assert.Equal(100, seen.Count); // 800 reads, 100 forwarded: one per 1 MiB, the last being the total
        Assert.Equal(100 * MiB, seen[^1]);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => i * MiB), seen);
    }

    [Fact]
    public void Without_a_known_total_a_count_is_forwarded_every_250_ms_and_Complete_adds_the_total()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), null, _time);
        for (var i = 1; i <= 10; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            throttle.Report(i * 1000L);
        }
        throttle.Complete(10_500);

        // 100 ms a read: the 3rd, 6th and 9th reads are 250 ms or more after the last forwarded one.
        Assert.Equal([3000L, 6000L, 9000L, 10_500L], seen);
    }

    [Fact]
    public void A_slow_transfer_reports_every_250_ms_even_below_one_percent()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), 100 * MiB, _time);
        throttle.Report(1000);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        throttle.Report(2000);
        throttle.Report(3000);
        Assert.Equal([2000L], seen);
    }

    [Fact]
    public void Counts_only_increase_a_rewound_retry_or_a_late_report_is_dropped()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), 1000, _time);
        throttle.Report(500);
        throttle.Report(300);   // out of order (parallel ranges)
        throttle.Report(0);     // a retried request rewound its content
        throttle.Report(505);   // below the next step
        throttle.Report(1000);  // the total
        throttle.Complete(1000);
        throttle.Complete(900);
        Assert.Equal([500L, 1000L], seen);
    }

    [Fact]
    public void The_final_total_is_forwarded_once_and_an_empty_transfer_reports_zero()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), 10 * MiB, _time);
        throttle.Report(10 * MiB);
        throttle.Complete(10 * MiB);
        Assert.Equal([10 * MiB], seen);

        var empty = new List<long>();
        var none = new ThrottledProgress(new SyncProgress(empty.Add), 0, _time);
        none.Complete(0);
        none.Complete(0);
        Assert.Equal([0L], empty);
    }

    [Fact]
    public void Reports_are_forwarded_on_the_reporting_call_not_later()
    {
        var seen = new List<long>();
        var throttle = new ThrottledProgress(new SyncProgress(seen.Add), 100, _time);
        throttle.Report(50);
        Assert.Equal([50L], seen);
        Assert.Equal(50, throttle.LastReported);
    }

    [Fact]
    public async Task Concurrent_reports_are_forwarded_one_at_a_time_in_increasing_order()
    {
        var seen = new List<long>();
        var inside = 0;
        var overlapped = false;
        var throttle = new ThrottledProgress(new SyncProgress(v =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                overlapped = true;
            }
            seen.Add(v);
            Interlocked.Decrement(ref inside);
        }), 4_000_000, _time);
        long sent = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                throttle.Report(Interlocked.Add(ref sent, 100));
            }
        })));
        throttle.Complete(4_000_000);

        Assert.False(overlapped);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(seen.Distinct(), seen);
        Assert.Equal(4_000_000, seen[^1]);
        Assert.InRange(seen.Count, 2, 101);
    }

    [Fact]
    public void Create_without_a_receiver_is_null() =>
        Assert.Null(ThrottledProgress.Create(null, 10));

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
