using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Core;
using Azure.Identity;
using AzureMlSdk.Backends;

namespace AzureMlSdk;

/// <summary>
/// One run of an experiment: a scope (<c>await using</c>) that logs metrics, params, tags, properties,
/// tables, images and artifacts. Logging verbs return at once: entries are buffered and written in
/// batches in the background (see <see cref="LogBufferOptions"/>); <see cref="FlushAsync"/>, the status
/// verbs and disposal drain the buffer and report any write that failed.
/// Disposing a run that this handle started and that is still running flushes and completes it.
/// </summary>
public class Run : IAsyncDisposable
{
    /// <summary>Params whose key starts with this prefix carry the run's properties (immutable, like params).</summary>
    public const string PropertyParamPrefix = "azureml.property.";

    /// <summary>Environment variable naming the run of a submitted job.</summary>
    public const string RunIdEnvironmentVariable = "AZUREML_RUN_ID";

    /// <summary>Environment variable naming the experiment <see cref="GetContext"/> uses outside a job.</summary>
    public const string ExperimentNameEnvironmentVariable = "AZUREML_EXPERIMENT_NAME";

    private readonly Workspace _workspace = null!;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _nextStep = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _params = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TableBuffer> _tables = new(StringComparer.Ordinal);
    private readonly HashSet<string> _validKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MetricPoint> _latest = new(StringComparer.Ordinal);
    private readonly bool _ownsLifecycle;
    private RunData _data = null!;
    private RunLogger? _logger;
    private int _closed;

    /// <summary>For mocking only.</summary>
    protected Run() { }

    internal Run(Workspace workspace, RunData data, bool ownsLifecycle)
    {
        _workspace = workspace;
        _ownsLifecycle = ownsLifecycle;
        Apply(data);
        foreach (var (key, point) in data.LatestMetrics)
        {
            _nextStep[key] = point.Step + 1;
        }
        workspace.Track(this);
    }

    /// <summary>The run id.</summary>
    public virtual string Id => _data.RunId;

    /// <summary>The experiment id.</summary>
    public virtual string ExperimentId => _data.ExperimentId;

    /// <summary>The display name.</summary>
    public virtual string DisplayName => _data.DisplayName;

    /// <summary>The status as last known by this handle (<see cref="RefreshAsync"/> reloads it).</summary>
    public virtual RunStatus Status => _data.Status;

    /// <summary>When the run started.</summary>
    public virtual DateTimeOffset StartTime => _data.StartTime;

    /// <summary>When the run ended, once it has.</summary>
    public virtual DateTimeOffset? EndTime => _data.EndTime;

    /// <summary>The parent run's id, for a child run.</summary>
    public virtual string? ParentRunId => _data.ParentRunId;

    /// <summary>The workspace the run belongs to.</summary>
    public virtual Workspace Workspace => _workspace;

    /// <summary>Params logged so far (as known by this handle), properties excluded.</summary>
    public virtual IReadOnlyDictionary<string, string> Params
    {
        get
        {
            lock (_lock)
            {
                return _params.Where(p => !p.Key.StartsWith(PropertyParamPrefix, StringComparison.Ordinal)).ToDictionary();
            }
        }
    }

    /// <summary>Properties (immutable key/values set with <see cref="AddProperties"/>).</summary>
    public virtual IReadOnlyDictionary<string, string> Properties
    {
        get
        {
            lock (_lock)
            {
                return _params.Where(p => p.Key.StartsWith(PropertyParamPrefix, StringComparison.Ordinal))
                    .ToDictionary(p => p.Key[PropertyParamPrefix.Length..], p => p.Value);
            }
        }
    }

    /// <summary>Tags (as known by this handle), system tags such as <c>mlflow.runName</c> included.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags
    {
        get
        {
            lock (_lock)
            {
                return _tags.ToDictionary();
            }
        }
    }

    /// <summary>
    /// Each metric's latest point (highest step, then latest timestamp): what was loaded, plus what this handle has logged since,
    /// at once (before it is flushed). Points other processes log appear after <see cref="RefreshAsync"/>.
    /// </summary>
    public virtual IReadOnlyDictionary<string, MetricPoint> LatestMetrics
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, MetricPoint>(_latest, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>True when the run is deleted (<see cref="DeleteAsync"/>; <see cref="RestoreAsync"/> undoes it).</summary>
    public virtual bool IsDeleted => _data.IsDeleted;

    // ---- context ------------------------------------------------------------------------------

    /// <summary>
    /// The run of the current job. Inside a submitted job, that job's run, found from the variables every backend sets:
    /// on the local workspace <c>AZUREML_LOCAL_DIR</c> + <c>AZUREML_RUN_ID</c> (else <c>MLFLOW_RUN_ID</c>), opened directly; on Azure ML
    /// and the Emulator <c>MLFLOW_TRACKING_URI</c> (<c>azureml://host/…</c> is read as <c>https://host/…</c>) + <c>MLFLOW_RUN_ID</c>
    /// (else <c>AZUREML_RUN_ID</c>), authenticated with <c>MLFLOW_TRACKING_TOKEN</c>, else <c>AZUREML_RUN_TOKEN</c>, else MLflow's
    /// <c>MLFLOW_TRACKING_USERNAME</c>/<c>PASSWORD</c>; <c>AZUREML_RUN_ID</c> alone names a run of <c>./.azureml/local</c>. The job's
    /// run is not completed by this process (its supervisor ends it). Elsewhere a new run, completed at process exit, in
    /// experiment <c>$AZUREML_EXPERIMENT_NAME</c> (else <c>Default</c>) of the workspace chosen as <see cref="Workspace.FromConfigAsync"/>
    /// would: <c>$AZUREML_LOCAL_DIR</c> when set; else the workspace a <c>config.json</c> found from the current folder upward names
    /// (Azure ML or the Emulator, with <see cref="DefaultAzureCredential"/> unless <see cref="GetContextAsync(TokenCredential?, WorkspaceOptions?, CancellationToken)"/>
    /// is given a credential; or its <c>local_dir</c>); else the local workspace in <c>./.azureml/local</c>. One line
    /// (standard error, or <see cref="WorkspaceOptions.LoggerFactory"/>) says which workspace was chosen and why.
    /// The same run is returned on every call in a process. Synchronous wrapper of <see cref="GetContextAsync(CancellationToken)"/> for scripts.
    /// </summary>
    public static Run GetContext() => GetContextAsync().GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="GetContext"/>.</summary>
    public static Task<Run> GetContextAsync(CancellationToken cancellationToken = default) => GetContextAsync(null, null, cancellationToken);

    /// <summary>The asynchronous form of <see cref="GetContext"/>, with the credential and options a remote workspace named by <c>config.json</c> is opened with.</summary>
    /// <param name="credential">Credential for a remote workspace; <see cref="DefaultAzureCredential"/> when null.</param>
    /// <param name="options">Options for the workspace (and the logger the choice is reported to).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static Task<Run> GetContextAsync(TokenCredential? credential, WorkspaceOptions? options, CancellationToken cancellationToken = default) =>
        RunContext.GetAsync(credential, options, cancellationToken);

    /// <summary>Whether this handle has completed, failed or canceled its run (or been disposed).</summary>
    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    // ---- logging (buffered, never blocks on I/O) ------------------------------------------------

    /// <summary>Logs one value of a metric. Returns at once; NaN and ±Infinity are kept.</summary>
    /// <param name="name">Metric name (MLflow key rules, ≤ 250 characters).</param>
    /// <param name="value">The value.</param>
    /// <param name="step">The step; when omitted, the next step for that metric (0, 1, 2…).</param>
    public virtual void Log(string name, double value, long? step = null)
    {
        var logger = Logger;
        long resolvedStep;
        var timestamp = _workspace.Time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            if (!_validKeys.Contains(name))
            {
                Validate.Key(name, "metric");
                _validKeys.Add(name);
            }
            if (step is { } given)
            {
                resolvedStep = given;
                if (!_nextStep.TryGetValue(name, out var next) || next <= given)
                {
                    _nextStep[name] = given + 1;
                }
            }
            else
            {
                _nextStep.TryGetValue(name, out resolvedStep);
                _nextStep[name] = resolvedStep + 1;
            }
            MergeLatest(new MetricPoint(name, value, resolvedStep, DateTimeOffset.FromUnixTimeMilliseconds(timestamp)));
        }
        logger.Enqueue(LogEntry.Metric(name, value, resolvedStep, timestamp));
    }

    /// <summary>Logs a list of values as consecutive steps of one metric.</summary>
    public virtual void LogList(string name, IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values.ToList())
        {
            Log(name, value);
        }
    }

    /// <summary>Logs a param. Params are immutable: the same value again is accepted, a different one throws <see cref="InvalidInputException"/>.</summary>
    public virtual void LogParam(string key, string value)
    {
        Validate.Key(key, "param");
        Validate.ParamValue(key, value);
        SetImmutable(key, value, "Param");
    }

    /// <summary>Logs a numeric param (formatted with the invariant culture, round-trippable).</summary>
    public virtual void LogParam(string key, double value) => LogParam(key, value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>Logs an integer param.</summary>
    public virtual void LogParam(string key, long value) => LogParam(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Logs a boolean param (<c>True</c>/<c>False</c>, as MLflow's Python client writes them).</summary>
    public virtual void LogParam(string key, bool value) => LogParam(key, value ? "True" : "False");

    /// <summary>Logs several params; all are validated before any is logged.</summary>
    public virtual void LogParams(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (key, value) in parameters)
        {
            Validate.Key(key, "param");
            Validate.ParamValue(key, value);
            CheckImmutable(key, value, "Param");
        }
        foreach (var (key, value) in parameters)
        {
            SetImmutable(key, value, "Param");
        }
    }

    /// <summary>Adds properties: immutable key/values (the same value again is accepted, a different one throws).</summary>
    public virtual void AddProperties(IReadOnlyDictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        foreach (var (key, value) in properties)
        {
            Validate.Key(PropertyParamPrefix + key, "property");
            Validate.ParamValue(key, value);
            CheckImmutable(PropertyParamPrefix + key, value, "Property");
        }
        foreach (var (key, value) in properties)
        {
            SetImmutable(PropertyParamPrefix + key, value, "Property");
        }
    }

    /// <summary>Sets a tag (last write wins).</summary>
    public virtual void Tag(string key, string value = "")
    {
        Validate.Key(key, "tag");
        Validate.TagValue(key, value);
        var logger = Logger;
        lock (_lock)
        {
            _tags[key] = value;
        }
        logger.Enqueue(LogEntry.Tag(key, value));
    }

    /// <summary>Sets several tags; all are validated before any is set.</summary>
    public virtual void SetTags(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        foreach (var (key, value) in tags)
        {
            Validate.Key(key, "tag");
            Validate.TagValue(key, value);
        }
        foreach (var (key, value) in tags)
        {
            Tag(key, value);
        }
    }

    /// <summary>Removes tags (keys that are not set are ignored).</summary>
    public virtual void RemoveTags(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.ToList();
        foreach (var key in list)
        {
            Validate.Key(key, "tag");
        }
        var logger = Logger;
        foreach (var key in list)
        {
            lock (_lock)
            {
                _tags.Remove(key);
            }
            logger.Enqueue(LogEntry.DeleteTag(key));
        }
    }

    /// <summary>Appends a row to the table <paramref name="name"/>: an object's public properties (e.g. <c>new { epoch = 1, loss = 0.31 }</c>) or a dictionary.</summary>
    public virtual void LogRow(string name, object row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var table = Table(name);
        table.AddRow(TableBuffer.RowFromObject(row));
        ScheduleTableUpload(name, table);
    }

    /// <summary>Logs a whole table, given by columns of equal length, replacing any table of that name this handle logged.</summary>
    public virtual void LogTable(string name, IReadOnlyDictionary<string, double[]> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var buffer = Table(name);
        buffer.Replace(table);
        ScheduleTableUpload(name, buffer);
    }

    /// <summary>Reads back a table logged with <see cref="LogRow"/> or <see cref="LogTable"/> (flushing first).</summary>
    public virtual async Task<RunTable> GetTableAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name, "table");
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await _workspace.Backend.Artifacts.DownloadAsync(Id, RunTable.ArtifactPathFor(name), buffer, null, cancellationToken).ConfigureAwait(false);
        return RunTable.Parse(buffer.ToArray());
    }

    /// <summary>Logs an image file (PNG, JPEG…) as the artifact <c>images/&lt;name&gt;&lt;extension&gt;</c>. The file is read now; the upload is buffered.</summary>
    public virtual void LogImage(string name, string path)
    {
        ValidateName(name, "image");
        Validate.Required(path, nameof(path));
        if (!File.Exists(path))
        {
            throw new ResourceNotFoundException($"Image file '{path}' does not exist.");
        }
        var extension = Path.GetExtension(path);
        LogImage(name, File.ReadAllBytes(path), string.IsNullOrEmpty(extension) ? ".png" : extension.ToLowerInvariant());
    }

    /// <summary>Logs image bytes as the artifact <c>images/&lt;name&gt;&lt;extension&gt;</c>.</summary>
    public virtual void LogImage(string name, byte[] image, string extension = ".png")
    {
        ValidateName(name, "image");
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length == 0)
        {
            throw new InvalidInputException($"Image '{name}' is empty.", nameof(image));
        }
        var artifactPath = Validate.ArtifactPath($"images/{name}{(extension.StartsWith('.') ? extension : "." + extension)}");
        var copy = (byte[])image.Clone();
        Logger.Enqueue(LogEntry.Artifact(artifactPath, () => copy));
    }

    // ---- artifacts (awaited) ------------------------------------------------------------------

    /// <summary>Uploads a local file as the artifact <paramref name="name"/> (e.g. <c>outputs/model.onnx</c>).</summary>
    public virtual async Task UploadFileAsync(string name, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var artifactPath = Validate.ArtifactPath(name);
        Validate.Required(path, nameof(path));
        if (!File.Exists(path))
        {
            throw new ResourceNotFoundException($"File '{path}' does not exist.");
        }
        await using var ordered = OrderedProgress<long>.Wrap(progress);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await _workspace.Backend.Artifacts.UploadAsync(Id, artifactPath, stream, ordered.Progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads every file under a local folder, keeping relative paths under the artifact folder <paramref name="name"/>; returns the artifact paths.</summary>
    public virtual async Task<IReadOnlyList<string>> UploadFolderAsync(string name, string folder, CancellationToken cancellationToken = default)
    {
        var prefix = Validate.ArtifactPath(name);
        Validate.Required(folder, nameof(folder));
        if (!Directory.Exists(folder))
        {
            throw new ResourceNotFoundException($"Folder '{folder}' does not exist.");
        }
        var root = Path.GetFullPath(folder);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => (Full: f, Artifact: Validate.ArtifactPath(prefix + "/" + Path.GetRelativePath(root, f).Replace('\\', '/'))))
            .OrderBy(f => f.Artifact, StringComparer.Ordinal)
            .ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            await using var stream = new FileStream(file.Full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await _workspace.Backend.Artifacts.UploadAsync(Id, file.Artifact, stream, null, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return files.Select(f => f.Artifact).ToList();
    }

    /// <summary>Downloads the artifact <paramref name="name"/> to <paramref name="outputPath"/> (written atomically; folders created).</summary>
    public virtual async Task DownloadFileAsync(string name, string outputPath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var artifactPath = Validate.ArtifactPath(name);
        Validate.Required(outputPath, nameof(outputPath));
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var full = Path.GetFullPath(outputPath);
        var temp = TempFiles.Beside(full); // short whatever the target's name: a 255-byte name stays legal
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await using var ordered = OrderedProgress<long>.Wrap(progress);
                await _workspace.Backend.Artifacts.DownloadAsync(Id, artifactPath, stream, ordered.Progress, cancellationToken).ConfigureAwait(false);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (PathTooLongException ex)
        {
            throw TempFiles.TooLong(outputPath, nameof(outputPath), ex);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Downloads every artifact under <paramref name="prefix"/> (all when null) into <paramref name="outputDirectory"/>, keeping relative paths; returns the written files.</summary>
    public virtual async Task<IReadOnlyList<string>> DownloadFilesAsync(string? prefix, string outputDirectory, CancellationToken cancellationToken = default)
    {
        Validate.Required(outputDirectory, nameof(outputDirectory));
        var normalized = prefix is null ? null : Validate.ArtifactPath(prefix, nameof(prefix));
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var items = await _workspace.Backend.Artifacts.ListAsync(Id, normalized, cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        var root = Path.GetFullPath(outputDirectory);
        foreach (var item in items)
        {
            // Never through a link placed in the output folder, never outside it (item paths come from the store).
            var target = DownloadTargets.Resolve(root, item.Path, "Artifact");
            await DownloadFileAsync(item.Path, target, null, cancellationToken).ConfigureAwait(false);
            written.Add(target);
        }
        return written;
    }

    /// <summary>The run's artifact paths, ordered.</summary>
    public virtual async Task<IReadOnlyList<string>> GetFileNamesAsync(CancellationToken cancellationToken = default)
    {
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var items = await _workspace.Backend.Artifacts.ListAsync(Id, null, cancellationToken).ConfigureAwait(false);
        return items.Select(i => i.Path).ToList();
    }

    // ---- children, metrics, models -------------------------------------------------------------

    /// <summary>Starts a child run (same experiment, parent = this run). Dispose it to complete it.</summary>
    public virtual async Task<Run> ChildRunAsync(string? displayName = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        if (displayName is not null)
        {
            Validate.RunDisplayName(displayName, nameof(displayName));
        }
        var data = await _workspace.Backend.Tracking.CreateRunAsync(
            new NewRun(ExperimentId, displayName, _workspace.Time.GetUtcNow(), Id, _workspace.WithOwner(tags)), cancellationToken).ConfigureAwait(false);
        return new Run(_workspace, data, ownsLifecycle: true);
    }

    /// <summary>The child runs of this run.</summary>
    public virtual async IAsyncEnumerable<Run> GetChildrenAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = $"tags.mlflow.parentRunId = '{Id}'";
        await foreach (var data in _workspace.SearchRunDataAsync([ExperimentId], filter, ["attributes.start_time ASC"], null, cancellationToken).ConfigureAwait(false))
        {
            yield return new Run(_workspace, data, ownsLifecycle: false);
        }
    }

    /// <summary>Every metric's full history (flushing first), or only <paramref name="name"/>'s.</summary>
    public virtual async Task<IReadOnlyDictionary<string, IReadOnlyList<MetricPoint>>> GetMetricsAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        if (name is not null)
        {
            Validate.Key(name, "metric");
        }
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var data = await _workspace.Backend.Tracking.GetRunAsync(Id, cancellationToken).ConfigureAwait(false);
        var keys = name is null ? data.LatestMetrics.Keys.Order(StringComparer.Ordinal).ToList()
            : data.LatestMetrics.ContainsKey(name) ? [name] : [];
        var result = new Dictionary<string, IReadOnlyList<MetricPoint>>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            result[key] = await _workspace.Backend.Tracking.GetMetricHistoryAsync(Id, key, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// Each metric's values, as azureml-core's <c>get_metrics()</c>: a metric logged once gives its value
    /// (<see cref="MetricValues.IsSingle"/>), one logged several times its list in step order (<see cref="MetricValues.Values"/>);
    /// <see cref="MetricValues.Last"/> is the latest either way. Flushes first.
    /// </summary>
    public virtual async Task<IReadOnlyDictionary<string, MetricValues>> GetMetricValuesAsync(CancellationToken cancellationToken = default)
    {
        var history = await GetMetricsAsync(null, cancellationToken).ConfigureAwait(false);
        return history.ToDictionary(h => h.Key, h => new MetricValues(h.Value.Select(p => p.Value).ToList()), StringComparer.Ordinal);
    }

    /// <summary>
    /// The run's details, as azureml-core's <c>get_details()</c>: status, times, params (its inputs), properties, tags, the error
    /// of a failed run and its log files (artifacts under <c>logs/</c>, <c>user_logs/</c>, <c>system_logs/</c> or <c>azureml-logs/</c>,
    /// and any <c>.log</c> file). Flushes first and reads the stored run, not this handle's copy.
    /// </summary>
    public virtual async Task<RunDetails> GetDetailsAsync(CancellationToken cancellationToken = default)
    {
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var data = await _workspace.Backend.Tracking.GetRunAsync(Id, cancellationToken).ConfigureAwait(false);
        var artifacts = await _workspace.Backend.Artifacts.ListAsync(Id, null, cancellationToken).ConfigureAwait(false);
        return RunDetails.From(data, artifacts.Select(a => a.Path));
    }

    /// <summary>Registers the artifact file or folder <paramref name="artifactPath"/> of this run as a new version of model <paramref name="modelName"/>.</summary>
    public virtual async Task<Model> RegisterModelAsync(string modelName, string artifactPath, IReadOnlyDictionary<string, string>? tags = null, string? description = null, ModelRegistrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate.ModelName(modelName, nameof(modelName));
        var path = Validate.ArtifactPath(artifactPath, nameof(artifactPath));
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var framework = options?.Framework ?? ModelRegistrationOptions.InferFramework(path);
        await using var ordered = OrderedProgress<long>.Wrap(options?.Progress);
        var data = await _workspace.Backend.Models.CreateVersionAsync(
            new NewModelVersion(modelName, new RunArtifactModelSource(Id, path), description, tags, options?.Properties, framework, Id),
            ordered.Progress, cancellationToken).ConfigureAwait(false);
        return new Model(_workspace, data);
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /// <summary>Waits until everything logged so far is stored; throws if any buffered write failed.</summary>
    public virtual Task FlushAsync(CancellationToken cancellationToken = default) =>
        _logger is { } logger ? logger.FlushAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Flushes, then marks the run Completed. Logging afterwards throws <see cref="InvalidStateException"/>.</summary>
    public virtual Task CompleteAsync(CancellationToken cancellationToken = default) => EndAsync(RunStatus.Completed, null, cancellationToken);

    /// <summary>Flushes, records the error (tags <c>azureml.error.type</c> and <c>azureml.error.message</c>) and marks the run Failed.</summary>
    public virtual Task FailAsync(Exception? error = null, CancellationToken cancellationToken = default) => EndAsync(RunStatus.Failed, error, cancellationToken);

    /// <summary>Flushes, then marks the run Canceled.</summary>
    public virtual Task CancelAsync(CancellationToken cancellationToken = default) => EndAsync(RunStatus.Canceled, null, cancellationToken);

    /// <summary>
    /// Deletes the run, as MLflow does: it leaves searches of active runs (and <see cref="Experiment.GetRunsAsync"/>) but keeps its
    /// data, and <see cref="RestoreAsync"/> brings it back. A run still running is flushed first and keeps running.
    /// </summary>
    public virtual async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        await _workspace.Backend.Tracking.DeleteRunAsync(Id, cancellationToken).ConfigureAwait(false);
        Apply(await _workspace.Backend.Tracking.GetRunAsync(Id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Restores a deleted run (see <see cref="DeleteAsync"/>).</summary>
    public virtual async Task RestoreAsync(CancellationToken cancellationToken = default)
    {
        await _workspace.Backend.Tracking.RestoreRunAsync(Id, cancellationToken).ConfigureAwait(false);
        Apply(await _workspace.Backend.Tracking.GetRunAsync(Id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reloads status, params, tags and latest metrics from the workspace.</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await FlushIfOpenAsync(cancellationToken).ConfigureAwait(false);
        var data = await _workspace.Backend.Tracking.GetRunAsync(Id, cancellationToken).ConfigureAwait(false);
        Apply(data);
    }

    /// <summary>
    /// Flushes the buffer; if this handle started the run and it is still running, completes it
    /// (or marks it Failed and rethrows when buffered writes failed).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The disposal logic; see <see cref="DisposeAsync"/>.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        try
        {
            if (_ownsLifecycle && !Status.IsTerminal())
            {
                await FinishAsync(RunStatus.Completed, null, CancellationToken.None).ConfigureAwait(false);
            }
            else if (_logger is { } logger)
            {
                await logger.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _workspace.Untrack(this);
        }
    }

    private async Task EndAsync(RunStatus status, Exception? error, CancellationToken cancellationToken)
    {
        if (Status.IsTerminal())
        {
            throw new InvalidStateException($"Run {Id} has already ended with status {Status}; it cannot become {status}.");
        }
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            throw new InvalidStateException($"Run {Id} was disposed; it cannot become {status}.");
        }
        try
        {
            await FinishAsync(status, error, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _workspace.Untrack(this);
        }
    }

    private async Task FinishAsync(RunStatus status, Exception? error, CancellationToken cancellationToken)
    {
        Exception? flushFailure = null;
        if (_logger is { } logger)
        {
            try
            {
                await logger.DisposeAsync().ConfigureAwait(false);
            }
            catch (AzureMlException ex)
            {
                flushFailure = ex;
            }
        }
        var failure = error ?? flushFailure;
        var finalStatus = flushFailure is not null && status == RunStatus.Completed ? RunStatus.Failed : status;
        if (failure is not null && finalStatus == RunStatus.Failed)
        {
            var tags = new List<KeyValuePair<string, string>>
            {
                new("azureml.error.type", Validate.Shorten(failure.GetType().FullName ?? failure.GetType().Name)),
                new("azureml.error.message", Truncate(failure.Message, TrackingLimits.MaxTagValueLength)),
            };
            await _workspace.Backend.Tracking.LogBatchAsync(Id, new LogBatch([], [], tags), cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                foreach (var (key, value) in tags)
                {
                    _tags[key] = value;
                }
            }
        }
        var data = await _workspace.Backend.Tracking.UpdateRunAsync(Id, new RunUpdate(finalStatus, _workspace.Time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        Apply(data);
        if (flushFailure is not null)
        {
            throw flushFailure;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private RunLogger Logger
    {
        get
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                throw new InvalidStateException($"Run {Id} no longer accepts logging: it has ended ({Status}) or was disposed.");
            }
            if (_logger is { } existing)
            {
                return existing;
            }
            lock (_lock)
            {
                return _logger ??= new RunLogger(_workspace.Backend, Id, _workspace.Time, _workspace.LogBuffer, _workspace.LoggerFactory.CreateLogger(LogCategories.Tracking));
            }
        }
    }

    private Task FlushIfOpenAsync(CancellationToken cancellationToken) =>
        _logger is { } logger && Volatile.Read(ref _closed) == 0 ? logger.FlushAsync(cancellationToken) : Task.CompletedTask;

    private void CheckImmutable(string key, string value, string kind)
    {
        lock (_lock)
        {
            if (_params.TryGetValue(key, out var existing) && !string.Equals(existing, value, StringComparison.Ordinal))
            {
                var shown = kind == "Property" ? key[PropertyParamPrefix.Length..] : key;
                throw new InvalidInputException($"{kind} '{shown}' of run {Id} is already '{Validate.Shorten(existing)}'; {kind.ToLowerInvariant()}s are immutable and cannot change to '{Validate.Shorten(value)}'.", shown);
            }
        }
    }

    private void SetImmutable(string key, string value, string kind)
    {
        var logger = Logger;
        lock (_lock)
        {
            CheckImmutable(key, value, kind);
            if (_params.ContainsKey(key))
            {
                return;
            }
            _params[key] = value;
        }
        logger.Enqueue(LogEntry.Param(key, value));
    }

    private TableBuffer Table(string name)
    {
        ValidateName(name, "table");
        _ = Logger;
        lock (_lock)
        {
            if (!_tables.TryGetValue(name, out var table))
            {
                table = new TableBuffer();
                _tables[name] = table;
            }
            return table;
        }
    }

    private void ScheduleTableUpload(string name, TableBuffer table)
    {
        if (table.MarkDirty())
        {
            Logger.Enqueue(LogEntry.Artifact(RunTable.ArtifactPathFor(name), table.Serialize));
        }
    }

    private static void ValidateName(string name, string kind)
    {
        Validate.Key(name, kind);
        Validate.ArtifactPath(name, kind);
    }

    private void Apply(RunData data)
    {
        lock (_lock)
        {
            _data = data;
            foreach (var (key, value) in data.Params)
            {
                _params[key] = value;
            }
            _tags.Clear();
            foreach (var (key, value) in data.Tags)
            {
                _tags[key] = value;
            }
            foreach (var point in data.LatestMetrics.Values)
            {
                MergeLatest(point);
            }
        }
    }

    /// <summary>Keeps the latest point of a metric: highest step, then latest timestamp (the store's rule). Call under <c>_lock</c>.</summary>
    private void MergeLatest(MetricPoint point)
    {
        if (!_latest.TryGetValue(point.Key, out var known) || point.Step > known.Step || (point.Step == known.Step && point.Timestamp >= known.Timestamp))
        {
            _latest[point.Key] = point;
        }
    }

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
