using System.Text.Json;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.Http;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Follows an Azure ML job through ARM (<c>Jobs_Get</c>, <c>Jobs_Cancel</c>) until it ends: polls every <see cref="PollInterval"/>
/// or as the answer's <c>Retry-After</c> asks (at most <see cref="MaxPollInterval"/>), tolerates the 404s of a job ARM cannot read
/// yet, maps ARM job statuses to <see cref="RunStatus"/>, and cancels the job (best effort) when the caller stops waiting.
/// Batch endpoint invocations use it; any job the SDK submits can.
/// </summary>
internal sealed class ArmJobPoller(IArmJobsApi jobs, WorkspaceCoordinates ws, TimeProvider time)
{
    /// <summary>Delay between polls when the answer carries no <c>Retry-After</c> (ARM jobs usually do not).</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>The longest poll delay a service's <c>Retry-After</c> may ask for.</summary>
    internal static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(1);

    /// <summary>Polls that may answer 404 right after the job was created, before ARM can read it.</summary>
    internal const int NotYetVisiblePolls = 3;

    /// <summary>
    /// Polls job <paramref name="jobName"/> until it is <see cref="RunStatus.Completed"/>, <see cref="RunStatus.Failed"/> or
    /// <see cref="RunStatus.Canceled"/> and returns it with that status; <paramref name="onStatus"/> hears each status change
    /// (the first poll's included). A cancelled wait asks ARM to cancel the job before it rethrows.
    /// </summary>
    public async Task<(ArmResource<JobProperties> Job, RunStatus Status)> WaitAsync(string jobName, Action<RunStatus>? onStatus, CancellationToken cancellationToken)
    {
        RunStatus? last = null;
        var notFound = 0;
        try
        {
            while (true)
            {
                ArmResource<JobProperties> job;
                TimeSpan wait;
                using (var response = await jobs.GetResponseAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, jobName, cancellationToken).ConfigureAwait(false))
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        var error = await RemoteErrors.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
                        if (error is ResourceNotFoundException && ++notFound <= NotYetVisiblePolls)
                        {
                            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
                            continue;
                        }
                        throw error;
                    }
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    job = JsonSerializer.Deserialize(bytes, ArmJsonContext.Default.ArmResourceJobProperties)
                        ?? throw new AzureMlException($"The service answered job '{jobName}' with an empty body.", AzureMlErrorCodes.InternalError, 502, RemoteErrors.RequestId(response));
                    wait = RetryAfter.Get(response, time) is { } asked ? (asked < MaxPollInterval ? asked : MaxPollInterval) : PollInterval;
                }
                var status = ParseStatus(job.Properties?.Status);
                if (status != last)
                {
                    last = status;
                    onStatus?.Invoke(status);
                }
                if (status is RunStatus.Completed or RunStatus.Failed or RunStatus.Canceled)
                {
                    return (job, status);
                }
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelAsync(jobName).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Asks ARM to cancel the job, without waiting for it to stop (best effort: the job may have ended meanwhile).</summary>
    public async Task CancelAsync(string jobName)
    {
        try
        {
            // Not awaited to its end (an LRO): asking is enough, and the caller is leaving.
            using var response = await jobs.CancelAsync(ws.SubscriptionId, ws.ResourceGroup, ws.WorkspaceName, jobName, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AzureMlException or HttpRequestException or OperationCanceledException)
        {
            // Best effort: the job may have ended meanwhile.
        }
    }

    /// <summary>Azure ML job statuses (ARM <c>JobStatus</c>) as run statuses; the non-terminal ones Azure adds count as running.</summary>
    internal static RunStatus ParseStatus(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        null or "" or "NOTSTARTED" => RunStatus.NotStarted,
        "STARTING" => RunStatus.Starting,
        "PROVISIONING" or "PREPARING" => RunStatus.Preparing,
        "QUEUED" => RunStatus.Queued,
        "FINALIZING" => RunStatus.Finalizing,
        "CANCELREQUESTED" => RunStatus.CancelRequested,
        "COMPLETED" or "FINISHED" => RunStatus.Completed,
        "FAILED" => RunStatus.Failed,
        "CANCELED" or "CANCELLED" or "KILLED" => RunStatus.Canceled,
        _ => RunStatus.Running, // Running, NotResponding, Paused, Unknown
    };
}
