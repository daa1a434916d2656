using System.Runtime.CompilerServices;
using AzureMlSdk.Operations;

namespace AzureMlSdk;

/// <summary>
/// A batch endpoint: scores folders of files with one of its deployments as a job, writing the predictions as the job
/// run's output. On a local workspace jobs run in this process and the endpoint lives as long as the workspace object; on
/// Azure ML the endpoint is an ARM <c>batchEndpoints</c> resource and each invocation is a job on its compute.
/// </summary>
public class BatchEndpoint
{
    private readonly Workspace _workspace = null!;
    private BatchEndpointData _data = null!;

    /// <summary>For mocking only.</summary>
    protected BatchEndpoint() { }

    internal BatchEndpoint(Workspace workspace, BatchEndpointData data)
    {
        _workspace = workspace;
        _data = data;
    }

    /// <summary>The endpoint name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>Description.</summary>
    public virtual string? Description => _data.Description;

    /// <summary>The deployment used when an invocation names none.</summary>
    public virtual string? DefaultDeployment => _data.DefaultDeployment;

    /// <summary>Deployment names (<see cref="ListDeploymentsAsync"/> gives the deployments themselves).</summary>
    public virtual IReadOnlyList<string> Deployments => _data.Deployments;

    /// <summary>The workspace.</summary>
    public virtual Workspace Workspace => _workspace;

    /// <summary>Gets a deployment; throws <see cref="ResourceNotFoundException"/>.</summary>
    public virtual async Task<BatchDeployment> GetDeploymentAsync(string deploymentName, CancellationToken cancellationToken = default)
    {
        Validate.DeploymentName(deploymentName, nameof(deploymentName));
        return new BatchDeployment(this, await _workspace.Backend.Endpoints.GetBatchDeploymentAsync(Name, deploymentName, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The endpoint's deployments, by name.</summary>
    public virtual async IAsyncEnumerable<BatchDeployment> ListDeploymentsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var data in await _workspace.Backend.Endpoints.ListBatchDeploymentsAsync(Name, cancellationToken).ConfigureAwait(false))
        {
            yield return new BatchDeployment(this, data);
        }
    }

    /// <summary>Reloads the endpoint (default deployment, deployment names).</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await _workspace.Backend.Endpoints.GetBatchEndpointAsync(Name, cancellationToken).ConfigureAwait(false);

    /// <summary>Creates or replaces a deployment; the first one, or any with <paramref name="makeDefault"/>, becomes the default.</summary>
    public virtual Task<BatchDeployment> DeployAsync(BatchDeploymentSpec spec, bool makeDefault = false, CancellationToken cancellationToken = default) =>
        DeployAsync(spec, makeDefault, null, cancellationToken);

    /// <summary>Creates or replaces a deployment; the first one, or any with <paramref name="makeDefault"/>, becomes the default.</summary>
    /// <param name="spec">The deployment.</param>
    /// <param name="makeDefault">Makes it the endpoint's default even when it already has one.</param>
    /// <param name="progress">Receives provisioning steps (Azure ML deployments are long-running operations).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<BatchDeployment> DeployAsync(BatchDeploymentSpec spec, bool makeDefault, IProgress<string>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        await _workspace.RequireModelVersionAsync(spec.ModelName, spec.ModelVersion, $"batch deployment '{Name}/{spec.Name}'", cancellationToken).ConfigureAwait(false);
        await using (var ordered = OrderedProgress<string>.Wrap(progress))
        {
            _data = await _workspace.Backend.Endpoints.CreateOrUpdateBatchDeploymentAsync(Name, spec, makeDefault, ordered.Progress, cancellationToken).ConfigureAwait(false);
        }
        return await GetDeploymentAsync(spec.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts creating or replacing a deployment and returns the operation, whose value is the endpoint as it then stands.</summary>
    /// <param name="spec">The deployment.</param>
    /// <param name="makeDefault">Makes it the endpoint's default even when it already has one.</param>
    /// <param name="progress">Receives provisioning steps.</param>
    /// <param name="cancellationToken">Cancels starting the operation (not the operation).</param>
    public virtual async Task<AzureMlOperation<BatchEndpoint>> BeginDeployAsync(BatchDeploymentSpec spec, bool makeDefault = false, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        await _workspace.RequireModelVersionAsync(spec.ModelName, spec.ModelVersion, $"batch deployment '{Name}/{spec.Name}'", cancellationToken).ConfigureAwait(false);
        return await OperationRunner.StartAsync(_workspace, OperationKind.BatchDeployment, Name, spec.Name, async (p, ct) =>
            new BatchEndpoint(_workspace, await _workspace.Backend.Endpoints.CreateOrUpdateBatchDeploymentAsync(Name, spec, makeDefault, p, ct).ConfigureAwait(false)),
            progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Scores every <c>.csv</c> (header row = column names), <c>.jsonl</c> (one JSON object per line) and <c>.parquet</c> file under
    /// <paramref name="inputPath"/> (or the files of an MLTable folder: <c>read_delimited</c>, <c>read_json_lines</c>, <c>read_parquet</c>) in mini-batches and returns once the job run has ended. Rows that fail are scored
    /// again one by one; those that still fail are written to the errors file and counted, never dropped.
    /// On Azure ML the files are uploaded to the workspace's default datastore and the endpoint runs the job on its compute;
    /// this waits for it and copies its predictions into the job run's <c>outputs/</c>. On every backend a job past its
    /// <see cref="BatchDeploymentSpec.ErrorThreshold"/> returns with <see cref="RunStatus.Failed"/> and its outputs; a job that fails
    /// otherwise (its model, its input, the service) raises <see cref="InvalidStateException"/> carrying the job's error, as does a
    /// remote job canceled by someone else (see <c>Endpoints/README.md</c> for what else differs).
    /// </summary>
    /// <param name="inputPath">A file or a folder (searched recursively).</param>
    /// <param name="deploymentName">The deployment; the default when null.</param>
    /// <param name="progress">Receives progress after each mini-batch (locally) or each job status change (remotely).</param>
    /// <param name="cancellationToken">Cancels the job (its run ends Canceled).</param>
    public virtual async Task<BatchScoringResult> InvokeAsync(string inputPath, string? deploymentName = null, IProgress<BatchScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        Validate.Required(inputPath, nameof(inputPath));
        if (deploymentName is not null)
        {
            Validate.DeploymentName(deploymentName, nameof(deploymentName));
        }
        await using var ordered = OrderedProgress<BatchScoringProgress>.Wrap(progress);
        return await _workspace.Backend.Endpoints.InvokeBatchEndpointAsync(Name, deploymentName, Path.GetFullPath(inputPath), ordered.Progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the endpoint and its deployments.</summary>
    public virtual Task DeleteAsync(CancellationToken cancellationToken = default) => DeleteAsync(null, cancellationToken);

    /// <summary>Deletes the endpoint and its deployments.</summary>
    /// <param name="progress">Receives deletion steps.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task DeleteAsync(IProgress<string>? progress, CancellationToken cancellationToken = default)
    {
        await using var ordered = OrderedProgress<string>.Wrap(progress);
        await _workspace.Backend.Endpoints.DeleteBatchEndpointAsync(Name, ordered.Progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deleting the endpoint and its deployments and returns the operation (its value is true once deleted).</summary>
    /// <param name="progress">Receives deletion steps.</param>
    /// <param name="cancellationToken">Cancels starting the operation (not the operation).</param>
    public virtual Task<AzureMlOperation<bool>> BeginDeleteAsync(IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.StartAsync(_workspace, OperationKind.BatchEndpointDelete, Name, null, async (p, ct) =>
        {
            await _workspace.Backend.Endpoints.DeleteBatchEndpointAsync(Name, p, ct).ConfigureAwait(false);
            return true;
        }, progress, cancellationToken);

    /// <inheritdoc />
    public override string ToString() => Name;
}
