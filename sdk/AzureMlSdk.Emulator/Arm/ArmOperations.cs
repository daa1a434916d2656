using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>The status of an ARM async operation (<c>OperationStatusResult.status</c>).</summary>
internal enum ArmOperationStatus
{
    InProgress,
    Succeeded,
    Failed,
    Canceled,
}

/// <summary>
/// One long-running operation whose work runs in the background. Clients see it through two URLs, as Azure ML's front end
/// serves them: <c>…/locations/{location}/mfeOperationsStatus/{id}</c> (the <c>Azure-AsyncOperation</c> status document) and
/// <c>…/locations/{location}/mfeOperationResults/{id}</c> (the <c>Location</c>: 202 until done, then the result or the error).
/// </summary>
internal sealed class ArmOperation
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _looks;
    private ArmException? _error;
    private bool _canceled;

    public ArmOperation(string id, string subscriptionId, string location, DateTimeOffset startTime, Func<JsonNode?>? result)
    {
        Id = id;
        SubscriptionId = subscriptionId;
        Location = location;
        StartTime = startTime;
        Result = result;
    }

    public string Id { get; }

    public string SubscriptionId { get; }

    /// <summary>The region segment of the operation's URLs.</summary>
    public string Location { get; }

    public DateTimeOffset StartTime { get; }

    public DateTimeOffset? EndTime { get; private set; }

    /// <summary>What the <c>Location</c> URL answers once the operation succeeded (the resource for an update; nothing when null).</summary>
    public Func<JsonNode?>? Result { get; }

    /// <summary>Completes when the work has ended, whatever the outcome.</summary>
    public Task Completion => _done.Task;

    /// <summary>The error of a failed operation.</summary>
    public ArmException? Error => Volatile.Read(ref _error);

    /// <summary>
    /// The status a client's look (a GET of either URL) reports. The first look always reports <see cref="ArmOperationStatus.InProgress"/>,
    /// so every client goes through its polling path at least once, however fast the work was; later looks report the real state.
    /// </summary>
    public (ArmOperationStatus Status, bool First) Look()
    {
        var first = Interlocked.Increment(ref _looks) == 1;
        return (first ? ArmOperationStatus.InProgress : Status, first);
    }

    /// <summary>The real state of the work.</summary>
    public ArmOperationStatus Status =>
        !_done.Task.IsCompleted ? ArmOperationStatus.InProgress
        : Volatile.Read(ref _canceled) ? ArmOperationStatus.Canceled
        : Error is null ? ArmOperationStatus.Succeeded
        : ArmOperationStatus.Failed;

    public void Finish(DateTimeOffset at, ArmException? error, bool canceled = false)
    {
        EndTime = at;
        Volatile.Write(ref _error, error);
        Volatile.Write(ref _canceled, canceled);
        _done.TrySetResult();
    }
}

/// <summary>
/// The Emulator's long-running operations: starts each one's work in the background, writes the headers that announce it
/// (<c>Azure-AsyncOperation</c>, <c>Location</c>, <c>Retry-After</c>, <c>x-ms-async-operation-timeout</c>) and serves its two URLs.
/// Operations live in memory (an Emulator restart forgets them; the resources they changed are persisted by their stores).
/// </summary>
internal sealed class ArmOperations : IAsyncDisposable
{
    private const string StatusSegment = "mfeOperationsStatus";
    private const string ResultSegment = "mfeOperationResults";
    private const string Prefix = "/subscriptions/{subscriptionId}/providers/" + ArmEndpoints.Provider + "/locations/{location}/";

    /// <summary>How long a poll of an unfinished operation (after its first) waits for it to end before answering, so a client told
    /// <c>Retry-After: 0</c> does not spin.</summary>
    private static readonly TimeSpan PollHold = TimeSpan.FromMilliseconds(500);

    /// <summary>Finished operations are kept this long for late pollers.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, (ArmOperation Operation, Task Work)> _operations = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private readonly int _retryAfterSeconds;

    public ArmOperations(int retryAfterSeconds, TimeProvider? time = null)
    {
        _retryAfterSeconds = retryAfterSeconds;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Starts <paramref name="work"/> in the background as a new operation. An <see cref="ArmException"/> from the work is the
    /// operation's error; any other exception is reported as an internal error; cancellation by the Emulator's shutdown cancels it.
    /// </summary>
    public ArmOperation Start(string subscriptionId, string location, Func<CancellationToken, Task> work, Func<JsonNode?>? result = null)
    {
        Prune();
        var operation = new ArmOperation(Guid.NewGuid().ToString(), subscriptionId, SafeLocation(location), _time.GetUtcNow(), result);
        var stopping = _stopping.Token;
        var task = Task.Run(async () =>
        {
            try
            {
                await work(stopping).ConfigureAwait(false);
                operation.Finish(_time.GetUtcNow(), null);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                operation.Finish(_time.GetUtcNow(), new ArmException(500, "Canceled", "The operation was canceled: the Emulator is stopping."), canceled: true);
            }
            catch (ArmException ex)
            {
                operation.Finish(_time.GetUtcNow(), ex);
            }
            catch (Exception ex)
            {
                operation.Finish(_time.GetUtcNow(), new ArmException(500, "InternalServerError", Wire.PublicMessage(ex, "The operation")));
            }
        }, CancellationToken.None);
        _operations[operation.Id] = (operation, task);
        return operation;
    }

    /// <summary>The status URL (<c>Azure-AsyncOperation</c>) of an operation.</summary>
    public static string StatusUrl(HttpContext context, ArmOperation operation) => Url(context, operation, StatusSegment);

    /// <summary>The result URL (<c>Location</c>) of an operation.</summary>
    public static string ResultUrl(HttpContext context, ArmOperation operation) => Url(context, operation, ResultSegment);

    private static string Url(HttpContext context, ArmOperation operation, string segment) =>
        $"{ArmEndpoints.Base(context)}/subscriptions/{operation.SubscriptionId}/providers/{ArmEndpoints.Provider}/locations/{operation.Location}/{segment}/{operation.Id}?api-version={ArmEndpoints.ApiVersion}";

    /// <summary>
    /// Announces <paramref name="operation"/> on the reply: <c>Azure-AsyncOperation</c> always, <c>Location</c> when
    /// <paramref name="withLocation"/> (202 answers: updates, deletes, actions), <c>Retry-After</c> and the operation timeout.
    /// </summary>
    public void Announce(HttpContext context, ArmOperation operation, bool withLocation)
    {
        var headers = context.Response.Headers;
        headers["Azure-AsyncOperation"] = StatusUrl(context, operation);
        if (withLocation)
        {
            headers.Location = ResultUrl(context, operation);
        }
        headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        headers["x-ms-async-operation-timeout"] = "PT1H";
    }

    public void Map(WebApplication app)
    {
        app.MapGet(Prefix + StatusSegment + "/{operationId}", (HttpContext c) => ServeAsync(c, StatusAsync));
        app.MapGet(Prefix + ResultSegment + "/{operationId}", (HttpContext c) => ServeAsync(c, ResultAsync));
    }

    private async Task ServeAsync(HttpContext context, Func<HttpContext, ArmOperation, Task> serve)
    {
        try
        {
            ArmEndpoints.CheckApiVersion(context);
            var id = (string)context.GetRouteValue("operationId")!;
            var subscription = (string)context.GetRouteValue("subscriptionId")!;
            if (!_operations.TryGetValue(id, out var entry) || !string.Equals(entry.Operation.SubscriptionId, subscription, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArmException(404, "ResourceNotFound", $"Operation '{id}' was not found (operations are kept for {Retention.TotalHours:0} hour(s) after they end, and not across Emulator restarts).");
            }
            await serve(context, entry.Operation).ConfigureAwait(false);
        }
        catch (ArmException ex)
        {
            await Wire.ArmErrorAsync(context, ex.Status, ex.Code, ex.Message, ex.Target).ConfigureAwait(false);
        }
    }

    private async Task<ArmOperationStatus> LookAsync(HttpContext context, ArmOperation operation)
    {
        var (status, first) = operation.Look();
        if (!first && status == ArmOperationStatus.InProgress)
        {
            await Task.WhenAny(operation.Completion, Task.Delay(PollHold, _time, context.RequestAborted)).ConfigureAwait(false);
            status = operation.Status;
        }
        return status;
    }

    private async Task StatusAsync(HttpContext context, ArmOperation operation)
    {
        var status = await LookAsync(context, operation).ConfigureAwait(false);
        var body = new JsonObject
        {
            ["id"] = $"/subscriptions/{operation.SubscriptionId}/providers/{ArmEndpoints.Provider}/locations/{operation.Location}/{StatusSegment}/{operation.Id}",
            ["name"] = operation.Id,
            ["status"] = status.ToString(),
            ["startTime"] = operation.StartTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        };
        if (status == ArmOperationStatus.InProgress)
        {
            context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            body["endTime"] = operation.EndTime?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            body["percentComplete"] = 100;
        }
        if (status is (ArmOperationStatus.Failed or ArmOperationStatus.Canceled) && operation.Error is { } error)
        {
            var detail = new JsonObject { ["code"] = error.Code, ["message"] = error.Message };
            if (error.Target is not null)
            {
                detail["target"] = error.Target;
            }
            detail["details"] = new JsonArray();
            detail["additionalInfo"] = new JsonArray();
            body["error"] = detail;
        }
        await ArmEndpoints.WriteAsync(context, 200, body).ConfigureAwait(false);
    }

    private async Task ResultAsync(HttpContext context, ArmOperation operation)
    {
        var status = await LookAsync(context, operation).ConfigureAwait(false);
        switch (status)
        {
            case ArmOperationStatus.InProgress:
                context.Response.Headers.Location = ResultUrl(context, operation);
                context.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                context.Response.StatusCode = 202;
                return;
            case ArmOperationStatus.Succeeded:
                if (operation.Result?.Invoke() is { } resource)
                {
                    await ArmEndpoints.WriteAsync(context, 200, resource).ConfigureAwait(false);
                }
                else
                {
                    context.Response.StatusCode = 200;
                }
                return;
            default:
                var error = operation.Error ?? new ArmException(500, "InternalServerError", "The operation failed.");
                await Wire.ArmErrorAsync(context, error.Status, error.Code, error.Message, error.Target).ConfigureAwait(false);
                return;
        }
    }

    private void Prune()
    {
        var cutoff = _time.GetUtcNow() - Retention;
        foreach (var (id, entry) in _operations)
        {
            if (entry.Operation.EndTime is { } end && end < cutoff)
            {
                _operations.TryRemove(id, out _);
            }
        }
    }

    private static string SafeLocation(string location)
    {
        var cleaned = new string(location.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        return cleaned.Length == 0 ? "local" : cleaned;
    }

    /// <summary>Cancels the work still running and waits (bounded) for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = _operations.Values.Select(e => e.Work).Where(t => !t.IsCompleted).ToArray();
        await Task.WhenAny(Task.WhenAll(running), Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
