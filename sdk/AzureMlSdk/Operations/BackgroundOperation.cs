using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Operations;

/// <summary>What a long-running operation does; its <see cref="OperationId"/> names it so it can be found again.</summary>
internal enum OperationKind
{
    OnlineEndpoint,
    OnlineEndpointDelete,
    OnlineDeployment,
    OnlineDeploymentDelete,
    BatchEndpoint,
    BatchDeployment,
    BatchEndpointDelete,
}

/// <summary>
/// The contents of an operation id (base64url JSON, opaque to users): what the operation does and to what, the workspace, an
/// in-process key, and — when the backend's operation can be polled from anywhere (ARM) — the backend's resume token.
/// </summary>
internal sealed record OperationId(
    [property: JsonPropertyName("v")] int Version,
    [property: JsonPropertyName("k")] OperationKind Kind,
    [property: JsonPropertyName("w")] string Workspace,
    [property: JsonPropertyName("e")] string Endpoint,
    [property: JsonPropertyName("d")] string? Deployment,
    [property: JsonPropertyName("l")] string Key,
    [property: JsonPropertyName("t")] string? ResumeToken)
{
    private const string Prefix = "azml-op-";

    public string Encode() =>
        Prefix + Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this, OperationJsonContext.Default.OperationId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static OperationId Decode(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        try
        {
            if (id.StartsWith(Prefix, StringComparison.Ordinal))
            {
                var text = id[Prefix.Length..].Replace('-', '+').Replace('_', '/');
                text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
                if (JsonSerializer.Deserialize(Convert.FromBase64String(text), OperationJsonContext.Default.OperationId) is { Version: 1 } parsed
                    && !string.IsNullOrEmpty(parsed.Endpoint) && !string.IsNullOrEmpty(parsed.Key))
                {
                    return parsed;
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }
        throw new InvalidInputException($"'{Validate.Shorten(id)}' is not an operation id: pass the Id of an operation unchanged.", nameof(id));
    }
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OperationId))]
internal sealed partial class OperationJsonContext : JsonSerializerContext;

/// <summary>
/// Lets a backend say, while it runs an operation for <see cref="OperationRunner"/>, how the operation can be resumed from
/// elsewhere (the remote backend: the ARM polling addresses), without widening every contract signature: an ambient sink that
/// flows with the operation's execution context. The first token reported wins.
/// </summary>
internal static class OperationScope
{
    private static readonly AsyncLocal<TaskCompletionSource<string?>?> Current = new();

    /// <summary>Called by a backend when the service has accepted the operation and it can be polled with <paramref name="resumeToken"/>.</summary>
    public static void ReportResumable(string resumeToken) => Current.Value?.TrySetResult(resumeToken);

    /// <summary>Runs <paramref name="start"/> with <paramref name="sink"/> as the ambient sink (captured by the tasks it starts).</summary>
    public static T With<T>(TaskCompletionSource<string?> sink, Func<T> start)
    {
        var previous = Current.Value;
        Current.Value = sink;
        try
        {
            return start();
        }
        finally
        {
            Current.Value = previous;
        }
    }
}

/// <summary>Records the last progress message and passes each on to the caller's progress.</summary>
internal sealed class OperationProgress(IProgress<string>? inner) : IProgress<string>
{
    private volatile string? _last;

    public string? Last => _last;

    public void Report(string value)
    {
        _last = value;
        inner?.Report(value);
    }
}

/// <summary>An operation observed through the task that runs (or polls) it.</summary>
internal sealed class BackgroundOperation<T> : AzureMlOperation<T>
{
    private readonly Task<T> _task;
    private readonly OperationProgress _progress;

    public BackgroundOperation(string id, Task<T> task, OperationProgress progress)
    {
        Id = id;
        _task = task;
        _progress = progress;
    }

    public override string Id { get; }

    public override bool HasCompleted => _task.IsCompleted;

    public override bool HasValue => _task.IsCompletedSuccessfully;

    public override string Status => _task.Status switch
    {
        TaskStatus.RanToCompletion => "Succeeded",
        TaskStatus.Canceled => "Canceled",
        TaskStatus.Faulted => _task.Exception?.InnerException is OperationCanceledException ? "Canceled" : "Failed",
        _ => "InProgress",
    };

    public override string? LastMessage => _progress.Last;

    public override T Value => _task.IsCompleted
        ? _task.GetAwaiter().GetResult()
        : throw new InvalidOperationException($"Operation {Status}: it has no value yet; wait for it (WaitForCompletionAsync) or poll HasCompleted.");

    // The work's own poller keeps the state current; there is nothing more to ask.
    public override ValueTask<bool> UpdateStatusAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(HasCompleted);
    }

    public override Task<T> WaitForCompletionAsync(CancellationToken cancellationToken = default) => _task.WaitAsync(cancellationToken);
}

/// <summary>
/// Starts operations in the background and finds them again by id: in this process through a registry (strong while running,
/// weak once done), elsewhere through the backend's resume token.
/// </summary>
internal static class OperationRunner
{
    private sealed class Entry(AzureMlOperation operation)
    {
        public AzureMlOperation? Running = operation;
        public readonly WeakReference<AzureMlOperation> Done = new(operation);
    }

    private static readonly ConcurrentDictionary<string, Entry> Live = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts <paramref name="work"/> in the background (it gets no cancellation: cancelling a wait does not cancel the operation)
    /// and returns its operation. On a remote workspace this returns once the service has accepted the operation (so the id can
    /// resume it elsewhere) or the work has ended; an error before acceptance is thrown here, as Azure SDK's Begin… methods do.
    /// </summary>
    public static async Task<AzureMlOperation<T>> StartAsync<T>(
        Workspace workspace, OperationKind kind, string endpoint, string? deployment,
        Func<IProgress<string>, CancellationToken, Task<T>> work, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var progressRecorder = new OperationProgress(progress);
        var resumable = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = OperationScope.With(resumable, () => Task.Run(() => work(progressRecorder, CancellationToken.None), CancellationToken.None));
        string? token = null;
        if (workspace.Kind == WorkspaceKind.Remote)
        {
            await Task.WhenAny(resumable.Task, task).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (resumable.Task.IsCompletedSuccessfully)
            {
                token = resumable.Task.Result;
            }
            else if (task.IsFaulted)
            {
                await task.ConfigureAwait(false); // rejected before it started: throw as the blocking call would
            }
        }
        var id = new OperationId(1, kind, workspace.Name, endpoint, deployment, Guid.NewGuid().ToString("N"), token).Encode();
        var operation = new BackgroundOperation<T>(id, task, progressRecorder);
        var entry = new Entry(operation);
        Live[id] = entry;
        _ = task.ContinueWith(_ => entry.Running = null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return operation;
    }

    /// <summary>Drops an operation from this process's registry, as another process (which only has the id) sees it. For tests.</summary>
    internal static void Forget(string id) => Live.TryRemove(id, out _);

    /// <summary>The operation <paramref name="id"/> names: the live one of this process, else one resumed through the backend.</summary>
    public static async Task<AzureMlOperation<T>> GetAsync<T>(
        Workspace workspace, string id, Func<OperationId, CancellationToken, Task<T>> valueAfterResume, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var parsed = OperationId.Decode(id);
        if (!string.Equals(parsed.Workspace, workspace.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException($"Operation '{Validate.Shorten(id)}' belongs to workspace '{parsed.Workspace}', not '{workspace.Name}'.", nameof(id));
        }
        if (Live.TryGetValue(id, out var entry) && (entry.Running ?? (entry.Done.TryGetTarget(out var done) ? done : null)) is { } known)
        {
            return known as AzureMlOperation<T>
                ?? throw new InvalidInputException($"Operation '{Validate.Shorten(id)}' is a {parsed.Kind} operation; it does not produce a {typeof(T).Name}.", nameof(id));
        }
        if (parsed.ResumeToken is null)
        {
            throw new ResourceNotFoundException(
                $"Operation '{Validate.Shorten(id)}' ({parsed.Kind} of '{parsed.Endpoint}') is not known here: it ran in the process that started it (a local workspace's operations, or one the service finished at once), and only that process can find it again.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        var recorder = new OperationProgress(progress);
        var backend = workspace.Backend;
        var task = Task.Run(async () =>
        {
            await backend.ResumeOperationAsync(parsed.ResumeToken, recorder, CancellationToken.None).ConfigureAwait(false);
            return await valueAfterResume(parsed, CancellationToken.None).ConfigureAwait(false);
        }, CancellationToken.None);
        var operation = new BackgroundOperation<T>(id, task, recorder);
        var fresh = new Entry(operation);
        Live[id] = fresh;
        _ = task.ContinueWith(_ => fresh.Running = null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return operation;
    }
}
