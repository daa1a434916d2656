namespace AzureMlSdk.Serving.Batch;

/// <summary>
/// Batch endpoints of the local workspace: a job is a run (experiment = endpoint name) that scores the input files
/// (<see cref="BatchFileScoring"/>) and uploads <c>outputs/&lt;predictions&gt;</c> and <c>outputs/errors.jsonl</c>.
/// </summary>
internal sealed class LocalBatchScoring
{
    private readonly Dictionary<string, (BatchEndpointData Data, Dictionary<string, BatchDeploymentSpec> Deployments)> _endpoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();
    private readonly IModelRegistry _models;
    private readonly ITrackingStore _tracking;
    private readonly IArtifactStore _artifacts;
    private readonly string _root;
    private readonly TimeProvider _time;

    public LocalBatchScoring(IModelRegistry models, ITrackingStore tracking, IArtifactStore artifacts, string root, TimeProvider time)
    {
        _models = models;
        _tracking = tracking;
        _artifacts = artifacts;
        _root = root;
        _time = time;
    }

    public BatchEndpointData CreateOrUpdate(BatchEndpointSpec spec)
    {
        lock (_lock)
        {
            if (_endpoints.TryGetValue(spec.Name, out var existing))
            {
                var updated = existing.Data with { Description = spec.Description ?? existing.Data.Description };
                _endpoints[spec.Name] = (updated, existing.Deployments);
                return updated;
            }
            var data = new BatchEndpointData(spec.Name, spec.Description, null, []);
            _endpoints[spec.Name] = (data, new Dictionary<string, BatchDeploymentSpec>(StringComparer.OrdinalIgnoreCase));
            return data;
        }
    }

    public BatchEndpointData Get(string name)
    {
        lock (_lock)
        {
            return Find(name).Data;
        }
    }

    public IReadOnlyList<BatchEndpointData> List()
    {
        lock (_lock)
        {
            return _endpoints.Values.Select(e => e.Data).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        }
    }

    public BatchDeploymentData GetDeployment(string endpointName, string deploymentName)
    {
        lock (_lock)
        {
            return Find(endpointName).Deployments.TryGetValue(deploymentName, out var spec)
                ? BatchDeploymentData.FromSpec(endpointName, spec)
                : throw new ResourceNotFoundException($"Batch endpoint '{endpointName}' has no deployment '{deploymentName}'.");
        }
    }

    public IReadOnlyList<BatchDeploymentData> ListDeployments(string endpointName)
    {
        lock (_lock)
        {
            return Find(endpointName).Deployments.Values.Select(s => BatchDeploymentData.FromSpec(endpointName, s)).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        }
    }

    public void Delete(string name)
    {
        lock (_lock)
        {
            Find(name);
            _endpoints.Remove(name);
        }
    }

    public BatchEndpointData Deploy(string endpointName, BatchDeploymentSpec spec, bool makeDefault)
    {
        lock (_lock)
        {
            var (data, deployments) = Find(endpointName);
            deployments[spec.Name] = spec;
            var updated = data with
            {
                DefaultDeployment = makeDefault || data.DefaultDeployment is null ? spec.Name : data.DefaultDeployment,
                Deployments = deployments.Keys.Order(StringComparer.Ordinal).ToList(),
            };
            _endpoints[endpointName] = (updated, deployments);
            return updated;
        }
    }

    private (BatchEndpointData Data, Dictionary<string, BatchDeploymentSpec> Deployments) Find(string name) =>
        _endpoints.TryGetValue(name, out var endpoint) ? endpoint
            : throw new ResourceNotFoundException($"Batch endpoint '{name}' does not exist in the local workspace.");

    public async Task<BatchScoringResult> InvokeAsync(string endpointName, string? deploymentName, string inputPath, IProgress<BatchScoringProgress>? progress, CancellationToken cancellationToken)
    {
        BatchDeploymentSpec spec;
        lock (_lock)
        {
            var (data, deployments) = Find(endpointName);
            var name = deploymentName ?? data.DefaultDeployment
                ?? throw new InvalidStateException($"Batch endpoint '{endpointName}' has no deployment yet; deploy one first.");
            spec = deployments.TryGetValue(name, out var found) ? found
                : throw new ResourceNotFoundException($"Batch endpoint '{endpointName}' has no deployment '{name}'; it has: {(deployments.Count == 0 ? "none" : string.Join(", ", deployments.Keys))}.");
        }
        inputPath = BatchInputs.Root(inputPath);
        var files = BatchInputs.Resolve(inputPath);
        var run = await StartRunAsync(_tracking, endpointName, spec, RunStatus.Running, _time, cancellationToken).ConfigureAwait(false);

        var status = RunStatus.Failed;
        try
        {
            var outcome = await BatchFileScoring.ScoreAsync(_models, spec, endpointName, files, _root, _time, progress, cancellationToken).ConfigureAwait(false);
            var predictions = "outputs/" + spec.OutputFileName;
            var errors = "outputs/" + BatchScoringResult.ErrorsFileName;
            using (var content = outcome.Predictions())
            {
                await _artifacts.UploadAsync(run.RunId, predictions, content, null, cancellationToken).ConfigureAwait(false);
            }
            using (var content = outcome.Errors())
            {
                await _artifacts.UploadAsync(run.RunId, errors, content, null, cancellationToken).ConfigureAwait(false);
            }
            await _tracking.LogBatchAsync(run.RunId, LogBatch.OfMetrics(outcome.Metrics(_time.GetUtcNow())), cancellationToken).ConfigureAwait(false);
            status = outcome.Exceeds(spec.ErrorThreshold) ? RunStatus.Failed : RunStatus.Completed;
            return new BatchScoringResult(run.RunId, endpointName, status, outcome.Files, outcome.RowsScored, outcome.RowsFailed, predictions, errors);
        }
        catch (OperationCanceledException)
        {
            status = RunStatus.Canceled;
            throw;
        }
        finally
        {
            await _tracking.UpdateRunAsync(run.RunId, new RunUpdate(status, _time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates a batch job's run in the experiment named after the endpoint (as Azure ML does; created when missing), tagged with the
    /// endpoint, deployment and model. Shared with the Emulator, whose jobs are runs of its workspaces too.
    /// </summary>
    internal static async Task<RunData> StartRunAsync(ITrackingStore tracking, string endpointName, BatchDeploymentSpec spec, RunStatus status, TimeProvider time, CancellationToken cancellationToken)
    {
        var experiment = await tracking.GetExperimentByNameAsync(endpointName, cancellationToken).ConfigureAwait(false);
        if (experiment is null)
        {
            try
            {
                experiment = await tracking.CreateExperimentAsync(endpointName, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceExistsException)
            {
                experiment = await tracking.GetExperimentByNameAsync(endpointName, cancellationToken).ConfigureAwait(false)
                    ?? throw new ResourceNotFoundException($"Experiment '{endpointName}' vanished while being created.");
            }
        }
        var tags = new Dictionary<string, string>
        {
            ["azureml.batch_endpoint"] = endpointName,
            ["azureml.batch_deployment"] = spec.Name,
            ["azureml.model"] = $"{spec.ModelName}:{spec.ModelVersion}",
        };
        return await tracking.CreateRunAsync(new NewRun(experiment.ExperimentId, $"{endpointName}-{spec.Name}", time.GetUtcNow(), Tags: tags, Status: status), cancellationToken).ConfigureAwait(false);
    }
}
