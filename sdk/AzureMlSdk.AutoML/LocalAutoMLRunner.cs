using AzureMlSdk.AutoML.Engine;
using AzureMlSdk.Backends.Local;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.AutoML;

/// <summary>The core's AutoML seam (<see cref="ILocalAutoMLRunner"/>): the job engine hands an AutoML job and its run.</summary>
internal sealed class LocalAutoMLRunner : ILocalAutoMLRunner
{
    public async Task RunAsync(AutoMLJob job, Run jobRun, Func<Input, string>? resolveData, string workingDirectory, CancellationToken cancellationToken)
    {
        var engine = new AutoMLEngine(job, new RunTrialSink(jobRun), workingDirectory, NullLogger.Instance, resolveData);
        await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        await jobRun.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
