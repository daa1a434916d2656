namespace AzureMlSdk;

/// <summary>
/// A long-running operation (creating, updating or deleting an endpoint or a deployment; later, a submitted job), after Azure
/// SDK's <c>Operation</c>: poll it (<see cref="UpdateStatusAsync"/>), wait for it (<see cref="WaitForCompletionResponseAsync"/>), show its
/// <see cref="Status"/> and <see cref="LastMessage"/> in a UI, or keep its <see cref="Id"/> and pick it up again with
/// <see cref="Workspace.GetOperationAsync(string, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// The work goes on whether or not anyone waits: cancelling a wait stops the wait, not the operation. On a remote workspace the
/// operation is the service's (an ARM long-running operation) and its <see cref="Id"/> carries what is needed to poll it from
/// another process. On a local workspace the work runs in this process, in the background; its <see cref="Id"/> finds it again in
/// this process only.
/// </remarks>
public abstract class AzureMlOperation
{
    /// <summary>For mocking.</summary>
    protected AzureMlOperation()
    {
    }

    /// <summary>An opaque id: hand it to <see cref="Workspace.GetOperationAsync(string, CancellationToken)"/> to get the operation again.</summary>
    public abstract string Id { get; }

    /// <summary>True once the operation has ended (succeeded, failed or been canceled).</summary>
    public abstract bool HasCompleted { get; }

    /// <summary>
    /// Where it stands, in ARM's words: <c>InProgress</c> (or the service's own in-progress word, e.g. <c>Creating</c>),
    /// <c>Succeeded</c>, <c>Failed</c>, <c>Canceled</c>.
    /// </summary>
    public abstract string Status { get; }

    /// <summary>The last progress message (e.g. <c>Deployment 'ep/blue': Creating</c>), for a UI; null before the first.</summary>
    public abstract string? LastMessage { get; }

    /// <summary>Refreshes <see cref="Status"/> and <see cref="LastMessage"/>; returns <see cref="HasCompleted"/>.</summary>
    public abstract ValueTask<bool> UpdateStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until the operation ends; throws what it failed with (e.g. <see cref="InvalidStateException"/> carrying the service's code).</summary>
    public abstract Task WaitForCompletionResponseAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public override string ToString() => $"{Status}{(LastMessage is null ? string.Empty : " — " + LastMessage)}";
}

/// <summary>A long-running operation that ends with a value (see <see cref="AzureMlOperation"/>).</summary>
/// <typeparam name="T">What the operation produces, e.g. <see cref="OnlineEndpoint"/>.</typeparam>
public abstract class AzureMlOperation<T> : AzureMlOperation
{
    /// <summary>For mocking.</summary>
    protected AzureMlOperation()
    {
    }

    /// <summary>True once the operation has succeeded and <see cref="Value"/> is available.</summary>
    public abstract bool HasValue { get; }

    /// <summary>
    /// The result; throws <see cref="InvalidOperationException"/> while the operation runs, and what it failed with once it has failed.
    /// </summary>
    public abstract T Value { get; }

    /// <summary>Waits until the operation ends and returns its result; throws what it failed with.</summary>
    public abstract Task<T> WaitForCompletionAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public override Task WaitForCompletionResponseAsync(CancellationToken cancellationToken = default) => WaitForCompletionAsync(cancellationToken);
}
