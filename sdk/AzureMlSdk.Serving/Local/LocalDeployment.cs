using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using AzureMlSdk.Serving.Scoring;
using Microsoft.AspNetCore.Http;
using Microsoft.ML.OnnxRuntime;

namespace AzureMlSdk.Serving.Local;

/// <summary>
/// One running deployment: its scorer, concurrency limit (429 past it), request timeout (408), logs and state.
/// Requests are handled in-process by the endpoint's Kestrel host (<see cref="LocalEndpointHost"/>).
/// </summary>
internal sealed class LocalDeployment : IAsyncDisposable
{
    private readonly IScorer? _scorer;
    private readonly OnnxScorer? _onnx;
    private readonly int _limit;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentStack<RunSlot> _freeSlots = new();
    private readonly List<RunSlot> _allSlots = [];
    private readonly ITimer? _watchdog;
    private int _inFlight;
    private int _stopped;

    public LocalDeployment(OnlineDeploymentData data, IScorer? scorer, string? modelDirectory, DeploymentLog log)
    {
        Data = data;
        _scorer = scorer;
        _onnx = scorer as OnnxScorer;
        ModelDirectory = modelDirectory;
        Log = log;
        _limit = checked(data.RequestSettings.MaxConcurrentRequestsPerInstance * data.InstanceCount);
        _timeout = data.RequestSettings.RequestTimeout;
        if (_onnx is not null)
        {
            // One timer per deployment stops overdue ONNX runs, instead of a timer per request.
            var period = TimeSpan.FromMilliseconds(Math.Clamp(_timeout.TotalMilliseconds / 10, 5, 100));
            _watchdog = TimeProvider.System.CreateTimer(_ => TerminateOverdueRuns(), null, period, period);
        }
    }

    /// <summary>A pooled ONNX <see cref="RunOptions"/> and the deadline of the run using it (0 when idle).</summary>
    private sealed class RunSlot
    {
        public RunOptions Options { get; set; } = new();

        public long Deadline;
    }

    private void TerminateOverdueRuns()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_allSlots)
        {
            foreach (var slot in _allSlots)
            {
                var deadline = Volatile.Read(ref slot.Deadline);
                if (deadline != 0 && now > deadline)
                {
                    slot.Options.Terminate = true;
                }
            }
        }
    }

    public OnlineDeploymentData Data { get; set; }

    public string Name => Data.Name;

    public DeploymentLog Log { get; }

    public string? ModelDirectory { get; }

    /// <summary>Ready to serve: provisioned and not stopping.</summary>
    public bool IsReady => _scorer is not null && Volatile.Read(ref _stopped) == 0;

    public ScoringSchema? Schema => _scorer?.Schema;

    /// <summary>The running scorer (the scoring benchmark calls the same ONNX session directly).</summary>
    internal IScorer? Scorer => _scorer;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Admits a request unless the deployment is stopping (false: the host picks again from the current routing, so a
    /// request racing a redeploy goes to the new version). The count is raised before the check so that
    /// <see cref="StopAsync"/>, which sets the flag before reading the count, always waits for admitted requests.
    /// </summary>
    /// <param name="position">This request's place among those in flight (1 = alone); past the limit it is answered 429.</param>
    public bool TryEnter(out int position)
    {
        position = Interlocked.Increment(ref _inFlight);
        if (IsReady)
        {
            return true;
        }
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    /// <summary>Answers 503 for a deployment that cannot serve (failed or stopped).</summary>
    public Task RejectNotReadyAsync(HttpContext context)
    {
        context.Response.Headers[OnlineEndpoint.DeploymentHeader] = Name;
        return LocalEndpointHost.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, AzureMlErrorCodes.TemporarilyUnavailable, $"Deployment '{Name}' is not ready (state {Data.ProvisioningState}).");
    }

    /// <summary>Serves an admitted request (<see cref="TryEnter"/> returned true); releases the admission when done.</summary>
    public async Task HandleAsync(HttpContext context, int position)
    {
        var response = context.Response;
        response.Headers[OnlineEndpoint.DeploymentHeader] = Name;
        if (position > _limit)
        {
            Interlocked.Decrement(ref _inFlight);
            Log.Write("WARNING", $"429 POST /score: {_limit} request(s) already in flight (max concurrent requests per instance {Data.RequestSettings.MaxConcurrentRequestsPerInstance} x {Data.InstanceCount} instance(s)).");
            await LocalEndpointHost.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, AzureMlErrorCodes.RequestLimitExceeded,
                $"Too many requests: deployment '{Name}' serves at most {_limit} at once (max_concurrent_requests_per_instance x instance_count).").ConfigureAwait(false);
            return;
        }
        var scorerTask = new StrongBox<Task?>();
        try
        {
            if (_onnx is not null)
            {
                await ScoreOnnxAsync(context).ConfigureAwait(false);
            }
            else
            {
                await ScoreCustomAsync(context, scorerTask).ConfigureAwait(false);
            }
        }
        catch (InvalidInputException ex)
        {
            Log.Write("WARNING", $"400 POST /score: {ex.Message}");
            await LocalEndpointHost.WriteErrorAsync(context, StatusCodes.Status400BadRequest, ex.ErrorCode, ex.Message, ex.ParameterName).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.Write("WARNING", $"408 POST /score: no answer within the request timeout of {_timeout.TotalMilliseconds:0} ms.");
            await LocalEndpointHost.WriteErrorAsync(context, StatusCodes.Status408RequestTimeout, "REQUEST_TIMEOUT",
                $"Deployment '{Name}' did not answer within its request timeout ({_timeout.TotalMilliseconds:0} ms).").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Log.Write("WARNING", "499 POST /score: the caller went away.");
        }
        catch (BadHttpRequestException ex)
        {
            // The body itself could not be read (over the size limit, malformed chunking, too slow): the caller's 4xx, not the scorer's.
            Log.Write("WARNING", $"{ex.StatusCode} POST /score: the request body could not be read.");
            await LocalEndpointHost.WriteTransportErrorAsync(context, ex).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The exception (type, text, stack) goes to the deployment's log only; the caller gets Azure ML's kind of answer.
            Log.Error($"502 POST /score: the scorer failed: {ex}");
            await LocalEndpointHost.WriteErrorAsync(context, StatusCodes.Status502BadGateway, AzureMlErrorCodes.InternalError,
                $"Deployment '{Name}': the scorer failed; see the deployment's logs.").ConfigureAwait(false);
        }
        finally
        {
            // A scorer that ignored its timeout (or the caller leaving) still holds its slot until its own task really ends:
            // the request was answered 408/499, but the work goes on and counts against the concurrency limit.
            if (scorerTask.Value is { IsCompleted: false } running)
            {
                _ = running.ContinueWith(_ => Interlocked.Decrement(ref _inFlight), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            else
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private async Task ScoreOnnxAsync(HttpContext context)
    {
        var (buffer, length) = await ReadBodyAsync(context.Request).ConfigureAwait(false);
        try
        {
            if (!System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, length)))
            {
                throw InvalidUtf8();
            }
            var output = new ArrayBufferWriter<byte>(256);
            if (!_freeSlots.TryPop(out var slot))
            {
                slot = new RunSlot();
                lock (_allSlots)
                {
                    _allSlots.Add(slot);
                }
            }
            try
            {
                Volatile.Write(ref slot.Deadline, Stopwatch.GetTimestamp() + (long)(_timeout.TotalSeconds * Stopwatch.Frequency));
                _onnx!.Score(buffer.AsMemory(0, length), output, slot.Options);
            }
            finally
            {
                Volatile.Write(ref slot.Deadline, 0);
                if (slot.Options.Terminate)
                {
                    slot.Options.Terminate = false;
                }
                _freeSlots.Push(slot);
            }
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.ContentLength = output.WrittenCount;
            await response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <param name="context">The request.</param>
    /// <param name="scorerTask">Receives the scorer's own task, which may outlive this call when the scorer ignores its timeout.</param>
    private async Task ScoreCustomAsync(HttpContext context, StrongBox<Task?> scorerTask)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, StrictUtf8))
        {
            try
            {
                body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (DecoderFallbackException)
            {
                throw InvalidUtf8();
            }
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(_timeout);
        var run = _scorer!.RunAsync(body, timeout.Token);
        scorerTask.Value = run;
        string result;
        try
        {
            result = await run.WaitAsync(_timeout, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
        var bytes = Encoding.UTF8.GetBytes(result);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>UTF-8 that throws on invalid bytes (a request body is JSON, which is UTF-8).</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static InvalidInputException InvalidUtf8() => new("The request body is not valid UTF-8; send JSON encoded as UTF-8.", "body");

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request)
    {
        var size = request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength.Value : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 256));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer, length);
            }
            length += read;
        }
    }

    /// <summary>Stops taking requests, waits (bounded) for those in flight, then disposes the scorer.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        var deadline = Stopwatch.GetTimestamp() + (long)(drain.TotalSeconds * Stopwatch.Frequency);
        while (InFlight > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }
        lock (_allSlots)
        {
            foreach (var slot in _allSlots)
            {
                slot.Options.Dispose();
            }
        }
        try
        {
            switch (_scorer)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        catch (Exception ex)
        {
            Log.Error($"Disposing the scorer failed: {ex.Message}");
        }
        Log.Info($"Deployment '{Name}' stopped.");
        if (ModelDirectory is not null)
        {
            try
            {
                Directory.Delete(ModelDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a file still open (another reader) leaves the copy behind; it is under the workspace's endpoints/ folder.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(5)));
}
