namespace AzureMlSdk.Backends.Remote;

/// <summary>
/// Makes a create that the service does not deduplicate (MLflow <c>runs/create</c>, <c>experiments/create</c>) land exactly
/// once: each create carries a key the client chose; when its outcome is unknown (a 503, a dropped connection or a timeout
/// after the HTTP pipeline's own retries, which never replay such a POST), the store looks for the key before creating
/// again, so a create that was applied but whose reply was lost is found and returned instead of being made twice.
/// </summary>
internal static class IdempotentCreate
{
    /// <summary>
    /// Runs <paramref name="create"/>; after an ambiguous failure asks <paramref name="findOwn"/> whether the create was
    /// applied (returns its result) and otherwise creates again; a look-up that fails is made again, never replaced by a
    /// create. Creates and look-ups after the first create share a budget of <paramref name="maxRetries"/>, each preceded by a
    /// jittered exponential backoff (0.5 s, 1 s, 2 s … capped at 8 s) on <paramref name="time"/>.
    /// </summary>
    /// <remarks>
    /// Covered: the request refused before it was applied (429/503) and the reply lost after it was applied (dropped
    /// connection, 502/504). Not covered: a request still travelling when its attempt timed out and applied after the
    /// look-up ran — the look-up cannot see it yet, so the retry may create a second item (rare: the attempt timeout is far
    /// above a create's latency). The last ambiguous failure is rethrown when the budget runs out.
    /// </remarks>
    public static async Task<T> ExecuteAsync<T>(
        Func<CancellationToken, Task<T>> create,
        Func<CancellationToken, Task<T?>> findOwn,
        int maxRetries,
        TimeProvider time,
        CancellationToken cancellationToken)
        where T : class
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                return await create(cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceUnavailableException) when (attempt < maxRetries && !cancellationToken.IsCancellationRequested)
            {
                // Unknown outcome: the create may have been applied. Look before creating again.
            }
            while (true)
            {
                await Task.Delay(Backoff(attempt++), time, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (await findOwn(cancellationToken).ConfigureAwait(false) is { } applied)
                    {
                        return applied;
                    }
                    break; // not applied: create again
                }
                catch (ServiceUnavailableException) when (attempt < maxRetries && !cancellationToken.IsCancellationRequested)
                {
                    // The look-up failed too: the outcome is still unknown, so look again rather than create.
                }
            }
        }
    }

    /// <summary>A new client key (32 hex digits).</summary>
    public static string NewKey() => Guid.NewGuid().ToString("N");

    private static TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(8000, 500 * (1 << Math.Min(attempt, 5)));
        return TimeSpan.FromMilliseconds(ms / 2 + Random.Shared.Next(ms / 2 + 1));
    }
}
