namespace AzureMlSdk.Backends.Remote.Mlflow;

/// <summary>
/// <see cref="ITrackingStore"/> over MLflow's tracking REST API, as Azure ML serves it at the workspace's
/// <c>mlFlowTrackingUri</c> (and any MLflow server does). Display names travel as <c>run_name</c> and tag
/// <c>mlflow.runName</c>, parents as tag <c>mlflow.parentRunId</c>; statuses map through <see cref="RunStatusExtensions"/>.
/// Runs and experiments are created exactly once (<see cref="IdempotentCreate"/>): each create carries a client key (tag
/// <see cref="ClientRunKeyTag"/> / <see cref="ClientExperimentKeyTag"/>, hidden from the returned data) that is looked up
/// after an ambiguous failure before creating again. <paramref name="maxRetries"/> bounds those re-creates.
/// </summary>
internal sealed class RemoteTrackingStore(IMlflowTrackingApi api, TimeProvider time, int maxRetries = 3) : ITrackingStore
{
    internal const string RunNameTag = "mlflow.runName";
    internal const string ParentRunIdTag = "mlflow.parentRunId";

    /// <summary>The run tag holding the client key of the create that made the run.</summary>
    internal const string ClientRunKeyTag = "azureml.clientRunKey";

    /// <summary>The experiment tag holding the client key of the create that made the experiment.</summary>
    internal const string ClientExperimentKeyTag = "azureml.clientExperimentKey";
    private const int HistoryPageSize = 25000;

    public async Task<ExperimentData> CreateExperimentAsync(string name, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken)
    {
        Validate.ExperimentName(name);
        var key = IdempotentCreate.NewKey();
        var sent = new List<MlflowTag>(ToTags(tags, "tag") ?? []) { new() { Key = ClientExperimentKeyTag, Value = key } };
        var request = new CreateExperimentRequest { Name = name, Tags = sent };
        var id = await IdempotentCreate.ExecuteAsync(
            async ct => (await api.CreateExperimentAsync(request, ct).ConfigureAwait(false)).ExperimentId
                ?? throw new AzureMlException($"The tracking server created experiment '{name}' without returning its id."),
            async ct => await FindExperimentByKeyAsync(name, key, ct).ConfigureAwait(false),
            maxRetries, time, cancellationToken).ConfigureAwait(false);
        return await GetExperimentAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After an ambiguous create: the id of experiment <paramref name="name"/> if our create made it; null if none exists yet.</summary>
    private async Task<string?> FindExperimentByKeyAsync(string name, string key, CancellationToken cancellationToken)
    {
        MlflowExperiment? found;
        try
        {
            found = (await api.GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false)).Experiment;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
        if (found is null)
        {
            return null;
        }
        var ours = found.Tags?.Any(t => t.Key == ClientExperimentKeyTag && t.Value == key) == true;
        return ours ? found.ExperimentId : throw new ResourceExistsException($"Experiment '{name}' already exists (created by another client).", AzureMlErrorCodes.ResourceAlreadyExists, 400, null);
    }

    public async Task<ExperimentData> GetExperimentAsync(string experimentId, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        var reply = await api.GetExperimentAsync(experimentId, cancellationToken).ConfigureAwait(false);
        return ToExperiment(reply.Experiment ?? throw NotFound("Experiment", experimentId));
    }

    public async Task<ExperimentData?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken)
    {
        Validate.Required(name, nameof(name));
        try
        {
            var reply = await api.GetExperimentByNameAsync(name, cancellationToken).ConfigureAwait(false);
            return reply.Experiment is null ? null : ToExperiment(reply.Experiment);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    public async Task<ResultPage<ExperimentData>> SearchExperimentsAsync(ExperimentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var reply = await api.SearchExperimentsAsync(new SearchExperimentsRequest
        {
            MaxResults = query.MaxResults,
            PageToken = query.PageToken,
            ViewType = ToViewType(query.ViewType),
            OrderBy = ["experiment_id ASC"],
        }, cancellationToken).ConfigureAwait(false);
        var items = (reply.Experiments ?? []).Select(ToExperiment).ToList();
        return new ResultPage<ExperimentData>(items, NullIfEmpty(reply.NextPageToken));
    }

    public async Task RenameExperimentAsync(string experimentId, string newName, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        Validate.ExperimentName(newName, nameof(newName));
        await api.UpdateExperimentAsync(new UpdateExperimentRequest { ExperimentId = experimentId, NewName = newName }, cancellationToken).ConfigureAwait(false);
    }

    public async Task SetExperimentTagAsync(string experimentId, string key, string value, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        Validate.Key(key, "tag");
        Validate.TagValue(key, value);
        await api.SetExperimentTagAsync(new SetExperimentTagRequest { ExperimentId = experimentId, Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteExperimentAsync(string experimentId, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        await api.DeleteExperimentAsync(new ExperimentIdRequest { ExperimentId = experimentId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RestoreExperimentAsync(string experimentId, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        await api.RestoreExperimentAsync(new ExperimentIdRequest { ExperimentId = experimentId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunData> CreateRunAsync(NewRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        Validate.Required(run.ExperimentId, nameof(run.ExperimentId));
        var tags = new Dictionary<string, string>(run.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(run.DisplayName))
        {
            if (run.DisplayName.Length > TrackingLimits.MaxNameLength)
            {
                throw new InvalidInputException($"Run name '{Validate.Shorten(run.DisplayName)}' is {run.DisplayName.Length} characters long; the limit is {TrackingLimits.MaxNameLength}.", "displayName");
            }
            tags[RunNameTag] = run.DisplayName;
        }
        if (!string.IsNullOrEmpty(run.ParentRunId))
        {
            tags[ParentRunIdTag] = run.ParentRunId;
        }
        var key = IdempotentCreate.NewKey();
        var request = new CreateRunRequest
        {
            ExperimentId = run.ExperimentId,
            RunName = string.IsNullOrEmpty(run.DisplayName) ? null : run.DisplayName,
            StartTime = run.StartTime.ToUnixTimeMilliseconds(),
            Tags = [.. ToTags(tags, "tag") ?? [], new MlflowTag { Key = ClientRunKeyTag, Value = key }],
        };
        var createdRun = await IdempotentCreate.ExecuteAsync(
            async ct => (await api.CreateRunAsync(request, ct).ConfigureAwait(false)).Run
                ?? throw new AzureMlException("The tracking server created a run without returning it."),
            ct => FindRunByKeyAsync(run.ExperimentId, key, ct),
            maxRetries, time, cancellationToken).ConfigureAwait(false);
        var created = ToRun(createdRun);
        if (run.Status != RunStatus.Running && run.Status.ToMlflowStatus() != "RUNNING")
        {
            created = await UpdateRunAsync(created.RunId, new RunUpdate(Status: run.Status), cancellationToken).ConfigureAwait(false);
        }
        return created;
    }

    /// <summary>After an ambiguous create: the run our create made (found by its client key), or null.</summary>
    private async Task<MlflowRun?> FindRunByKeyAsync(string experimentId, string key, CancellationToken cancellationToken)
    {
        var reply = await api.SearchRunsAsync(new SearchRunsRequest
        {
            ExperimentIds = [experimentId],
            Filter = $"tags.`{ClientRunKeyTag}` = '{key}'",
            RunViewType = "ALL",
            MaxResults = 2,
        }, cancellationToken).ConfigureAwait(false);
        return reply.Runs?.FirstOrDefault();
    }

    public async Task<RunData> GetRunAsync(string runId, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var reply = await api.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        return ToRun(reply.Run ?? throw NotFound("Run", runId));
    }

    public async Task<RunData> UpdateRunAsync(string runId, RunUpdate update, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(update);
        if (update.DisplayName is { Length: > TrackingLimits.MaxNameLength })
        {
            throw new InvalidInputException($"Run name '{Validate.Shorten(update.DisplayName)}' is {update.DisplayName.Length} characters long; the limit is {TrackingLimits.MaxNameLength}.", "displayName");
        }
        var request = new UpdateRunRequest
        {
            RunId = runId,
            RunUuid = runId,
            Status = update.Status?.ToMlflowStatus(),
            EndTime = update.EndTime?.ToUnixTimeMilliseconds(),
            RunName = update.DisplayName,
        };
        if (request.EndTime is null && update.Status is { } status && status.IsTerminal())
        {
            request.EndTime = time.GetUtcNow().ToUnixTimeMilliseconds();
        }
        await api.UpdateRunAsync(request, cancellationToken).ConfigureAwait(false);
        return await GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteRunAsync(string runId, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        await api.DeleteRunAsync(new RunIdRequest { RunId = runId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task RestoreRunAsync(string runId, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        await api.RestoreRunAsync(new RunIdRequest { RunId = runId }, cancellationToken).ConfigureAwait(false);
    }

    public async Task LogBatchAsync(string runId, LogBatch batch, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(batch);
        // The caller splits batches within TrackingLimits; an over-size batch is the server's to reject.
        var request = new LogBatchRequest
        {
            RunId = runId,
            Metrics = batch.Metrics.Count == 0 ? null : batch.Metrics.Select(m => new MlflowMetric
            {
                Key = Validate.Key(m.Key, "metric"),
                Value = m.Value,
                Step = m.Step,
                Timestamp = m.Timestamp.ToUnixTimeMilliseconds(),
            }).ToList(),
            Params = batch.Params.Count == 0 ? null : batch.Params.Select(p => new MlflowTag { Key = Validate.Key(p.Key, "param"), Value = Validate.ParamValue(p.Key, p.Value) }).ToList(),
            Tags = batch.Tags.Count == 0 ? null : batch.Tags.Select(t => new MlflowTag { Key = Validate.Key(t.Key, "tag"), Value = Validate.TagValue(t.Key, t.Value) }).ToList(),
        };
        await api.LogBatchAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteTagAsync(string runId, string key, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        Validate.Key(key, "tag");
        await api.DeleteTagAsync(new DeleteTagRequest { RunId = runId, Key = key }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        Validate.Key(key, "metric");
        var points = new List<MetricPoint>();
        string? token = null;
        do
        {
            var page = await api.GetMetricHistoryAsync(runId, key, token, HistoryPageSize, cancellationToken).ConfigureAwait(false);
            points.AddRange((page.Metrics ?? []).Select(ToPoint));
            token = NullIfEmpty(page.NextPageToken);
        }
        while (token is not null);
        points.Sort(static (a, b) => a.Step != b.Step ? a.Step.CompareTo(b.Step) : a.Timestamp.CompareTo(b.Timestamp));
        return points;
    }

    public async Task<ResultPage<RunData>> SearchRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ExperimentIds is null || query.ExperimentIds.Count == 0)
        {
            throw new InvalidInputException("A run search needs at least one experiment id.", "experimentIds");
        }
        if (query.MaxResults is < 1 or > TrackingLimits.MaxResultsPerPage)
        {
            throw new InvalidInputException($"MaxResults {query.MaxResults} is out of range: use 1 to {TrackingLimits.MaxResultsPerPage}.", "maxResults");
        }
        var reply = await api.SearchRunsAsync(new SearchRunsRequest
        {
            ExperimentIds = [.. query.ExperimentIds],
            Filter = string.IsNullOrWhiteSpace(query.Filter) ? null : query.Filter,
            RunViewType = ToViewType(query.ViewType),
            MaxResults = query.MaxResults,
            OrderBy = query.OrderBy is { Count: > 0 } order ? [.. order] : null,
            PageToken = query.PageToken,
        }, cancellationToken).ConfigureAwait(false);
        return new ResultPage<RunData>((reply.Runs ?? []).Select(ToRun).ToList(), NullIfEmpty(reply.NextPageToken));
    }

    // ---------------------------------------------------------------- members added to the contract later

    /// <summary>MLflow's default experiment name.</summary>
    internal const string DefaultExperimentName = "Default";

    public async Task<ExperimentData?> EnsureDefaultExperimentAsync(CancellationToken cancellationToken)
    {
        if (await GetExperimentByNameAsync(DefaultExperimentName, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }
        try
        {
            return await CreateExperimentAsync(DefaultExperimentName, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceExistsException)
        {
            return await GetExperimentByNameAsync(DefaultExperimentName, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DeleteExperimentTagAsync(string experimentId, string key, CancellationToken cancellationToken)
    {
        Validate.Required(experimentId, nameof(experimentId));
        Validate.Key(key, "tag");
        await api.DeleteExperimentTagAsync(new DeleteExperimentTagRequest { ExperimentId = experimentId, Key = key }, cancellationToken).ConfigureAwait(false);
    }

    public async Task LogInputsAsync(string runId, IReadOnlyList<RunDatasetInput> datasets, IReadOnlyList<string> modelIds, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(datasets);
        ArgumentNullException.ThrowIfNull(modelIds);
        await api.LogInputsAsync(new LogInputsRequest
        {
            RunId = runId,
            Datasets = datasets.Count == 0 ? null : datasets.Select(d => new MlflowDatasetInput
            {
                Tags = d.Tags is { Count: > 0 } tags ? tags.Select(t => new MlflowTag { Key = t.Key, Value = t.Value }).ToList() : null,
                Dataset = new MlflowDataset
                {
                    Name = d.Dataset.Name,
                    Digest = d.Dataset.Digest,
                    SourceType = d.Dataset.SourceType,
                    Source = d.Dataset.Source,
                    Schema = d.Dataset.Schema,
                    Profile = d.Dataset.Profile,
                },
            }).ToList(),
            Models = modelIds.Count == 0 ? null : modelIds.Select(m => new MlflowModelInput { ModelId = m }).ToList(),
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task LogOutputsAsync(string runId, IReadOnlyList<RunModelOutput> outputs, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        ArgumentNullException.ThrowIfNull(outputs);
        await api.LogOutputsAsync(new LogOutputsRequest
        {
            RunId = runId,
            Models = outputs.Select(o => new MlflowModelOutput { ModelId = o.ModelId, Step = o.Step }).ToList(),
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RunInputsOutputs> GetRunInputsOutputsAsync(string runId, CancellationToken cancellationToken)
    {
        Validate.Required(runId, nameof(runId));
        var run = (await api.GetRunAsync(runId, cancellationToken).ConfigureAwait(false)).Run ?? throw NotFound("Run", runId);
        var datasets = (run.Inputs?.DatasetInputs ?? []).Select(d => new RunDatasetInput(
            new DatasetData(d.Dataset?.Name ?? string.Empty, d.Dataset?.Digest ?? string.Empty, d.Dataset?.SourceType ?? string.Empty, d.Dataset?.Source ?? string.Empty, d.Dataset?.Schema, d.Dataset?.Profile),
            (d.Tags ?? []).Select(t => new KeyValuePair<string, string>(t.Key ?? string.Empty, t.Value ?? string.Empty)).ToList())).ToList();
        var inputs = (run.Inputs?.ModelInputs ?? []).Select(m => m.ModelId ?? string.Empty).ToList();
        var outputs = (run.Outputs?.ModelOutputs ?? []).Select(m => new RunModelOutput(m.ModelId ?? string.Empty, m.Step)).ToList();
        return datasets.Count + inputs.Count + outputs.Count == 0 ? RunInputsOutputs.None : new RunInputsOutputs(datasets, inputs, outputs);
    }

    public async Task<LoggedModelData> CreateLoggedModelAsync(NewLoggedModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        Validate.Required(model.ExperimentId, nameof(model.ExperimentId));
        if (model.ModelId is not null)
        {
            throw new InvalidInputException("An MLflow tracking server assigns logged model ids; create the model without one.", "modelId");
        }
        var reply = await api.CreateLoggedModelAsync(new CreateLoggedModelRequest
        {
            ExperimentId = model.ExperimentId,
            Name = string.IsNullOrEmpty(model.Name) ? null : model.Name,
            ModelType = string.IsNullOrEmpty(model.ModelType) ? null : model.ModelType,
            SourceRunId = string.IsNullOrEmpty(model.SourceRunId) ? null : model.SourceRunId,
            Tags = ToTags(model.Tags, "tag"),
            Params = ToParams(model.Params),
        }, cancellationToken).ConfigureAwait(false);
        return ToLoggedModel(reply.Model ?? throw new AzureMlException("The tracking server created a logged model without returning it."));
    }

    public async Task<LoggedModelData> GetLoggedModelAsync(string modelId, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        var reply = await api.GetLoggedModelAsync(modelId, cancellationToken).ConfigureAwait(false);
        return ToLoggedModel(reply.Model ?? throw NotFound("Logged model", modelId));
    }

    public async Task<LoggedModelData> FinalizeLoggedModelAsync(string modelId, LoggedModelStatus status, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        var reply = await api.FinalizeLoggedModelAsync(modelId, new FinalizeLoggedModelRequest { ModelId = modelId, Status = LoggedModelStatusNames.ToMlflow(status) }, cancellationToken).ConfigureAwait(false);
        return ToLoggedModel(reply.Model ?? throw NotFound("Logged model", modelId));
    }

    public async Task DeleteLoggedModelAsync(string modelId, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        await api.DeleteLoggedModelAsync(modelId, cancellationToken).ConfigureAwait(false);
    }

    public async Task SetLoggedModelTagsAsync(string modelId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        ArgumentNullException.ThrowIfNull(tags);
        await api.SetLoggedModelTagsAsync(modelId, new LoggedModelTagsRequest { Tags = ToTags(tags, "tag") ?? [] }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteLoggedModelTagAsync(string modelId, string key, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        Validate.Key(key, "tag");
        await api.DeleteLoggedModelTagAsync(modelId, key, cancellationToken).ConfigureAwait(false);
    }

    public async Task LogLoggedModelParamsAsync(string modelId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        Validate.Required(modelId, nameof(modelId));
        ArgumentNullException.ThrowIfNull(parameters);
        await api.LogLoggedModelParamsAsync(modelId, new LoggedModelParamsRequest { ModelId = modelId, Params = ToParams(parameters) ?? [] }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ResultPage<LoggedModelData>> SearchLoggedModelsAsync(LoggedModelQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ExperimentIds is not { Count: > 0 })
        {
            throw new InvalidInputException("A logged-model search needs at least one experiment id.", "experimentIds");
        }
        var reply = await api.SearchLoggedModelsAsync(new SearchLoggedModelsRequest
        {
            ExperimentIds = [.. query.ExperimentIds],
            Filter = string.IsNullOrWhiteSpace(query.Filter) ? null : query.Filter,
            OrderBy = query.OrderBy is { Count: > 0 } order ? order.Select(o => new LoggedModelOrderBy { FieldName = o.Field, Ascending = o.Ascending }).ToList() : null,
            MaxResults = query.MaxResults,
            PageToken = query.PageToken,
        }, cancellationToken).ConfigureAwait(false);
        return new ResultPage<LoggedModelData>((reply.Models ?? []).Select(ToLoggedModel).ToList(), NullIfEmpty(reply.NextPageToken));
    }

    private static LoggedModelData ToLoggedModel(MlflowLoggedModel model)
    {
        var info = model.Info ?? new MlflowLoggedModelInfo();
        var created = FromMillis(info.CreationTimestampMs) ?? DateTimeOffset.UnixEpoch;
        return new LoggedModelData(
            info.ModelId ?? string.Empty,
            info.ExperimentId ?? string.Empty,
            info.Name ?? string.Empty,
            LoggedModelStatusNames.FromMlflow(info.Status) ?? LoggedModelStatus.Pending,
            string.IsNullOrEmpty(info.ModelType) ? null : info.ModelType,
            string.IsNullOrEmpty(info.SourceRunId) ? null : info.SourceRunId,
            ToDictionary(info.Tags),
            ToDictionary(model.Data?.Params),
            created,
            FromMillis(info.LastUpdatedTimestampMs) ?? created,
            info.ArtifactUri);
    }

    private static List<MlflowTag>? ToParams(IReadOnlyDictionary<string, string>? parameters) =>
        parameters is null || parameters.Count == 0
            ? null
            : parameters.Select(p => new MlflowTag { Key = Validate.Key(p.Key, "param"), Value = Validate.ParamValue(p.Key, p.Value) }).ToList();

    internal static string ToViewType(ViewType viewType) => viewType switch
    {
        ViewType.ActiveOnly => "ACTIVE_ONLY",
        ViewType.DeletedOnly => "DELETED_ONLY",
        ViewType.All => "ALL",
        _ => throw new InvalidInputException($"Unknown view type {viewType}.", "viewType"),
    };

    internal static ExperimentData ToExperiment(MlflowExperiment e)
    {
        var created = FromMillis(e.CreationTime) ?? DateTimeOffset.UnixEpoch;
        var tags = ToDictionary(e.Tags);
        tags.Remove(ClientExperimentKeyTag);
        return new ExperimentData(
            e.ExperimentId ?? string.Empty,
            e.Name ?? string.Empty,
            tags,
            string.Equals(e.LifecycleStage, "deleted", StringComparison.OrdinalIgnoreCase),
            created,
            FromMillis(e.LastUpdateTime) ?? created,
            e.ArtifactLocation);
    }

    internal static RunData ToRun(MlflowRun run)
    {
        var info = run.Info ?? new MlflowRunInfo();
        var tags = ToDictionary(run.Data?.Tags);
        tags.Remove(ClientRunKeyTag);
        var runId = info.RunId ?? info.RunUuid ?? string.Empty;
        var latest = new Dictionary<string, MetricPoint>(StringComparer.Ordinal);
        foreach (var metric in run.Data?.Metrics ?? [])
        {
            var point = ToPoint(metric);
            if (!latest.TryGetValue(point.Key, out var seen) || point.Step > seen.Step || (point.Step == seen.Step && point.Timestamp >= seen.Timestamp))
            {
                latest[point.Key] = point;
            }
        }
        return new RunData(
            runId,
            info.ExperimentId ?? string.Empty,
            info.RunName ?? (tags.TryGetValue(RunNameTag, out var n) ? n : string.Empty),
            string.IsNullOrEmpty(info.Status) ? RunStatus.Running : RunStatusExtensions.ParseRunStatus(info.Status),
            FromMillis(info.StartTime) ?? DateTimeOffset.UnixEpoch,
            FromMillis(info.EndTime),
            tags.TryGetValue(ParentRunIdTag, out var parent) ? parent : null,
            ToDictionary(run.Data?.Params),
            tags,
            latest,
            string.Equals(info.LifecycleStage, "deleted", StringComparison.OrdinalIgnoreCase),
            info.ArtifactUri);
    }

    private static MetricPoint ToPoint(MlflowMetric m) =>
        new(m.Key ?? string.Empty, m.Value, m.Step, DateTimeOffset.FromUnixTimeMilliseconds(m.Timestamp));

    private static DateTimeOffset? FromMillis(long? millis) =>
        millis is { } ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private static Dictionary<string, string> ToDictionary(List<MlflowTag>? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags ?? [])
        {
            if (tag.Key is not null)
            {
                result[tag.Key] = tag.Value ?? string.Empty;
            }
        }
        return result;
    }

    private static List<MlflowTag>? ToTags(IReadOnlyDictionary<string, string>? tags, string kind)
    {
        if (tags is null || tags.Count == 0)
        {
            return null;
        }
        return tags.Select(t => new MlflowTag { Key = Validate.Key(t.Key, kind), Value = Validate.TagValue(t.Key, t.Value) }).ToList();
    }

    private static string? NullIfEmpty(string? token) => string.IsNullOrEmpty(token) ? null : token;

    private static ResourceNotFoundException NotFound(string what, string id) =>
        new($"{what} '{id}' was not found on the tracking server.");
}
