using System.Text.Json.Serialization;
using AzureMlSdk.Emulator.Arm;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>Job statuses as ARM spells them (<c>JobStatus</c>), the subset the Emulator's batch jobs go through.</summary>
internal static class JobStatuses
{
    public const string NotStarted = "NotStarted";
    public const string Running = "Running";
    public const string CancelRequested = "CancelRequested";
    public const string Completed = "Completed";
    public const string Failed = "Failed";
    public const string Canceled = "Canceled";

    public static bool IsTerminal(string status) => status is Completed or Failed or Canceled;

    /// <summary>The status of the job's run in the tracking store.</summary>
    public static RunStatus ToRunStatus(string status) => status switch
    {
        NotStarted => RunStatus.NotStarted,
        Running => RunStatus.Running,
        CancelRequested => RunStatus.CancelRequested,
        Completed => RunStatus.Completed,
        Canceled => RunStatus.Canceled,
        _ => RunStatus.Failed,
    };
}

/// <summary>
/// A batch job as the Emulator keeps it: what it scores with (a copy of its deployment's settings when it was started), its input and
/// output in the default datastore, its status and, once failed, its error. Its name is also its run's id.
/// </summary>
internal sealed class BatchJobDocument
{
    public string Name { get; set; } = "";

    public string EndpointName { get; set; } = "";

    public string DeploymentName { get; set; } = "";

    public string ModelName { get; set; } = "";

    public int ModelVersion { get; set; }

    public int MiniBatchSize { get; set; }

    public int MaxConcurrency { get; set; }

    public int ErrorThreshold { get; set; }

    public string OutputFileName { get; set; } = "";

    /// <summary><c>AppendRow</c> (predictions file written) or <c>SummaryOnly</c>.</summary>
    public string OutputAction { get; set; } = "AppendRow";

    /// <summary>The run's experiment (the endpoint's name, as in Azure ML).</summary>
    public string ExperimentName { get; set; } = "";

    /// <summary>ARM <c>jobInputType</c>: <c>uri_folder</c> or <c>uri_file</c>.</summary>
    public string InputType { get; set; } = "uri_folder";

    /// <summary>The input as given (<c>azureml://datastores/workspaceblobstore/paths/…</c>).</summary>
    public string InputUri { get; set; } = "";

    /// <summary>The input's blob path in the default datastore.</summary>
    public string InputPath { get; set; } = "";

    /// <summary>The region, for the cancel operation's URLs.</summary>
    public string Location { get; set; } = "local";

    public string Status { get; set; } = JobStatuses.NotStarted;

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    /// <summary>What the error is about (ARM <c>ErrorDetail.target</c>), e.g. the input column a model misses.</summary>
    public string? ErrorTarget { get; set; }

    /// <summary>The <c>score</c> output folder's blob path (predictions and <c>errors.jsonl</c>).</summary>
    [JsonIgnore]
    public string OutputPath => $"azureml/{Name}/score/";

    /// <summary>The <c>score</c> output as a datastore URI, as ARM reports it.</summary>
    [JsonIgnore]
    public string OutputUri => $"azureml://datastores/{ArmEndpoints.DefaultDatastore}/paths/{OutputPath}";
}

/// <summary>A workspace's batch jobs, one JSON file each under <c>&lt;workspace&gt;/batch-jobs/</c>.</summary>
internal sealed class BatchJobStore(string workspaceFolder)
    : JsonDocumentStore<BatchJobDocument>(FolderOf(workspaceFolder), BatchJobJsonContext.Default.BatchJobDocument, d => d.Name)
{
    private static string FolderOf(string workspaceFolder) => Path.Combine(workspaceFolder, "batch-jobs");

    /// <summary>True when the workspace folder holds jobs.</summary>
    public static bool HasAny(string workspaceFolder) => HasAnyIn(FolderOf(workspaceFolder));
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BatchJobDocument))]
internal sealed partial class BatchJobJsonContext : JsonSerializerContext;
