using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// AutoML jobs between ARM's 2026-07-01 <c>AutoMLJob</c> body and the local backend, which runs them with the same engine as the local
/// workspace (the <c>AzureMlSdk.AutoML</c> package, in the Emulator's process): a PUT body becomes an <see cref="AutoMLJob"/> whose data
/// inputs are the local workspace's (<c>azureml:name:version</c>, datastore paths copied from the blob container), and a stored AutoML
/// job (or trial) is answered as the <c>JobBase</c> the service returns.
/// </summary>
internal static class AutoMLJobResources
{
    /// <summary>Whether a PUT body is an AutoML job.</summary>
    public static bool IsAutoML(JsonObject body) =>
        string.Equals(body["properties"]?["jobType"]?.GetValue<string>(), "AutoML", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads a PUT body: the definition with this workspace's references made local.</summary>
    public static AutoMLJob Read(JsonObject body, string name)
    {
        var resource = JsonSerializer.Deserialize(body.ToJsonString(), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)
            ?? throw new ArmException(400, "InvalidRequestContent", "The request content must be a JobBase resource.");
        resource.Name = name;
        AutoMLJob job;
        try
        {
            job = ArmAutoMLMapping.FromArm(resource);
        }
        catch (Exception ex) when (ex is FormatException or InvalidInputException or AzureMlNotSupportedException)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        static Input? Local(Input? input) => input?.Path is null ? input : input.WithPath(ArmJobMapping.AssetFromId(input.Path));
        return job.With(name, job.Compute, Local(job.TrainingData), Local(job.ValidationData), Local(job.TestData));
    }

    /// <summary>
    /// Jobs_CreateOrUpdate of an AutoML job: its datastore inputs copied from the blob container into the local datastore, then handed to
    /// the local backend (201 for a new job; a replayed PUT of an existing one updates its mutable fields and answers 200).
    /// </summary>
    public static async Task PutAsync(ArmEndpoints.ArmCall call, JsonObject body, string id, int retryAfterSeconds, Uri studio)
    {
        var job = Read(body, id);
        var ct = call.Context.RequestAborted;
        var jobs = call.Workspace.Backend.Jobs;
        bool exists;
        try
        {
            exists = (await jobs.GetAsync(id, ct).ConfigureAwait(false)) is not null;
        }
        catch (ResourceNotFoundException)
        {
            exists = false;
        }
        JobData stored;
        try
        {
            if (!exists)
            {
                // The job engine reads datastore inputs from the local datastore: the Remote client uploaded them to the blob container.
                var inputs = new[] { job.TrainingData, job.ValidationData, job.TestData }.Where(i => i?.Path is not null).Select((input, i) => (i, input!));
                await JobFiles.MaterializeInputsAsync(call.Registry, call.Workspace,
                    new CommandJob { Command = "automl", Inputs = inputs.ToDictionary(x => "data" + x.i.ToString(CultureInfo.InvariantCulture), x => x.Item2, StringComparer.Ordinal) }, ct).ConfigureAwait(false);
            }
            stored = await jobs.CreateOrUpdateAsync(job, null, ct).ConfigureAwait(false);
        }
        catch (JobDefinitionException ex)
        {
            throw new ArmException(400, "UserError", ex.Message, ex.Key is null ? null : "properties.taskDetails." + ex.Key);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ArmException(404, "ResourceNotFound", ex.Message);
        }
        catch (ResourceExistsException ex)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        catch (AzureMlNotSupportedException ex)
        {
            throw new ArmException(400, "UserError", ex.Message);
        }
        if (!exists)
        {
            call.Context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
        await ArmEndpoints.WriteAsync(call.Context, exists ? 200 : 201, ToArm(call.Workspace.ResourceId, stored, studio)).ConfigureAwait(false);
    }

    /// <summary>
    /// Once an AutoML job has ended, its trials' run artifacts (model.onnx, mlflow-model/…) are published to the blob container too, so a
    /// client registers the best trial's model (<c>automl_best_child_run_id</c>) without reading each trial first.
    /// </summary>
    public static async Task PublishTrialsAsync(WorkspaceRegistry registry, EmulatorWorkspace ws, JobData job, CancellationToken cancellationToken)
    {
        if (job.Type != JobType.AutoML || job.ParentJobName is not null || !job.Status.IsTerminal())
        {
            return;
        }
        string? token = null;
        do
        {
            var page = await ws.Backend.Jobs.ListAsync(new JobQuery(job.Name, IncludeArchived: true, MaxResults: 500, PageToken: token), cancellationToken).ConfigureAwait(false);
            foreach (var trial in page.Items)
            {
                await JobFiles.PublishAsync(registry, ws, trial, cancellationToken).ConfigureAwait(false);
            }
            token = page.NextPageToken;
        }
        while (token is not null);
    }

    /// <summary>An AutoML job (or one of its trials, which carry the job's definition) as ARM's <c>JobBase</c> in <paramref name="workspaceId"/>.</summary>
    public static JsonObject ToArm(string workspaceId, JobData job, Uri? studio = null)
    {
        var definition = (AutoMLJob)job.Definition;
        var uris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, input) in new[] { ("training_data", definition.TrainingData), ("validation_data", definition.ValidationData), ("test_data", definition.TestData) })
        {
            if (input?.Path is { } path)
            {
                uris[key] = CommandJobResources.DataUri(workspaceId, path);
            }
        }
        return CommandJobResources.ArmBody(workspaceId, job, studio, "AutoML", () => ArmAutoMLMapping.ToArm(definition, new ArmJobReferences
        {
            EnvironmentId = "",
            ComputeId = job.Compute is { } compute ? $"{workspaceId}/computes/{compute}" : null,
            InputUris = uris,
        }), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties);
    }
}
