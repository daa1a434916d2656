using AzureMlSdk.AutoML.Engine;
using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.AutoML;

/// <summary>The core's AutoML seam (<see cref="ILocalAutoMLRunner"/>): the job engine hands an AutoML job and its run.</summary>
internal sealed class LocalAutoMLRunner : ILocalAutoMLRunner
{
    public async Task<LocalAutoMLJobSummary> RunJobAsync(LocalAutoMLJobRequest request, CancellationToken cancellationToken)
    {
        var engine = new AutoMLEngine(request.Job, new JobTrialSink(request), request.WorkingDirectory, new LineLogger(request.Log), request.ResolveData);
        var result = await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        await request.JobRun.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new LocalAutoMLJobSummary(result.Best.RunId, result.Best.Algorithm, result.PrimaryMetric, result.Best.Score, result.StopReason, result.Trials.Count, result.TestProperties);
    }
}
