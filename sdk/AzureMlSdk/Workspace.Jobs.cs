namespace AzureMlSdk;

public partial class Workspace
{
    private JobOperations? _jobs;
    private ComputeOperations? _computes;

    /// <summary>
    /// Jobs (az ml <c>job</c>; azure-ai-ml's <c>ml_client.jobs</c>): submit a <see cref="JobDefinition"/>, follow it, cancel it, download
    /// its outputs. On the local workspace jobs run on this machine; on Azure ML (and the Emulator) on the workspace's computes.
    /// </summary>
    public virtual JobOperations Jobs => _jobs ??= new JobOperations(this);

    /// <summary>
    /// Computes (az ml <c>compute</c>): <c>local</c> always exists; on the local workspace and the Emulator an <c>amlcompute</c>
    /// cluster is a pool of <c>max_instances</c> slots that jobs queue for, first in first out.
    /// </summary>
    public virtual ComputeOperations Computes => _computes ??= new ComputeOperations(this);
}
