using System.Text.Json.Nodes;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// Starts a workspace's long-running operations so that those on one resource (an endpoint and its deployments) run one at a time,
/// in arrival order, as the service applies them; operations on different resources run side by side.
/// </summary>
internal sealed class SerialOperations(ArmOperations operations, string subscriptionId)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task> _chains = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Starts <paramref name="work"/> as an operation that runs after every earlier one on <paramref name="key"/>.</summary>
    public ArmOperation Start(string key, string location, Func<CancellationToken, Task> work, Func<JsonNode?>? result = null)
    {
        lock (_gate)
        {
            var previous = _chains.GetValueOrDefault(key) ?? Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _chains[key] = done.Task;
            return operations.Start(subscriptionId, location, async ct =>
            {
                try
                {
                    await previous.WaitAsync(ct).ConfigureAwait(false);
                    await work(ct).ConfigureAwait(false);
                }
                finally
                {
                    done.TrySetResult();
                }
            }, result);
        }
    }
}
