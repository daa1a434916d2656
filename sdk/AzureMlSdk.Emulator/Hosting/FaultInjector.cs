namespace AzureMlSdk.Emulator.Hosting;

/// <summary>The kinds of injected faults.</summary>
internal enum FaultKind
{
    /// <summary>429 with Retry-After, before anything is applied.</summary>
    Throttle,
    /// <summary>503 with Retry-After, before anything is applied.</summary>
    Unavailable,
    /// <summary>The request is applied, then the connection is aborted before the reply is sent.</summary>
    DropAfterApply,
}

/// <summary>One injected fault.</summary>
internal readonly record struct Fault(FaultKind Kind, int RetryAfterSeconds);

/// <summary>Picks which requests fail, from a seeded source so a run can be replayed. Thread-safe.</summary>
internal sealed class FaultInjector(double rate, int seed, int maxRetryAfterSeconds)
{
    private readonly Lock _gate = new();
    private Random _random = new(seed);
    private double _rate = rate;
    private int _maxRetryAfter = maxRetryAfterSeconds;

    /// <summary>The current fault rate (0 = off).</summary>
    public double Rate
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    /// <summary>Changes the rate and reseeds.</summary>
    public void Configure(double rate, int seed, int? maxRetryAfterSeconds = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1);
        lock (_gate)
        {
            _rate = rate;
            _random = new Random(seed);
            _maxRetryAfter = maxRetryAfterSeconds ?? _maxRetryAfter;
        }
    }

    /// <summary>The fault for the next request, or null.</summary>
    public Fault? Next()
    {
        lock (_gate)
        {
            if (_rate <= 0 || _random.NextDouble() >= _rate)
            {
                return null;
            }
            var kind = (FaultKind)_random.Next(3);
            return new Fault(kind, _random.Next(_maxRetryAfter + 1));
        }
    }
}

/// <summary>Counters of what the Emulator served (for the tests' figures).</summary>
internal sealed class EmulatorStats
{
    private long _requests;
    private long _throttled;
    private long _unavailable;
    private long _dropped;
    private long _unauthorized;
    private long _metricPointsReceived;
    private long _logBatchRequests;

    public long Requests => Interlocked.Read(ref _requests);
    public long Throttled => Interlocked.Read(ref _throttled);
    public long Unavailable => Interlocked.Read(ref _unavailable);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Unauthorized => Interlocked.Read(ref _unauthorized);
    public long MetricPointsReceived => Interlocked.Read(ref _metricPointsReceived);
    public long LogBatchRequests => Interlocked.Read(ref _logBatchRequests);

    public void Request() => Interlocked.Increment(ref _requests);
    public void Unauthenticated() => Interlocked.Increment(ref _unauthorized);
    public void LogBatch(int points)
    {
        Interlocked.Increment(ref _logBatchRequests);
        Interlocked.Add(ref _metricPointsReceived, points);
    }

    public void Injected(FaultKind kind)
    {
        switch (kind)
        {
            case FaultKind.Throttle: Interlocked.Increment(ref _throttled); break;
            case FaultKind.Unavailable: Interlocked.Increment(ref _unavailable); break;
            default: Interlocked.Increment(ref _dropped); break;
        }
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _unavailable, 0);
        Interlocked.Exchange(ref _dropped, 0);
        Interlocked.Exchange(ref _unauthorized, 0);
        Interlocked.Exchange(ref _metricPointsReceived, 0);
        Interlocked.Exchange(ref _logBatchRequests, 0);
    }
}
