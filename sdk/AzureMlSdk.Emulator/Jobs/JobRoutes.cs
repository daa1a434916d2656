using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// The jobs of a workspace as Azure ML shows them: ARM <c>Jobs_CreateOrUpdate</c>, <c>Jobs_Get</c>, <c>Jobs_List</c> and <c>Jobs_Cancel</c>
/// (api-version 2026-07-01) over the Emulator's batch jobs (pipeline jobs, as Azure ML reports batch endpoint jobs) and the command jobs of
/// the workspace's local backend (<see cref="IJobBackend"/>, run by the supervisor the Emulator hosts), and run history's
/// <c>/history/v1.0/…/runs/{runId}/details</c> (a failed job's error, its log files), <c>…/children</c> and the log files themselves
/// (<c>…/runs/{runId}/logfiles/user_logs/std_log.txt</c>, read by byte range: what a blob SAS URL is on Azure ML).
/// </summary>
internal static class JobRoutes
{
    private const string Jobs = ArmEndpoints.Ws + "/jobs";
    private const string JobRoute = Jobs + "/{id}";
    private const string HistoryRun = "/history/v1.0" + ArmEndpoints.Ws + "/runs/{runId}";

    /// <summary>Where the Emulator serves a job's log files (run history's <c>logFiles</c> URLs point here).</summary>
    internal const string LogFilesSegment = "logfiles";

    /// <summary>How long a GET of an unfinished job waits for it to end before answering, so pollers told <c>Retry-After: 0</c> do not spin.</summary>
    private static readonly TimeSpan PollHold = TimeSpan.FromMilliseconds(500);

    public static void Map(WebApplication app, WorkspaceRegistry registry, EmulatorEndpointHosting hosting)
    {
        void Route(string method, string pattern, Func<ArmEndpoints.ArmCall, WorkspaceBatchEndpoints, Task> handler, bool apiVersion = true) =>
            app.MapMethods(pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, call => handler(call, hosting.BatchFor(call.Workspace)), apiVersion));

        Route("GET", Jobs, ListAsync);
        Route("GET", JobRoute, (call, batch) => GetAsync(call, batch, hosting.RetryAfterSeconds));
        Route("PUT", JobRoute, (call, batch) => PutAsync(call, batch, hosting.RetryAfterSeconds));
        Route("POST", JobRoute + "/cancel", CancelAsync);
        Route("GET", HistoryRun + "/details", RunDetailsAsync, apiVersion: false);
        Route("GET", HistoryRun + "/children", ChildrenAsync, apiVersion: false);
        Route("GET", HistoryRun + "/" + LogFilesSegment + "/{**path}", LogFileAsync, apiVersion: false);
    }

    private static ArmException JobNotFound(ArmEndpoints.ArmCall call, string id) =>
        new(404, "ResourceNotFound", $"Job '{id}' was not found in workspace '{call.WorkspaceName}' (the Emulator serves the jobs of its batch endpoints).");

    // ------------------------------------------------------------------ ARM jobs

    /// <summary>A batch job as ARM <c>JobBase</c> (a <c>PipelineJob</c>): its input, its <c>score</c> output, status and experiment.</summary>
    public static JsonObject Job(EmulatorWorkspace ws, BatchJobDocument job) => new()
    {
        ["id"] = $"{ws.ResourceId}/jobs/{job.Name}",
        ["name"] = job.Name,
        ["type"] = ArmEndpoints.Provider + "/workspaces/jobs",
        ["systemData"] = ArmEndpoints.SystemData(job.CreatedAt, job.EndedAt ?? job.StartedAt ?? job.CreatedAt),
        ["properties"] = new JsonObject
        {
            ["jobType"] = "Pipeline",
            ["displayName"] = $"{job.EndpointName}-{job.DeploymentName}",
            ["experimentName"] = job.ExperimentName,
            ["status"] = job.Status,
            ["isArchived"] = false,
            ["description"] = $"Batch scoring with deployment '{job.DeploymentName}' of endpoint '{job.EndpointName}' (model {job.ModelName}:{job.ModelVersion}).",
            ["tags"] = new JsonObject(),
            ["properties"] = new JsonObject
            {
                ["azureml.batchrun"] = "true",
                ["azureml.endpointname"] = job.EndpointName,
                ["azureml.deploymentname"] = job.DeploymentName,
                ["azureml.model"] = $"{job.ModelName}:{job.ModelVersion}",
            },
            ["inputs"] = new JsonObject
            {
                ["input"] = new JsonObject { ["jobInputType"] = job.InputType, ["uri"] = job.InputUri, ["mode"] = "ReadOnlyMount" },
            },
            ["outputs"] = new JsonObject
            {
                ["score"] = new JsonObject { ["jobOutputType"] = "uri_folder", ["uri"] = job.OutputUri, ["mode"] = "ReadWriteMount" },
            },
            ["jobs"] = new JsonObject(),
            ["settings"] = new JsonObject(),
        },
    };

    /// <summary>How often a cancel operation looks whether its command job has stopped.</summary>
    private static readonly TimeSpan CancelPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The local backend's jobs of the call's workspace.</summary>
    private static IJobBackend LocalJobs(ArmEndpoints.ArmCall call) => call.Workspace.Backend.Jobs;

    /// <summary>A command job of the local backend, or null when there is none (or the backend runs no jobs).</summary>
    private static async Task<JobData?> FindCommandJobAsync(ArmEndpoints.ArmCall call, string name)
    {
        try
        {
            return await LocalJobs(call).GetAsync(name, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ResourceNotFoundException or AzureMlNotSupportedException or InvalidInputException)
        {
            return null;
        }
    }

    /// <summary>Every command job of the local backend (all pages), newest first; none when the backend runs no jobs.</summary>
    private static async Task<List<JobData>> ListCommandJobsAsync(ArmEndpoints.ArmCall call, string? parent, bool archived)
    {
        var all = new List<JobData>();
        string? token = null;
        try
        {
            do
            {
                var page = await LocalJobs(call).ListAsync(new JobQuery(parent, IncludeArchived: archived, MaxResults: 500, PageToken: token), call.Context.RequestAborted).ConfigureAwait(false);
                all.AddRange(page.Items.Where(j => j.Type is JobType.Command or JobType.AutoML or JobType.Sweep or JobType.Pipeline));
                token = page.NextPageToken;
            }
            while (token is not null);
        }
        catch (AzureMlNotSupportedException)
        {
            // a backend without jobs: the batch jobs alone
        }
        return all;
    }

    private static Uri Studio(ArmEndpoints.ArmCall call, string name) =>
        new($"{ArmEndpoints.Base(call.Context)}/mlflow/v1.0{call.Workspace.ResourceId}/jobs/{Uri.EscapeDataString(name)}");

    private static BatchJobDocument RequireJob(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch) =>
        batch.Jobs.Store.Get(call.Route("id")) ?? throw JobNotFound(call, call.Route("id"));

    /// <summary>Jobs_List: <c>jobType</c>, <c>tag</c>, <c>properties</c> and <c>listViewType</c> filters, newest first, paged by <c>$skip</c>.</summary>
    private static async Task ListAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var q = call.Context.Request.Query;
        var jobType = q["jobType"].ToString();
        var tag = q["tag"].ToString();
        var properties = q["properties"].ToString();
        var view = q["listViewType"].ToString();
        if (view.Length > 0 && view.ToUpperInvariant() is not ("ACTIVEONLY" or "ARCHIVEDONLY" or "ALL"))
        {
            throw new ArmException(400, "ValidationError", $"listViewType '{view}' is invalid: use ActiveOnly, ArchivedOnly or All.", "listViewType");
        }
        var archivedOnly = view.Equals("ArchivedOnly", StringComparison.OrdinalIgnoreCase);
        var activeOnly = view.Length == 0 || view.Equals("ActiveOnly", StringComparison.OrdinalIgnoreCase);
        var commandJobs = await ListCommandJobsAsync(call, null, archived: !activeOnly).ConfigureAwait(false);
        var items = batch.Jobs.Store.List()
            .Select(j => Job(call.Workspace, j))
            .Where(_ => !archivedOnly)
            .Concat(commandJobs.Where(j => !archivedOnly || j.IsArchived).Select(j => CommandJobResources.ToArm(call.Workspace.ResourceId, j, Studio(call, j.Name))))
            .Where(j => jobType.Length == 0 || string.Equals(jobType, j["properties"]!["jobType"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase))
            .Where(j => tag.Length == 0 || ArmEndpoints.MatchesPairs(j["properties"]!["tags"] as JsonObject, tag))
            .Where(j => properties.Length == 0 || ArmEndpoints.MatchesPairs(j["properties"]!["properties"] as JsonObject, properties))
            .OrderByDescending(j => j["systemData"]!["createdAt"]!.GetValue<string>(), StringComparer.Ordinal)
            .Select(j => (JsonNode)j)
            .ToList();
        await ArmEndpoints.PageAsync(call.Context, items).ConfigureAwait(false);
    }

    /// <summary>Jobs_Get. An unfinished batch job is answered once it ends or after a short wait, with <c>Retry-After</c>; a command job at once.</summary>
    private static async Task GetAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch, int retryAfterSeconds)
    {
        var id = call.Route("id");
        if (batch.Jobs.Store.Get(id) is null)
        {
            var command = await FindCommandJobAsync(call, id).ConfigureAwait(false) ?? throw JobNotFound(call, id);
            if (!command.Status.IsTerminal())
            {
                call.Context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            }
            await JobFiles.PublishAsync(call.Registry, call.Workspace, command, call.Context.RequestAborted).ConfigureAwait(false);
            await AutoMLJobResources.PublishTrialsAsync(call.Registry, call.Workspace, command, call.Context.RequestAborted).ConfigureAwait(false);
            await ArmEndpoints.WriteAsync(call.Context, 200, CommandJobResources.ToArm(call.Workspace.ResourceId, command, Studio(call, id))).ConfigureAwait(false);
            return;
        }
        var job = RequireJob(call, batch);
        if (!JobStatuses.IsTerminal(job.Status))
        {
            await batch.Jobs.WaitBrieflyAsync(job.Name, PollHold, call.Context.RequestAborted).ConfigureAwait(false);
            job = RequireJob(call, batch);
        }
        if (!JobStatuses.IsTerminal(job.Status))
        {
            call.Context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, Job(call.Workspace, job)).ConfigureAwait(false);
    }

    /// <summary>
    /// Jobs_CreateOrUpdate of a command job: 201 and the job handed to the local backend (its supervisor runs it). A PUT of an existing job
    /// with the same immutable fields is an update of the mutable ones (description, tags, display name, archive state) and answers 200 —
    /// so a PUT replayed after a lost reply finds the job it created; different immutable fields are a 400, as Azure ML answers.
    /// </summary>
    private static async Task PutAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch, int retryAfterSeconds)
    {
        var id = call.Route("id");
        if (id.Length > 255 || !char.IsAsciiLetterOrDigit(id[0]) || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArmException(400, "ValidationError", $"The job name '{Validate.Shorten(id)}' is invalid: use 1 to 255 letters, digits, '-' or '_', starting with a letter or digit.", "id");
        }
        if (batch.Jobs.Store.Get(id) is not null)
        {
            throw new ArmException(400, "UserError", $"Job '{id}' is a batch endpoint job; it cannot be replaced.");
        }
        var body = await ArmEndpoints.ReadBodyAsync(call.Context, required: true).ConfigureAwait(false);
        if (AutoMLJobResources.IsAutoML(body))
        {
            await AutoMLJobResources.PutAsync(call, body, id, retryAfterSeconds, Studio(call, id)).ConfigureAwait(false);
            return;
        }
        if (PipelineJobResources.IsPipeline(body))
        {
            await PipelineJobResources.PutAsync(call, body, id, retryAfterSeconds, Studio(call, id)).ConfigureAwait(false);
            return;
        }
        var (job, resource) = CommandJobResources.ReadAny(body, id);
        var ct = call.Context.RequestAborted;
        var jobs = LocalJobs(call);
        var existing = await FindCommandJobAsync(call, id).ConfigureAwait(false);
        JobData stored;
        if (existing is null)
        {
            try
            {
                if (job is SweepJob sweep)
                {
                    // The trial's code is materialised as a command job's is; the sweep's inputs (every trial's) likewise.
                    var trial = await JobFiles.MaterializeCodeAsync(call.Registry, call.Workspace, sweep.Trial!, ct).ConfigureAwait(false);
                    job = WithTrial(sweep, trial);
                    await JobFiles.MaterializeInputsAsync(call.Registry, call.Workspace, new CommandJob { Command = "true", Inputs = new Dictionary<string, Input>(sweep.TrialInputs, StringComparer.Ordinal) }, ct).ConfigureAwait(false);
                }
                else
                {
                    job = await JobFiles.MaterializeCodeAsync(call.Registry, call.Workspace, (CommandJob)job, ct).ConfigureAwait(false);
                    await JobFiles.MaterializeInputsAsync(call.Registry, call.Workspace, (CommandJob)job, ct).ConfigureAwait(false);
                }
                stored = await jobs.CreateOrUpdateAsync(job, null, ct).ConfigureAwait(false);
            }
            catch (JobDefinitionException ex)
            {
                throw new ArmException(400, "UserError", ex.Message, ex.Key is null ? null : "properties." + ex.Key);
            }
            catch (ResourceNotFoundException ex)
            {
                // What the job names does not exist (a compute, data, code): the message names it.
                throw new ArmException(404, "ResourceNotFound", ex.Message);
            }
            if (resource.Properties?.IsArchived == true)
            {
                await jobs.ArchiveAsync(id, true, ct).ConfigureAwait(false);
                stored = await jobs.GetAsync(id, ct).ConfigureAwait(false);
            }
            call.Context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await ArmEndpoints.WriteAsync(call.Context, 201, CommandJobResources.ToArm(call.Workspace.ResourceId, stored, Studio(call, id))).ConfigureAwait(false);
            return;
        }
        // The same job: the body it was submitted with, replayed, or the job as this route answers it, read back and PUT (an archive).
        var incoming = CommandJobResources.ImmutableHash(resource);
        var answered = JsonSerializer.Deserialize(CommandJobResources.ToArm(call.Workspace.ResourceId, existing).ToJsonString(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        if (existing.Properties.TryGetValue(CommandJobResources.DefinitionHashProperty, out var hash)
            && !string.Equals(hash, incoming, StringComparison.Ordinal)
            && !string.Equals(CommandJobResources.ImmutableHash(answered), incoming, StringComparison.Ordinal))
        {
            throw new ArmException(400, "UserError",
                $"Job '{id}' already exists with a different definition; only its description, tags, display name and archive state can be changed. Submit the new definition under a new name.");
        }
        var mutableChanged = existing.Description != job.Description || (job.DisplayName is not null && existing.DisplayName != job.DisplayName)
            || !existing.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(job.Tags.OrderBy(t => t.Key, StringComparer.Ordinal));
        if (mutableChanged)
        {
            try
            {
                await jobs.CreateOrUpdateAsync(job, null, ct).ConfigureAwait(false);
            }
            catch (ResourceExistsException ex)
            {
                throw new ArmException(400, "UserError", ex.Message);
            }
        }
        if (resource.Properties?.IsArchived is { } archived && archived != existing.IsArchived)
        {
            await jobs.ArchiveAsync(id, archived, ct).ConfigureAwait(false);
        }
        stored = await jobs.GetAsync(id, ct).ConfigureAwait(false);
        await ArmEndpoints.WriteAsync(call.Context, 200, CommandJobResources.ToArm(call.Workspace.ResourceId, stored, Studio(call, id))).ConfigureAwait(false);
    }

    /// <summary>A copy of <paramref name="sweep"/> running <paramref name="trial"/> (resolved: no component reference, no YAML positions).</summary>
    private static SweepJob WithTrial(SweepJob sweep, CommandJob trial) => new(sweep) { Source = null, Trial = trial, TrialComponent = null };

    /// <summary>Jobs_Cancel: 202 + <c>Location</c> while the job stops (CancelRequested, then Canceled); 200 for a job that has already ended.</summary>
    private static async Task CancelAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var id = call.Route("id");
        if (batch.Jobs.Store.Get(id) is null)
        {
            var command = await FindCommandJobAsync(call, id).ConfigureAwait(false) ?? throw JobNotFound(call, id);
            if (command.Status.IsTerminal())
            {
                call.Context.Response.StatusCode = 200;
                return;
            }
            var jobs = LocalJobs(call);
            await jobs.CancelAsync(id, call.Context.RequestAborted).ConfigureAwait(false);
            var stopping = batch.Operations.Start(call.Workspace.SubscriptionId, call.Workspace.Location, async ct =>
            {
                while (!(await jobs.GetAsync(id, ct).ConfigureAwait(false)).Status.IsTerminal())
                {
                    await Task.Delay(CancelPoll, ct).ConfigureAwait(false);
                }
            });
            batch.Operations.Announce(call.Context, stopping, withLocation: true);
            call.Context.Response.StatusCode = 202;
            return;
        }
        if (batch.Jobs.Cancel(id) is not var (job, ended))
        {
            throw JobNotFound(call, id);
        }
        if (ended is null)
        {
            call.Context.Response.StatusCode = 200;
            return;
        }
        var operation = batch.Operations.Start(call.Workspace.SubscriptionId, job.Location, ct => ended.WaitAsync(ct));
        batch.Operations.Announce(call.Context, operation, withLocation: true);
        call.Context.Response.StatusCode = 202;
    }

    // ------------------------------------------------------------------ run history

    /// <summary>
    /// Run history's <c>RunDetails</c> of any run of the workspace: <c>runId</c>, <c>status</c>, times, tags, and for a failed job its error as
    /// <c>{"error": {"error": {"code", "message"}}}</c> (run history's <c>ErrorResponse</c> envelope); a command job's <c>logFiles</c>.
    /// </summary>
    private static async Task RunDetailsAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var runId = call.Route("runId");
        if (batch.Jobs.Store.Get(runId) is null && await FindCommandJobAsync(call, runId).ConfigureAwait(false) is { } command)
        {
            await JobFiles.PublishAsync(call.Registry, call.Workspace, command, call.Context.RequestAborted).ConfigureAwait(false);
            var commandDetails = new JsonObject
            {
                ["runId"] = command.Name,
                ["runUuid"] = command.Name,
                ["parentRunId"] = command.ParentJobName,
                ["status"] = command.Status.ToString(),
                ["startTimeUtc"] = CommandJobResources.Time(command.StartedAt),
                ["endTimeUtc"] = CommandJobResources.Time(command.EndedAt),
                ["target"] = command.Compute ?? "local",
                ["tags"] = new JsonObject(command.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
                ["properties"] = new JsonObject(),
                ["logFiles"] = new JsonObject
                {
                    [RemoteLog] = $"{ArmEndpoints.Base(call.Context)}/history/v1.0{call.Workspace.ResourceId}/runs/{Uri.EscapeDataString(runId)}/{LogFilesSegment}/{RemoteLog}",
                },
                ["warnings"] = new JsonArray(),
            };
            if (command.Error is { } error && command.Status == JobStatus.Failed)
            {
                commandDetails["error"] = new JsonObject
                {
                    ["error"] = new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["details"] = new JsonArray() },
                    ["componentName"] = "CommandJob",
                    ["time"] = CommandJobResources.Time(command.EndedAt ?? command.CreatedAt),
                };
            }
            await ArmEndpoints.WriteAsync(call.Context, 200, commandDetails).ConfigureAwait(false);
            return;
        }
        RunData run;
        try
        {
            run = await call.Workspace.Backend.Tracking.GetRunAsync(runId, call.Context.RequestAborted).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            throw new ArmException(404, "UserError", $"Run '{runId}' was not found in workspace '{call.WorkspaceName}'.");
        }
        var job = batch.Jobs.Store.Get(runId);
        var details = new JsonObject
        {
            ["runId"] = run.RunId,
            ["runUuid"] = run.RunId,
            ["status"] = job?.Status ?? run.Status.ToString(),
            ["startTimeUtc"] = run.StartTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["endTimeUtc"] = run.EndTime?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["target"] = "local",
            ["tags"] = new JsonObject(run.Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))),
            ["properties"] = new JsonObject(),
        };
        if (job?.ErrorCode is { } code)
        {
            details["error"] = new JsonObject
            {
                ["error"] = new JsonObject { ["code"] = code, ["message"] = job.ErrorMessage, ["target"] = job.ErrorTarget, ["details"] = new JsonArray() },
                ["componentName"] = "BatchScoring",
                ["time"] = (job.EndedAt ?? job.CreatedAt).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            };
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, details).ConfigureAwait(false);
    }

    /// <summary>The one log file the Emulator lists for a command job (what azure-ai-ml streams).</summary>
    private const string RemoteLog = "user_logs/std_log.txt";

    /// <summary>Run history's child runs of a job (<c>PaginatedRunList</c>): a sweep's trials, a pipeline's steps.</summary>
    private static async Task ChildrenAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var runId = call.Route("runId");
        if (await FindCommandJobAsync(call, runId).ConfigureAwait(false) is null && batch.Jobs.Store.Get(runId) is null)
        {
            throw new ArmException(404, "UserError", $"Run '{runId}' was not found in workspace '{call.WorkspaceName}'.");
        }
        var children = await ListCommandJobsAsync(call, runId, archived: true).ConfigureAwait(false);
        var value = new JsonArray([.. children.Select(c => (JsonNode)new JsonObject
        {
            ["runId"] = c.Name,
            ["parentRunId"] = runId,
            ["status"] = c.Status.ToString(),
            ["displayName"] = c.DisplayName ?? c.Name,
            ["createdUtc"] = CommandJobResources.Time(c.CreatedAt),
        })]);
        await ArmEndpoints.WriteAsync(call.Context, 200, new JsonObject { ["value"] = value, ["continuationToken"] = null, ["nextLink"] = null }).ConfigureAwait(false);
    }

    /// <summary>
    /// A job's log file as a blob SAS URL serves it on Azure ML: the bytes, from the offset of a <c>Range: bytes=N-</c> header (206), 416
    /// past the end. Served from the local backend (<see cref="IJobBackend.ReadLogAsync"/>), so a running job's log is read as it grows.
    /// </summary>
    private static async Task LogFileAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var runId = call.Route("runId");
        var path = call.Route("path");
        if (path != RemoteLog)
        {
            throw new ArmException(404, "NotFound", $"Run '{runId}' has no log file '{Validate.Shorten(path)}'; the Emulator serves {RemoteLog}.");
        }
        long offset = 0;
        var range = call.Context.Request.Headers.Range.ToString();
        if (range.Length > 0)
        {
            if (!range.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || !range.EndsWith('-')
                || !long.TryParse(range.AsSpan(6, range.Length - 7), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw new ArmException(400, "InvalidRange", $"The Range header '{Validate.Shorten(range)}' is not supported: use 'bytes=<offset>-'.");
            }
        }
        if (await FindCommandJobAsync(call, runId).ConfigureAwait(false) is null)
        {
            throw new ArmException(404, "NotFound", $"Run '{runId}' was not found in workspace '{call.WorkspaceName}'.");
        }
        var chunk = await LocalJobs(call).ReadLogAsync(runId, offset, call.Context.RequestAborted).ConfigureAwait(false);
        var bytes = Encoding.UTF8.GetBytes(chunk.Text);
        var response = call.Context.Response;
        if (offset > 0 && bytes.Length == 0)
        {
            response.StatusCode = 416;
            response.Headers.ContentRange = "bytes */*";
            return;
        }
        response.StatusCode = offset > 0 ? 206 : 200;
        if (offset > 0)
        {
            response.Headers.ContentRange = $"bytes {offset}-{offset + bytes.Length - 1}/*";
        }
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, call.Context.RequestAborted).ConfigureAwait(false);
    }
}
