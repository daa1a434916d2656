using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Jobs;
using HistoryRunDetails = AzureMlSdk.Backends.Remote.History.RunDetails;

namespace AzureMlSdk.Backends.Remote.Jobs;

/// <summary>
/// Jobs on Azure ML (and the Emulator) as azure-ai-ml's <c>JobOperations</c> runs them: ARM <c>jobs</c> PUT with the 2026-07-01
/// <c>CommandJob</c> body under a client-chosen name (so a replayed PUT targets the same job), the code folder uploaded as a code
/// asset and local inputs to the default datastore first (through <see cref="IWorkspaceBackend.Assets"/> and
/// <see cref="IWorkspaceBackend.Datastores"/>), environments, data and computes named by their ARM ids; the job's error, its log
/// files and its children from run history; cancel as the ARM long-running action; download in az ml's layout.
/// </summary>
internal sealed partial class RemoteJobBackend : IJobBackend
{
    /// <summary>The log a command job streams (azure-ai-ml's common-runtime pattern <c>user_logs/std_log.txt</c>).</summary>
    internal const string StdLog = "user_logs/std_log.txt";

    private const int LogReadAttempts = 3;

    private readonly IArmCommandJobsApi _jobs;
    private readonly ArmLongRunningOperation _lro;
    private readonly WorkspaceCoordinates _ws;
    private readonly IRunHistoryApi _history;
    private readonly HttpClient _historyHttp;
    private readonly HttpClient _blobHttp;
    private readonly IWorkspaceBackend _owner;
    private readonly TimeProvider _time;

    /// <summary>Creates the backend.</summary>
    /// <param name="jobs">ARM jobs.</param>
    /// <param name="lro">The ARM long-running-operation poller (cancel).</param>
    /// <param name="ws">The workspace.</param>
    /// <param name="history">Run history (errors, log files, children).</param>
    /// <param name="historyHttp">The run-history host's client (with the ARM token): reads log URLs on that host (the Emulator serves them there).</param>
    /// <param name="blobHttp">A client without credentials: reads log URLs elsewhere (blob SAS URLs on Azure ML), so the token never leaves the workspace's hosts.</param>
    /// <param name="owner">The workspace backend whose assets, datastores, computes and artifacts a job uses.</param>
    /// <param name="time">Clock for waits between log read attempts.</param>
    public RemoteJobBackend(IArmCommandJobsApi jobs, ArmLongRunningOperation lro, WorkspaceCoordinates ws, IRunHistoryApi history,
        HttpClient historyHttp, HttpClient blobHttp, IWorkspaceBackend owner, TimeProvider time)
    {
        _jobs = jobs;
        _lro = lro;
        _ws = ws;
        _history = history;
        _historyHttp = historyHttp;
        _blobHttp = blobHttp;
        _owner = owner;
        _time = time;
    }

    // ------------------------------------------------------------------ submit

    /// <inheritdoc />
    public async Task<JobData> CreateOrUpdateAsync(JobDefinition job, IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job is AutoMLJob automl)
        {
            return await SubmitAutoMLAsync(automl, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        if (job is SweepJob sweep)
        {
            return await CreateSweepAsync(sweep, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        if (job is PipelineJob pipeline)
        {
            return await CreatePipelineAsync(pipeline, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        if (job is not CommandJob command)
        {
            job.Validate();   // a bad definition is named as such on every backend, before the kind is refused
            throw new AzureMlNotSupportedException($"Submitting a {job.Type} job to Azure ML is not supported; command, sweep, pipeline and AutoML jobs are.");
        }
        command.Validate();
        // The name is chosen here, before anything is sent (as azure-ai-ml does): every retry of the PUT names the same job.
        var named = command.Name is null ? new CommandJob(command) { Name = JobNameGenerator.New() } : command;
        var references = await ResolveAsync(named, uploadProgress, cancellationToken).ConfigureAwait(false);
        var body = ArmJobMapping.ToArm(named, references);
        var stored = await _jobs.CreateOrUpdateJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, named.Name!, body, cancellationToken).ConfigureAwait(false);
        return ToJobData(stored, null);
    }

    /// <summary>
    /// A sweep as azure-ai-ml submits it: the trial's code uploaded, its environment and compute resolved and the local inputs (the
    /// trial's and the sweep's) uploaded exactly as for a command job, then the 2026-07-01 <c>SweepJob</c> body PUT under a name chosen here.
    /// </summary>
    private async Task<JobData> CreateSweepAsync(SweepJob sweep, IProgress<long>? uploadProgress, CancellationToken cancellationToken)
    {
        sweep.Validate();
        var name = sweep.Name ?? JobNameGenerator.New();
        var trial = sweep.TrialFor();
        ArmJobReferences references;
        try
        {
            references = await ResolveAsync(trial, uploadProgress, cancellationToken).ConfigureAwait(false);
        }
        catch (JobDefinitionException ex) when (ex.Key is "environment" or "code")
        {
            // The trial's own keys are under trial: in a sweep (trial.environment, trial.code), as az ml's sweep YAML writes them.
            throw new JobDefinitionException($"the sweep's trial: {ex.Reason}", sweep.SourcePath, key: "trial." + ex.Key, innerException: ex);
        }
        var body = ArmSweepJobMapping.ToArm(sweep, references);
        body.Name = name;
        var stored = await _jobs.CreateOrUpdateJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, ArmSweepJobMapping.ToWire(body), cancellationToken).ConfigureAwait(false);
        return ToJobData(stored, null);
    }

    /// <summary>The ARM ids and URIs the body needs: code uploaded, environment registered or found, compute found, local inputs uploaded.</summary>
    internal async Task<ArmJobReferences> ResolveAsync(CommandJob job, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        RequireEnvironment(job); // before the code is uploaded: a job Azure ML refuses leaves nothing behind
        var codeId = job.Code is null ? null : await ResolveCodeAsync(job, progress, cancellationToken).ConfigureAwait(false);
        var environmentId = await ResolveEnvironmentAsync(job, cancellationToken).ConfigureAwait(false);
        var computeId = await ResolveComputeAsync(job, cancellationToken).ConfigureAwait(false);
        var inputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, input) in job.Inputs)
        {
            if (input.IsLiteral || input.Path is null || input.IsBinding)
            {
                continue;
            }
            if (await ResolveInputAsync(job, name, input, progress, cancellationToken).ConfigureAwait(false) is { } uri)
            {
                inputUris[name] = uri;
            }
        }
        return new ArmJobReferences { CodeId = codeId, EnvironmentId = environmentId, ComputeId = computeId, InputUris = inputUris };
    }

    private async Task<string> ResolveCodeAsync(CommandJob job, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var reference = AssetReference.Parse(job.Code!);
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var snapshot = await _owner.Assets.CreateCodeAsync(reference.Path!, progress, cancellationToken).ConfigureAwait(false);
                return snapshot.Id;
            case AssetReferenceKind.ArmId:
                return reference.Path!;
            case AssetReferenceKind.Asset when reference.Version is not null:
                return AssetId("codes", reference.Name!, reference.Version);
            case AssetReferenceKind.RegistryAsset:
                return reference.Text;
            default:
                throw new JobDefinitionException($"code '{job.Code}' must be a local folder, azureml:<name>:<version> or a code asset's ARM id.", job.SourcePath, key: "code");
        }
    }

    /// <summary>
    /// Azure ML runs every job in a named environment: a job without one is refused at submit (keyed <c>environment</c>), where the local
    /// workspace runs it in the host's.
    /// </summary>
    private static void RequireEnvironment(CommandJob job)
    {
        if (job.Environment is null)
        {
            throw new JobDefinitionException(NoEnvironment, job.SourcePath, key: "environment");
        }
    }

    /// <summary>Why a job without an environment is refused on Azure ML, and what to write instead.</summary>
    private const string NoEnvironment =
        "a command job on Azure ML needs an 'environment' (azureml:<name>:<version>, azureml:<name>@latest, a registry environment such as " +
        "azureml://registries/azureml/environments/sklearn-1.5/labels/latest, or an inline image); the local workspace runs one without it on the host.";

    private async Task<string> ResolveEnvironmentAsync(CommandJob job, CancellationToken cancellationToken)
    {
        RequireEnvironment(job);
        if (job.Environment!.Inline is { } inline)
        {
            var created = await _owner.Assets.CreateEnvironmentAsync(inline.Name is null ? Anonymous(inline) : inline, cancellationToken).ConfigureAwait(false);
            return created.Id;
        }
        var reference = job.Environment.ParsedReference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.Asset when reference.Version is not null:
                return AssetId("environments", reference.Name!, reference.Version);
            case AssetReferenceKind.Asset:
                var found = await _owner.Assets.GetEnvironmentAsync(reference.Name!, null, reference.Label ?? "latest", cancellationToken).ConfigureAwait(false);
                return found.Id;
            case AssetReferenceKind.ArmId:
                return reference.Path!;
            case AssetReferenceKind.RegistryAsset:
                return reference.Text;
            default:
                throw new JobDefinitionException($"environment '{job.Environment.Reference}' must be azureml:<name>:<version>, azureml:<name>@<label>, an ARM id or a registry environment.", job.SourcePath, key: "environment");
        }
    }

    private async Task<string?> ResolveComputeAsync(CommandJob job, CancellationToken cancellationToken)
    {
        var name = job.ComputeName;
        if (name is null || string.Equals(name, "serverless", StringComparison.OrdinalIgnoreCase))
        {
            return null; // serverless compute: Azure ML picks it
        }
        if (string.Equals(name, "local", StringComparison.OrdinalIgnoreCase))
        {
            return $"{_ws.ResourceId}/computes/local";
        }
        try
        {
            // An unknown compute is a ResourceNotFoundException naming it, before anything is submitted.
            return (await _owner.Computes.GetAsync(name, cancellationToken).ConfigureAwait(false)).Id;
        }
        catch (AzureMlNotSupportedException)
        {
            return $"{_ws.ResourceId}/computes/{name}"; // a backend without the computes concern: let ARM judge the id
        }
    }

    private async Task<string?> ResolveInputAsync(CommandJob job, string name, Input input, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var reference = input.Reference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var local = reference.Path!;
                if (!File.Exists(local) && !Directory.Exists(local))
                {
                    throw new JobDefinitionException($"input '{name}' is the local path '{local}', which does not exist.", job.SourcePath, key: $"inputs.{name}.path");
                }
                // As azure-ai-ml: LocalUpload/<content hash>/<file or folder name> on the default datastore. The hash makes a retried submit
                // upload to the same place (the datastore checks every file's SHA-256 and never leaves a partial one).
                var leaf = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(local)));
                var destination = $"LocalUpload/{await ContentHashAsync(local, cancellationToken).ConfigureAwait(false)}/{leaf}";
                var datastores = _owner.Datastores;
                return await datastores.UploadAsync(local, destination, datastores.DefaultDatastoreName, progress, cancellationToken).ConfigureAwait(false);
            case AssetReferenceKind.Asset when reference.Version is not null:
                return "azureml:" + AssetId("data", reference.Name!, reference.Version);
            case AssetReferenceKind.Asset:
                var data = await _owner.Assets.GetDataAsync(reference.Name!, null, reference.Label ?? "latest", cancellationToken).ConfigureAwait(false);
                return "azureml:" + data.Id.TrimStart();
            default:
                return null; // datastore paths, job outputs, registry assets, ARM ids and URLs go as written
        }
    }

    private string AssetId(string type, string name, string version) => $"{_ws.ResourceId}/{type}/{name}/versions/{version}";

    /// <summary>
    /// An inline environment without a name, registered as azure-ai-ml registers one: <c>CliV2AnonymousEnvironment</c>, version = its content hash
    /// (30 hex digits, so that it is a valid asset version everywhere: the Emulator and the local workspace accept at most 30 characters).
    /// </summary>
    internal static EnvironmentAsset Anonymous(EnvironmentAsset inline)
    {
        var conda = inline.CondaSpecification ?? (inline.CondaFile is { } file && File.Exists(file) ? File.ReadAllText(file) : inline.CondaFile);
        var identity = string.Join('\n', inline.Image ?? "", conda ?? "", inline.Build?.Path ?? "", inline.Build?.DockerfilePath ?? "", inline.OsType ?? "");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..30];
        return new EnvironmentAsset
        {
            Name = "CliV2AnonymousEnvironment",
            Version = hash,
            Description = inline.Description,
            Tags = inline.Tags,
            Properties = inline.Properties,
            Image = inline.Image,
            CondaFile = inline.CondaFile,
            CondaSpecification = inline.CondaSpecification,
            Build = inline.Build,
            OsType = inline.OsType,
            Datastore = inline.Datastore,
            InferenceConfig = inline.InferenceConfig,
        };
    }

    /// <summary>SHA-256 (hex, 32 digits) over a file's bytes, or over a folder's relative paths and file hashes in ordinal order.</summary>
    internal static async Task<string> ContentHashAsync(string path, CancellationToken cancellationToken)
    {
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (File.Exists(path))
        {
            all.AppendData(await HashFileAsync(path, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Select(f => (Relative: Path.GetRelativePath(path, f).Replace('\\', '/'), Full: f))
                .OrderBy(f => f.Relative, StringComparer.Ordinal);
            foreach (var (relative, full) in files)
            {
                all.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
                all.AppendData(await HashFileAsync(full, cancellationToken).ConfigureAwait(false));
            }
        }
        return Convert.ToHexStringLower(all.GetHashAndReset())[..32];

        static async Task<byte[]> HashFileAsync(string file, CancellationToken ct)
        {
            await using var stream = File.OpenRead(file);
            return await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ read

    /// <inheritdoc />
    public async Task<JobData> GetAsync(string name, CancellationToken cancellationToken)
    {
        var resource = await GetResourceAsync(name, cancellationToken).ConfigureAwait(false);
        var status = ParseStatus(resource.Properties?.Status);
        // ARM's JobBase has no error and no start/end times: run history has them (azure-ai-ml reads the error there too).
        HistoryRunDetails? details = null;
        if (status.IsTerminal())
        {
            try
            {
                details = await _history.GetDetailsAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                // a job whose run history is gone (or not written yet): the ARM fields alone
            }
        }
        return ToJobData(resource, details);
    }

    private async Task<ArmResource<CommandJobProperties>> GetResourceAsync(string name, CancellationToken cancellationToken)
    {
        ValidateName(name);
        try
        {
            return await _jobs.GetJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new ResourceNotFoundException($"Job '{name}' was not found in workspace '{_ws.WorkspaceName}'.", ex.ErrorCode, ex.Status, ex.RequestId, ex);
        }
    }

    /// <inheritdoc />
    public async Task<ResultPage<JobData>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.ParentJobName is { } parent)
        {
            return await ListChildrenAsync(parent, query, cancellationToken).ConfigureAwait(false);
        }
        var page = await _jobs.ListJobsAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, query.PageToken, null, null,
            query.IncludeArchived ? "All" : "ActiveOnly", cancellationToken).ConfigureAwait(false);
        var items = (page.Value ?? []).Where(r => r.Name is not null && IsReadable(r)).Select(r => ToJobData(r, null)).ToList();
        return new ResultPage<JobData>(items, SkipToken(page.NextLink));
    }

    /// <summary>As azure-ai-ml lists a parent's children: run history's child runs, each read through ARM.</summary>
    private async Task<ResultPage<JobData>> ListChildrenAsync(string parent, JobQuery query, CancellationToken cancellationToken)
    {
        await GetResourceAsync(parent, cancellationToken).ConfigureAwait(false); // an unknown parent is a 404 naming it
        var page = await _history.GetChildrenAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, parent, query.PageToken,
            query.MaxResults > 0 ? query.MaxResults : null, cancellationToken).ConfigureAwait(false);
        var items = new List<JobData>();
        foreach (var child in page.Value ?? [])
        {
            if (child.RunId is null)
            {
                continue;
            }
            try
            {
                var resource = await _jobs.GetJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, child.RunId, cancellationToken).ConfigureAwait(false);
                if (IsReadable(resource) && (query.IncludeArchived || resource.Properties?.IsArchived != true))
                {
                    items.Add(ToJobData(resource, null) with { ParentJobName = parent });
                }
            }
            catch (ResourceNotFoundException)
            {
                // a child run that is not a job (e.g. a helper run): azure-ai-ml skips what it cannot parse as well
            }
        }
        return new ResultPage<JobData>(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
    }

    /// <summary>The <c>$skip</c> value of an ARM <c>nextLink</c>: the next page's token.</summary>
    internal static string? SkipToken(string? nextLink)
    {
        if (string.IsNullOrEmpty(nextLink) || !Uri.TryCreate(nextLink, UriKind.Absolute, out var uri))
        {
            return null;
        }
        foreach (var part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && Uri.UnescapeDataString(part[..eq]) == "$skip")
            {
                return Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }
        return null;
    }

    /// <summary>Command, sweep, pipeline and AutoML jobs are read whole; jobs of other kinds (Spark, …) are left out of listings.</summary>
    private static bool IsReadable(ArmResource<CommandJobProperties> resource) =>
        string.Equals(resource.Properties?.JobType, "Command", StringComparison.OrdinalIgnoreCase) || IsAutoML(resource.Properties)
        || ArmSweepJobMapping.IsSweep(resource) || ArmPipelineJobWire.IsPipeline(resource);

    // ------------------------------------------------------------------ cancel, archive

    /// <inheritdoc />
    public async Task CancelAsync(string name, CancellationToken cancellationToken)
    {
        var job = await GetResourceAsync(name, cancellationToken).ConfigureAwait(false);
        if (ParseStatus(job.Properties?.Status).IsTerminal())
        {
            return; // a finished job is left as it is
        }
        var response = await _jobs.CancelJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        // 202 + Location: wait until the service has stopped the job (the LRO ends when it is Canceled).
        await _lro.WaitAsync(response, ArmJsonContext.Default.ArmEmpty, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ArchiveAsync(string name, bool archived, CancellationToken cancellationToken)
    {
        // As azure-ai-ml's archive/restore: read the job, set isArchived, PUT it back (the other fields unchanged).
        var job = await GetResourceAsync(name, cancellationToken).ConfigureAwait(false);
        if (job.Properties is null || job.Properties.IsArchived == archived)
        {
            return;
        }
        job.Properties.IsArchived = archived;
        var body = new ArmResource<CommandJobProperties> { Properties = job.Properties };
        body.Properties.Status = null; // read-only
        await _jobs.CreateOrUpdateJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, body, cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ logs

    /// <inheritdoc />
    public async Task<JobLogChunk> ReadLogAsync(string name, long offset, CancellationToken cancellationToken)
    {
        ValidateName(name);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        HistoryRunDetails details;
        try
        {
            details = await _history.GetDetailsAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // Run history may not know a job submitted a moment ago: a job ARM knows has an empty log so far.
            var job = await GetResourceAsync(name, cancellationToken).ConfigureAwait(false);
            return new JobLogChunk("", offset, ParseStatus(job.Properties?.Status).IsTerminal());
        }
        var terminal = ParseStatus(details.Status).IsTerminal();
        if (FindStdLog(details.LogFiles) is not { } url)
        {
            return new JobLogChunk("", offset, terminal);
        }
        var bytes = await ReadFromAsync(url, offset, cancellationToken).ConfigureAwait(false);
        // Whole lines only while the job writes (a line may be half written); everything once it has ended.
        var length = terminal ? bytes.Length : Array.LastIndexOf(bytes, (byte)'\n') + 1;
        return new JobLogChunk(Encoding.UTF8.GetString(bytes, 0, length), offset + length, terminal);
    }

    /// <summary>The main log among run history's log files: <c>user_logs/std_log.txt</c>, else the first of the process-0 logs azure-ai-ml streams.</summary>
    internal static string? FindStdLog(Dictionary<string, string>? logFiles)
    {
        if (logFiles is null || logFiles.Count == 0)
        {
            return null;
        }
        if (logFiles.TryGetValue(StdLog, out var url))
        {
            return url;
        }
        return logFiles.Where(l => l.Key.StartsWith("user_logs/std_log", StringComparison.Ordinal) || l.Key.StartsWith("azureml-logs/70_driver_log", StringComparison.Ordinal))
            .OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value).FirstOrDefault();
    }

    /// <summary>The bytes of <paramref name="url"/> from <paramref name="offset"/> on (an HTTP range read; 416 = nothing new).</summary>
    private async Task<byte[]> ReadFromAsync(string url, long offset, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new AzureMlException("Run history gave a log URL that is not http(s).", AzureMlErrorCodes.InternalError, 502);
        }
        // The ARM token goes to the run-history host only (the Emulator serves logs there); a blob SAS URL carries its own authorization.
        var sameHost = _historyHttp.BaseAddress is { } history && string.Equals(history.Authority, uri.Authority, StringComparison.OrdinalIgnoreCase)
            && history.Scheme == uri.Scheme;
        var client = sameHost ? _historyHttp : _blobHttp;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Range = new RangeHeaderValue(offset, null);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                {
                    return [];
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw await RemoteErrors.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
                }
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                // A server that ignores Range answers 200 with the whole file: skip what was read before.
                return response.StatusCode == HttpStatusCode.PartialContent || offset == 0 ? bytes
                    : offset >= bytes.Length ? [] : bytes[(int)offset..];
            }
            catch (Exception ex) when (attempt < LogReadAttempts && !cancellationToken.IsCancellationRequested
                && ex is HttpRequestException or ServiceUnavailableException or IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // ------------------------------------------------------------------ download

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> DownloadAsync(string name, string destinationDirectory, string? outputName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationDirectory);
        var job = await GetResourceAsync(name, cancellationToken).ConfigureAwait(false);
        var outputs = job.Properties?.Outputs ?? [];
        if (outputName is not null && !outputs.ContainsKey(outputName))
        {
            throw new ResourceNotFoundException($"Job '{name}' has no output named '{outputName}'; its outputs are: {(outputs.Count == 0 ? "none" : string.Join(", ", outputs.Keys))}.");
        }
        var root = Path.GetFullPath(destinationDirectory);
        var written = new List<string>();
        if (outputName is null)
        {
            written.AddRange(await DownloadArtifactsAsync(name, Path.Combine(root, "artifacts"), progress, cancellationToken).ConfigureAwait(false));
        }
        foreach (var (outName, output) in outputs.Where(o => outputName is null || o.Key == outputName))
        {
            var target = Path.Combine(root, "named-outputs", outName);
            var uri = OutputUri(name, outName, output);
            try
            {
                written.AddRange(await _owner.Datastores.DownloadAsync(uri, target, progress, cancellationToken).ConfigureAwait(false));
            }
            catch (ResourceNotFoundException) when (outputName is null)
            {
                // an output the job left empty: nothing to download
            }
        }
        return written;
    }

    /// <summary>Where a named output is: its <c>uri</c>, else Azure ML's default <c>azureml://datastores/workspaceblobstore/paths/azureml/&lt;job&gt;/&lt;output&gt;/</c>.</summary>
    internal static string OutputUri(string jobName, string outputName, ArmJobOutput? output) =>
        output?.Uri is { } uri && AssetReference.Parse(uri).Kind == AssetReferenceKind.DatastorePath ? uri
            : $"azureml://datastores/workspaceblobstore/paths/azureml/{jobName}/{outputName}/";

    private async Task<IReadOnlyList<string>> DownloadArtifactsAsync(string runId, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var written = new List<string>();
        var items = await _owner.Artifacts.ListAsync(runId, null, cancellationToken).ConfigureAwait(false);
        foreach (var item in items)
        {
            var path = Path.GetFullPath(Path.Combine(target, item.Path));
            if (!path.StartsWith(target + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidInputException($"Artifact '{Validate.Shorten(item.Path)}' of job '{runId}' would be written outside '{target}'.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + ".partial";
            await using (var file = File.Create(partial))
            {
                await _owner.Artifacts.DownloadAsync(runId, item.Path, file, progress, cancellationToken).ConfigureAwait(false);
            }
            File.Move(partial, path, overwrite: true);
            written.Add(path);
        }
        return written;
    }

    // ------------------------------------------------------------------ mapping

    /// <summary>An ARM job (and, when read, its run-history details) as the contract's record.</summary>
    internal static JobData ToJobData(ArmResource<CommandJobProperties> resource, HistoryRunDetails? details)
    {
        var p = resource.Properties ?? throw new AzureMlException($"The service answered job '{resource.Name}' without properties.", AzureMlErrorCodes.InternalError, 502);
        var name = resource.Name ?? throw new AzureMlException("The service answered a job without a name.", AzureMlErrorCodes.InternalError, 502);
        var status = ParseStatus(p.Status);
        JobError? error = null;
        if (details?.ReadError() is ({ } code, var message))
        {
            error = new JobError(code, message ?? code);
        }
        else if (status == JobStatus.Canceled)
        {
            error = new JobError("Canceled", $"Job '{name}' was canceled.");
        }
        else if (status == JobStatus.Failed)
        {
            error = new JobError("Failed", $"Job '{name}' failed; its log (user_logs/std_log.txt) says why.");
        }
        JobDefinition definition = ArmSweepJobMapping.IsSweep(resource) ? ArmSweepJobMapping.FromArm(ArmSweepJobMapping.FromWire(resource))
            : ArmPipelineJobWire.IsPipeline(resource) ? ArmPipelineJobWire.DefinitionOf(resource)
            : DefinitionOf(resource);
        return new JobData
        {
            Name = name,
            Type = ParseType(p.JobType),
            Status = status,
            Definition = definition,
            DisplayName = p.DisplayName,
            ExperimentName = p.ExperimentName ?? "Default",
            RunId = name,
            Compute = p.ComputeId is null ? null : ArmJobMapping.ComputeFromId(p.ComputeId),
            Description = p.Description,
            Tags = definition.Tags.ToDictionary(StringComparer.Ordinal),
            Properties = definition.Properties.ToDictionary(StringComparer.Ordinal),
            CreatedAt = resource.SystemData?.CreatedAt ?? DateTimeOffset.MinValue,
            StartedAt = Time(details, "startTimeUtc"),
            EndedAt = Time(details, "endTimeUtc"),
            Error = error,
            IsArchived = p.IsArchived == true,
            OutputUris = (p.Outputs ?? []).Where(o => o.Value?.Uri is not null).ToDictionary(o => o.Key, o => o.Value!.Uri!, StringComparer.Ordinal),
            Services = (p.Services ?? []).Where(s => Uri.TryCreate(s.Value?.Endpoint, UriKind.Absolute, out _))
                .ToDictionary(s => s.Key, s => new Uri(s.Value!.Endpoint!), StringComparer.Ordinal),
        };
    }

    private static DateTimeOffset? Time(HistoryRunDetails? details, string field) =>
        details?.Extra is { } extra && extra.TryGetValue(field, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t : null;

    /// <summary>ARM's (and run history's) job status names as <see cref="JobStatus"/>.</summary>
    internal static JobStatus ParseStatus(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        null or "" or "NOTSTARTED" => JobStatus.NotStarted,
        "STARTING" => JobStatus.Starting,
        "PROVISIONING" or "PREPARING" => JobStatus.Preparing,
        "QUEUED" => JobStatus.Queued,
        "RUNNING" or "NOTRESPONDING" => JobStatus.Running,
        "FINALIZING" => JobStatus.Finalizing,
        "CANCELREQUESTED" => JobStatus.CancelRequested,
        "COMPLETED" or "FINISHED" => JobStatus.Completed,
        "FAILED" => JobStatus.Failed,
        "CANCELED" or "CANCELLED" or "KILLED" => JobStatus.Canceled,
        "PAUSED" => JobStatus.Paused,
        _ => JobStatus.Unknown,
    };

    private static JobType ParseType(string? type) => type?.ToUpperInvariant() switch
    {
        "SWEEP" => JobType.Sweep,
        "PIPELINE" => JobType.Pipeline,
        "AUTOML" => JobType.AutoML,
        _ => JobType.Command,
    };

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 255 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new InvalidInputException($"Job name '{Validate.Shorten(name)}' is invalid: use 1 to 255 letters, digits, '-' or '_', starting with a letter or digit.", nameof(name));
        }
    }
}
