using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Emulator.Arm;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// The jobs of a workspace as Azure ML shows them: ARM <c>Jobs_Get</c>, <c>Jobs_List</c> and <c>Jobs_Cancel</c> (api-version 2026-07-01)
/// over the Emulator's batch jobs (pipeline jobs, as Azure ML reports batch endpoint jobs), and run history's
/// <c>/history/v1.0/…/runs/{runId}/details</c>, where clients read a failed job's error (ARM jobs carry none).
/// </summary>
internal static class JobRoutes
{
    private const string Jobs = ArmEndpoints.Ws + "/jobs";
    private const string JobRoute = Jobs + "/{id}";
    private const string HistoryRun = "/history/v1.0" + ArmEndpoints.Ws + "/runs/{runId}";

    /// <summary>How long a GET of an unfinished job waits for it to end before answering, so pollers told <c>Retry-After: 0</c> do not spin.</summary>
    private static readonly TimeSpan PollHold = TimeSpan.FromMilliseconds(500);

    public static void Map(WebApplication app, WorkspaceRegistry registry, EmulatorEndpointHosting hosting)
    {
        void Route(string method, string pattern, Func<ArmEndpoints.ArmCall, WorkspaceBatchEndpoints, Task> handler, bool apiVersion = true) =>
            app.MapMethods(pattern, [method], (HttpContext c) => ArmEndpoints.RunAsync(c, registry, true, call => handler(call, hosting.BatchFor(call.Workspace)), apiVersion));

        Route("GET", Jobs, ListAsync);
        Route("GET", JobRoute, (call, batch) => GetAsync(call, batch, hosting.RetryAfterSeconds));
        Route("POST", JobRoute + "/cancel", CancelAsync);
        Route("GET", HistoryRun + "/details", RunDetailsAsync, apiVersion: false);
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

    private static BatchJobDocument RequireJob(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch) =>
        batch.Jobs.Store.Get(call.Route("id")) ?? throw JobNotFound(call, call.Route("id"));

    /// <summary>Jobs_List: <c>jobType</c>, <c>tag</c>, <c>properties</c> and <c>listViewType</c> filters, newest first, paged by <c>$skip</c>.</summary>
    private static Task ListAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
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
        var items = batch.Jobs.Store.List()
            .Select(j => Job(call.Workspace, j))
            .Where(_ => !view.Equals("ArchivedOnly", StringComparison.OrdinalIgnoreCase))
            .Where(j => jobType.Length == 0 || string.Equals(jobType, "Pipeline", StringComparison.OrdinalIgnoreCase))
            .Where(j => tag.Length == 0 || ArmEndpoints.MatchesPairs(j["properties"]!["tags"] as JsonObject, tag))
            .Where(j => properties.Length == 0 || ArmEndpoints.MatchesPairs(j["properties"]!["properties"] as JsonObject, properties))
            .OrderByDescending(j => j["systemData"]!["createdAt"]!.GetValue<string>(), StringComparer.Ordinal)
            .Select(j => (JsonNode)j)
            .ToList();
        return ArmEndpoints.PageAsync(call.Context, items);
    }

    /// <summary>Jobs_Get. An unfinished job is answered once it ends or after a short wait, with <c>Retry-After</c>.</summary>
    private static async Task GetAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch, int retryAfterSeconds)
    {
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

    /// <summary>Jobs_Cancel: 202 + <c>Location</c> while the job stops (CancelRequested, then Canceled); 200 for a job that has already ended.</summary>
    private static Task CancelAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var id = call.Route("id");
        if (batch.Jobs.Cancel(id) is not var (job, ended))
        {
            throw JobNotFound(call, id);
        }
        if (ended is null)
        {
            call.Context.Response.StatusCode = 200;
            return Task.CompletedTask;
        }
        var operation = batch.Operations.Start(call.Workspace.SubscriptionId, job.Location, ct => ended.WaitAsync(ct));
        batch.Operations.Announce(call.Context, operation, withLocation: true);
        call.Context.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ run history

    /// <summary>
    /// Run history's <c>RunDetails</c> of any run of the workspace: <c>runId</c>, <c>status</c>, times, tags, and for a failed batch job
    /// its error as <c>{"error": {"error": {"code", "message"}}}</c> (run history's <c>ErrorResponse</c> envelope).
    /// </summary>
    private static async Task RunDetailsAsync(ArmEndpoints.ArmCall call, WorkspaceBatchEndpoints batch)
    {
        var runId = call.Route("runId");
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
                ["error"] = new JsonObject { ["code"] = code, ["message"] = job.ErrorMessage, ["details"] = new JsonArray() },
                ["componentName"] = "BatchScoring",
                ["time"] = (job.EndedAt ?? job.CreatedAt).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            };
        }
        await ArmEndpoints.WriteAsync(call.Context, 200, details).ConfigureAwait(false);
    }
}
