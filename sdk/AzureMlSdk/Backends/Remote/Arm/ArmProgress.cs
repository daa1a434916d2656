using System.Text.Json;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Progress reporting around ARM long-running operations: the state a 200/201 answer carries, each status the poller hears,
/// without repeating a message.
/// </summary>
internal static class ArmProgress
{
    /// <summary>Drops a message equal to the one before it (the 201 body, each poll and the final read often repeat a state).</summary>
    public static IProgress<string>? Distinct(IProgress<string>? progress) => progress is null or DistinctProgress ? progress : new DistinctProgress(progress);

    /// <summary>The poller's status callback, reporting <c>"{label}: {status}"</c>.</summary>
    public static Action<string>? Reporter(IProgress<string>? progress, string label) =>
        progress is null ? null : status => progress.Report($"{label}: {status}");

    /// <summary>Reports the provisioning state a 200/201 answer carries (the poller reads the body again when it is final).</summary>
    public static async Task ReportInitialStateAsync(HttpResponseMessage response, string label, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        if (progress is null || !response.IsSuccessStatusCode || response.Content is null)
        {
            return;
        }
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("provisioningState", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } state)
            {
                progress.Report($"{label}: {state}");
            }
        }
        catch (JsonException)
        {
            // Not JSON: nothing to report.
        }
    }

    private sealed class DistinctProgress(IProgress<string> inner) : IProgress<string>
    {
        private string? _last;

        public void Report(string value)
        {
            if (!string.Equals(Interlocked.Exchange(ref _last, value), value, StringComparison.Ordinal))
            {
                inner.Report(value);
            }
        }
    }
}
