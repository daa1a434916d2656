namespace AzureMlSdk;

/// <summary>
/// How <see cref="Run.Log(string, double, long?)"/> buffers: points go to an in-memory buffer and a
/// background flusher writes them in batches when <see cref="MaxBatchSize"/> points are waiting or
/// <see cref="FlushInterval"/> has passed since the oldest unwritten one, whichever comes first.
/// A process that is killed loses at most the points logged during the last flush interval;
/// a normal exit (dispose, <see cref="Run.FlushAsync"/>, or process exit) loses nothing.
/// </summary>
public sealed class LogBufferOptions
{
    /// <summary>Longest time a logged point waits before it is written. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Points written per batch (1…1000, MLflow's log-batch limit). Default 1000.</summary>
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>Most entries held in memory; when full, <c>Log</c> waits for the flusher (back-pressure). Default 100,000.</summary>
    public int Capacity { get; set; } = 100_000;

    internal LogBufferOptions Validated()
    {
        if (FlushInterval <= TimeSpan.Zero)
        {
            throw new InvalidInputException($"FlushInterval must be positive; got {FlushInterval}.", nameof(FlushInterval));
        }
        if (MaxBatchSize is < 1 or > TrackingLimits.MaxMetricsPerBatch)
        {
            throw new InvalidInputException($"MaxBatchSize must be between 1 and {TrackingLimits.MaxMetricsPerBatch}; got {MaxBatchSize}.", nameof(MaxBatchSize));
        }
        if (Capacity < MaxBatchSize)
        {
            throw new InvalidInputException($"Capacity ({Capacity}) must be at least MaxBatchSize ({MaxBatchSize}).", nameof(Capacity));
        }
        return new LogBufferOptions { FlushInterval = FlushInterval, MaxBatchSize = MaxBatchSize, Capacity = Capacity };
    }
}
