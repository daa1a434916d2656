namespace AzureMlSdk;

/// <summary>
/// Makes a caller's <see cref="Progress{T}"/> hear the SDK's reports in order and before the call returns.
/// <see cref="Progress{T}"/> posts each report to its captured <see cref="SynchronizationContext"/> (the thread pool in a
/// console app), so two reports can run at once, in either order, after the SDK method has returned and the caller has
/// printed its next line. This wrapper hands the next report to <see cref="Progress{T}"/> only once the previous one has been
/// delivered (its <see cref="Progress{T}.ProgressChanged"/> event, raised right after the caller's handler, says so), and
/// <see cref="DisposeAsync"/> waits (boundedly) until every report has been delivered. Any other <see cref="IProgress{T}"/>
/// implementation is called directly, synchronously, on the reporting thread.
/// </summary>
internal sealed class OrderedProgress<T> : IProgress<T>, IAsyncDisposable
{
    /// <summary>The longest <see cref="DisposeAsync"/> waits for reports still queued (a blocked UI thread must not hang the SDK).</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly Progress<T> _inner;
    private readonly Queue<T> _pending = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource? _idle;
    private bool _inFlight;
    private bool _closed;

    private OrderedProgress(Progress<T> inner)
    {
        _inner = inner;
        inner.ProgressChanged += OnDelivered;
    }

    /// <summary>
    /// Wraps <paramref name="progress"/> when it is exactly a <see cref="Progress{T}"/> (whose delivery is asynchronous); returns
    /// a synchronous pass-through otherwise (null stays null). Dispose the result when the SDK call ends.
    /// </summary>
    public static Scope Wrap(IProgress<T>? progress) =>
        progress is not null && progress.GetType() == typeof(Progress<T>) ? new Scope(new OrderedProgress<T>((Progress<T>)progress)) : new Scope(progress);

    /// <inheritdoc />
    public void Report(T value)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            if (_inFlight)
            {
                _pending.Enqueue(value);
                return;
            }
            _inFlight = true;
        }
        ((IProgress<T>)_inner).Report(value);
    }

    private void OnDelivered(object? sender, T value)
    {
        T next;
        lock (_lock)
        {
            if (!_pending.TryDequeue(out next!))
            {
                _inFlight = false;
                _idle?.TrySetResult();
                return;
            }
        }
        ((IProgress<T>)_inner).Report(next);
    }

    /// <summary>Waits until every report has reached the caller's handler (at most <see cref="DrainTimeout"/>), then detaches.</summary>
    public async ValueTask DisposeAsync()
    {
        Task idle;
        lock (_lock)
        {
            if (!_inFlight)
            {
                idle = Task.CompletedTask;
            }
            else
            {
                _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                idle = _idle.Task;
            }
        }
        try
        {
            await idle.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The caller's context is not running its posts (e.g. a UI thread blocked on this call): give up waiting, never hang.
        }
        lock (_lock)
        {
            _closed = true;
            _pending.Clear();
        }
        _inner.ProgressChanged -= OnDelivered;
    }

    /// <summary>The progress to hand to the backend for one SDK call, and the wait for its delivery at the end of the call.</summary>
    internal readonly struct Scope : IAsyncDisposable
    {
        private readonly OrderedProgress<T>? _ordered;

        internal Scope(OrderedProgress<T> ordered)
        {
            _ordered = ordered;
            Progress = ordered;
        }

        internal Scope(IProgress<T>? passThrough)
        {
            _ordered = null;
            Progress = passThrough;
        }

        /// <summary>What the backend reports to (null when the caller gave none).</summary>
        public IProgress<T>? Progress { get; }

        /// <inheritdoc />
        public ValueTask DisposeAsync() => _ordered?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
