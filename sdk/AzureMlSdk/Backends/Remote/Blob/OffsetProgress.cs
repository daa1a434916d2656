namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// Reports a file's byte count as a running total over several files, synchronously. (<see cref="Progress{T}"/> would
/// post each report to the thread pool: reports would arrive out of order and after the upload has returned.)
/// </summary>
internal sealed class OffsetProgress(IProgress<long> inner, long offset) : IProgress<long>
{
    /// <inheritdoc />
    public void Report(long value) => inner.Report(offset + value);
}
