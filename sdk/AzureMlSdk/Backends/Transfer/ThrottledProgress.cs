namespace AzureMlSdk.Backends.Transfer;

/// <summary>
/// Thins a stream of byte-count reports to what a progress bar needs: a count is forwarded when it has moved by at least
/// 1 % of the expected total since the last forwarded one, or when <see cref="Interval"/> has passed since then (whichever
/// comes first), and the final total is always forwarded (when it reaches the expected total, or by <see cref="Complete"/>).
/// Forwarded counts only increase (a rewound retry or an out-of-order report from a parallel transfer is dropped), and are
/// forwarded synchronously on the reporting thread, one at a time, in order. At most 100 reports for the percentage steps plus
/// one per <see cref="Interval"/> of transfer time plus the final one.
/// </summary>
internal sealed class ThrottledProgress : IProgress<long>
{
    /// <summary>The longest time a moving count waits to be forwarded.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly IProgress<long> _inner;
    private readonly long? _expected;
    private readonly long _step;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _last;
    private long _lastAt;
    private bool _forwarded;

    /// <param name="inner">Receives the forwarded counts.</param>
    /// <param name="expectedTotal">The count the transfer ends at, when known (percentage steps need it).</param>
    /// <param name="time">The clock (tests pass a fake one).</param>
    public ThrottledProgress(IProgress<long> inner, long? expectedTotal, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _expected = expectedTotal is >= 0 ? expectedTotal : null;
        _step = _expected is { } total ? Math.Max(1, total / 100) : long.MaxValue;
        _time = time ?? TimeProvider.System;
        _lastAt = _time.GetTimestamp();
    }

    /// <summary>A throttle over <paramref name="inner"/>, or null when there is nobody to report to.</summary>
    public static ThrottledProgress? Create(IProgress<long>? inner, long? expectedTotal, TimeProvider? time = null) =>
        inner is null ? null : new ThrottledProgress(inner, expectedTotal, time);

    /// <summary>The last count forwarded (0 before the first).</summary>
    public long LastReported
    {
        get
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }

    /// <inheritdoc />
    public void Report(long value)
    {
        lock (_lock)
        {
            if (value <= _last)
            {
                return;
            }
            var now = _time.GetTimestamp();
            if (value - _last >= _step || value >= _expected || _time.GetElapsedTime(_lastAt, now) >= Interval)
            {
                Forward(value, now);
            }
        }
    }

    /// <summary>Forwards the final total unless it was the last count forwarded (an empty transfer reports 0 once).</summary>
    public void Complete(long total)
    {
        lock (_lock)
        {
            if (total > _last || (!_forwarded && total == 0))
            {
                Forward(total, _time.GetTimestamp());
            }
        }
    }

    private void Forward(long value, long now)
    {
        _last = value;
        _lastAt = now;
        _forwarded = true;
        _inner.Report(value);
    }
}
