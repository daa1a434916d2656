using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Storage;
using Azure.Storage.Blobs;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Emulator.Hosting;
using AzureMlSdk.Emulator.Mlflow;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Emulator;

/// <summary>
/// The workspaces the Emulator serves, a folder each under <c>&lt;data&gt;/subscriptions/&lt;sub&gt;/resourcegroups/&lt;rg&gt;/workspaces/&lt;name&gt;</c>:
/// <c>workspace.json</c> (the ARM resource as PUT), <c>local/</c> (the local backend: SQLite + files) and <c>arm.db</c>
/// (ARM asset metadata). The default workspace (<c>00000000-…/local/local</c>) always exists.
/// </summary>
internal sealed partial class WorkspaceRegistry : IAsyncDisposable
{
    private readonly EmulatorOptions _options;
    private readonly ConcurrentDictionary<string, EmulatorWorkspace> _open = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _createGate = new(1, 1);
    private readonly ConcurrentDictionary<string, BlobContainerClient> _containers = new(StringComparer.Ordinal);
    private readonly bool _blobConfigured;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$")]
    private static partial Regex WorkspaceNameRegex();

    public WorkspaceRegistry(EmulatorOptions options)
    {
        _options = options;
        _blobConfigured = options.BlobEndpoint is not null;
        BlobEndpoint = options.EffectiveBlobEndpoint;
        Root = Path.GetFullPath(options.DataDirectory);
    }

    /// <summary>The data root.</summary>
    public string Root { get; }

    /// <summary>Azurite's account endpoint (path style).</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>The storage account name (the first path segment of <see cref="BlobEndpoint"/>).</summary>
    public string AccountName => BlobEndpoint.AbsolutePath.Trim('/').Split('/')[0];

    /// <summary>The region workspaces report by default.</summary>
    public string DefaultLocation => _options.Location;

    /// <summary>
    /// How this Emulator supervises its workspaces' jobs (the host sets it once it listens: the jobs' tracking URI needs its address).
    /// Read when a workspace's first job is submitted.
    /// </summary>
    public Func<EmulatorWorkspace, JobSupervisorOptions>? JobHosting { get; private set; }

    /// <summary>Sets <see cref="JobHosting"/> and starts the supervisors of open workspaces that have jobs waiting (others start theirs when opened).</summary>
    public void HostJobs(Func<EmulatorWorkspace, JobSupervisorOptions> hosting)
    {
        JobHosting = hosting;
        foreach (var ws in _open.Values)
        {
            ws.ResumeJobs();
        }
    }

    /// <summary>Creates the default workspace (and its blob container) if needed.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        if (Find(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName) is { } existing)
        {
            await EnsureContainerAsync(existing, cancellationToken).ConfigureAwait(false);
            return;
        }
        await CreateOrUpdateAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName, null, null, null, cancellationToken).ConfigureAwait(false);
    }

    private string Folder(string subscriptionId, string resourceGroup, string name) =>
        Path.Combine(Root, "subscriptions", subscriptionId.ToLowerInvariant(), "resourcegroups", resourceGroup.ToLowerInvariant(), "workspaces", name.ToLowerInvariant());

    private static string Key(string subscriptionId, string resourceGroup, string name) => $"{subscriptionId}/{resourceGroup}/{name}".ToLowerInvariant();

    /// <summary>The workspace, or null when it does not exist.</summary>
    public EmulatorWorkspace? Find(string subscriptionId, string resourceGroup, string name)
    {
        if (!IsSafeSegment(subscriptionId) || !IsSafeSegment(resourceGroup) || !IsSafeSegment(name))
        {
            return null; // never a folder outside the data root
        }
        var key = Key(subscriptionId, resourceGroup, name);
        if (_open.TryGetValue(key, out var ws))
        {
            return ws;
        }
        var folder = Folder(subscriptionId, resourceGroup, name);
        var file = Path.Combine(folder, "workspace.json");
        if (!File.Exists(file))
        {
            return null;
        }
        var loaded = EmulatorWorkspace.Load(folder, file, this);
        return _open.GetOrAdd(key, loaded);
    }

    [GeneratedRegex(@"^[a-zA-Z0-9_()\-][a-zA-Z0-9._()\-]{0,89}$")]
    private static partial Regex SafeSegmentRegex();

    /// <summary>A subscription id or resource group the Emulator can keep a folder for.</summary>
    public static bool IsSafeSegment(string segment) => SafeSegmentRegex().IsMatch(segment);

    /// <summary>Checks an ARM workspace name.</summary>
    public static bool IsValidName(string name) => WorkspaceNameRegex().IsMatch(name);

    /// <summary>Creates or updates a workspace from an ARM PUT; returns it and whether it was created.</summary>
    public async Task<(EmulatorWorkspace Workspace, bool Created)> CreateOrUpdateAsync(
        string subscriptionId, string resourceGroup, string name, string? location, JsonObject? tags, JsonObject? properties, CancellationToken cancellationToken)
    {
        if (!IsSafeSegment(subscriptionId) || !IsSafeSegment(resourceGroup) || !IsValidName(name))
        {
            throw new ArgumentException($"'{subscriptionId}/{resourceGroup}/{name}' does not name a workspace.");
        }
        await _createGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = Find(subscriptionId, resourceGroup, name);
            EmulatorWorkspace ws;
            if (existing is null)
            {
                var folder = Folder(subscriptionId, resourceGroup, name);
                Directory.CreateDirectory(folder);
                ws = EmulatorWorkspace.Create(folder, subscriptionId, resourceGroup, name, location ?? DefaultLocation, tags, properties, this);
                _open[Key(subscriptionId, resourceGroup, name)] = ws;
            }
            else
            {
                ws = existing;
                ws.Update(location, tags, properties);
            }
            ws.Save();
            await EnsureContainerAsync(ws, cancellationToken).ConfigureAwait(false);
            return (ws, existing is null);
        }
        finally
        {
            _createGate.Release();
        }
    }

    /// <summary>
    /// The blob container of a workspace's default datastore (<c>workspaceblobstore</c>), where run artifacts and model files live;
    /// null when no Azurite is configured. Clients are cached per container (they are thread-safe).
    /// </summary>
    public BlobContainerClient? DatastoreContainer(EmulatorWorkspace ws)
    {
        ArgumentNullException.ThrowIfNull(ws);
        if (!_blobConfigured)
        {
            return null;
        }
        return _containers.GetOrAdd(ws.ContainerName, name =>
            new BlobServiceClient(BlobEndpoint, new StorageSharedKeyCredential(AccountName, EmulatorOptions.AzuriteKey)).GetBlobContainerClient(name));
    }

    private async Task EnsureContainerAsync(EmulatorWorkspace ws, CancellationToken cancellationToken)
    {
        if (!_blobConfigured)
        {
            return; // no Azurite configured: datastores still describe the default address; nothing to create
        }
        var service = new BlobServiceClient(BlobEndpoint, new StorageSharedKeyCredential(AccountName, EmulatorOptions.AzuriteKey));
        await service.GetBlobContainerClient(ws.ContainerName).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The workspaces as the MLflow routes see them, counting logged metrics in <paramref name="stats"/>.</summary>
    public IMlflowWorkspaces ForMlflow(EmulatorStats stats) => new MlflowView(this, stats);

    private sealed class MlflowView(WorkspaceRegistry registry, EmulatorStats stats) : IMlflowWorkspaces
    {
        public string FilesUnavailableMessage =>
            "The Emulator runs without blob storage (start it with --start-azurite or --blob-endpoint), so artifacts are not served.";

        public IMlflowWorkspace? Find(string subscriptionId, string resourceGroup, string name) => registry.Find(subscriptionId, resourceGroup, name);

        public IArtifactFiles? FilesOf(IMlflowWorkspace workspace) =>
            registry.DatastoreContainer((EmulatorWorkspace)workspace) is { } container ? new DatastoreFiles(container) : null;

        public void MetricsLogged(int points) => stats.LogBatch(points);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var ws in _open.Values)
        {
            await ws.DisposeAsync().ConfigureAwait(false);
        }
        _open.Clear();
        _createGate.Dispose();
    }
}

/// <summary>One workspace: its ARM resource, its local backend and its ARM asset metadata.</summary>
internal sealed class EmulatorWorkspace : IMlflowWorkspace, IAsyncDisposable
{
    private readonly Lazy<IWorkspaceBackend> _backend;
    private readonly Lock _gate = new();

    private EmulatorWorkspace(string folder, WorkspaceDocument document, WorkspaceRegistry? registry)
    {
        Folder = folder;
        Document = document;
        _backend = new Lazy<IWorkspaceBackend>(() =>
        {
            // The Emulator supervises its workspaces' jobs in its own process (as Azure ML's service does): a job outlives the client
            // that submitted it, and its MLflow variables point at the Emulator's own MLflow routes for this workspace, with its token.
            var local = new LocalWorkspaceBackend(Path.Combine(folder, "local"),
                jobLauncher: b => new InProcessJobLauncher(b, registry?.JobHosting?.Invoke(this) ?? new JobSupervisorOptions()));
            IWorkspaceBackend backend = local;
            // As an MLflow server: experiment "0" (Default) exists, so a client that names no experiment can log.
            // The local store completes synchronously (SQLite in-process), so waiting here blocks on nothing.
            _ = backend.Tracking.EnsureDefaultExperimentAsync(CancellationToken.None).GetAwaiter().GetResult();
            SideStoreImport.Run(folder, backend.Tracking);
            if (registry?.JobHosting is not null)
            {
                ResumeJobs(local);
            }
            return backend;
        }, LazyThreadSafetyMode.ExecutionAndPublication);
        Assets = new ModelAssetStore(Path.Combine(folder, "arm.db"));
        _codes = new Lazy<CodeStore>(() => new CodeStore(folder), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private readonly Lazy<CodeStore> _codes;

    /// <summary>Code versions (ARM metadata; the files are in the workspace's blob container).</summary>
    public CodeStore Codes => _codes.Value;

    public string Folder { get; }

    /// <summary>Starts the job supervisor of an already open workspace when it has jobs waiting (see <see cref="ResumeJobs(LocalWorkspaceBackend)"/>).</summary>
    internal void ResumeJobs()
    {
        if (_backend.IsValueCreated && _backend.Value is LocalWorkspaceBackend local)
        {
            ResumeJobs(local);
        }
    }

    /// <summary>Jobs left waiting by a previous Emulator process start again under this one's supervisor (a job whose supervisor died is failed on read).</summary>
    private static void ResumeJobs(LocalWorkspaceBackend local)
    {
        if (local.Jobs is LocalJobBackend jobs && jobs.Store.List(new JobQuery(IncludeArchived: true, MaxResults: 200)).Items.Any(j => !j.Status.IsTerminal()))
        {
            _ = jobs.Launcher.EnsureSupervisorAsync(CancellationToken.None);
        }
    }

    private WorkspaceDocument Document { get; }

    public string SubscriptionId => Document.SubscriptionId;
    public string ResourceGroup => Document.ResourceGroup;
    public string Name => Document.Name;
    public string WorkspaceId => Document.WorkspaceId;
    public string PrincipalId => Document.PrincipalId;
    public DateTimeOffset CreatedAt => Document.CreatedAt;

    public string Location
    {
        get
        {
            lock (_gate)
            {
                return Document.Location;
            }
        }
    }

    public DateTimeOffset ModifiedAt
    {
        get
        {
            lock (_gate)
            {
                return Document.ModifiedAt;
            }
        }
    }

    /// <summary>Copies of the PUT tags and properties.</summary>
    public (JsonObject Tags, JsonObject Properties) Snapshot()
    {
        lock (_gate)
        {
            return ((JsonObject)Document.Tags.DeepClone(), (JsonObject)Document.Properties.DeepClone());
        }
    }

    /// <summary>The backend holding tracking data and models (the local one), reached only through the backend contract.</summary>
    public IWorkspaceBackend Backend => _backend.Value;

    /// <summary>Model containers and versions (ARM metadata).</summary>
    public ModelAssetStore Assets { get; }

    /// <summary>The default datastore's container, named as Azure names it.</summary>
    public string ContainerName => "azureml-blobstore-" + WorkspaceId;

    /// <summary>The ARM resource id.</summary>
    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{Name}";

    public static EmulatorWorkspace Create(string folder, string subscriptionId, string resourceGroup, string name, string location, JsonObject? tags, JsonObject? properties, WorkspaceRegistry? registry = null)
    {
        var now = DateTimeOffset.UtcNow;
        var document = new WorkspaceDocument
        {
            SubscriptionId = subscriptionId,
            ResourceGroup = resourceGroup,
            Name = name,
            Location = location,
            WorkspaceId = DeterministicGuid(Key(subscriptionId, resourceGroup, name)).ToString(),
            PrincipalId = DeterministicGuid("principal/" + Key(subscriptionId, resourceGroup, name)).ToString(),
            CreatedAt = now,
            ModifiedAt = now,
            Tags = tags ?? [],
            Properties = properties ?? [],
        };
        return new EmulatorWorkspace(folder, document, registry);
    }

    public static EmulatorWorkspace Load(string folder, string file, WorkspaceRegistry? registry = null)
    {
        var document = JsonSerializer.Deserialize(File.ReadAllText(file), EmulatorJsonContext.Default.WorkspaceDocument)
            ?? throw new InvalidDataException($"'{file}' is not a workspace document.");
        return new EmulatorWorkspace(folder, document, registry);
    }

    public void Update(string? location, JsonObject? tags, JsonObject? properties)
    {
        lock (_gate)
        {
            if (location is not null)
            {
                Document.Location = location;
            }
            if (tags is not null)
            {
                Document.Tags = tags;
            }
            if (properties is not null)
            {
                Document.Properties = properties;
            }
            Document.ModifiedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Save()
    {
        string json;
        lock (_gate)
        {
            json = JsonSerializer.Serialize(Document, EmulatorJsonContext.Default.WorkspaceDocument);
        }
        var file = Path.Combine(Folder, "workspace.json");
        var temp = file + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, file, overwrite: true);
    }

    private static string Key(string subscriptionId, string resourceGroup, string name) => $"{subscriptionId}/{resourceGroup}/{name}".ToLowerInvariant();

    private static Guid DeterministicGuid(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_backend.IsValueCreated)
        {
            await _backend.Value.DisposeAsync().ConfigureAwait(false);
        }
        Assets.Dispose();
    }
}

/// <summary>What <c>workspace.json</c> holds.</summary>
internal sealed class WorkspaceDocument
{
    public string SubscriptionId { get; set; } = "";
    public string ResourceGroup { get; set; } = "";
    public string Name { get; set; } = "";
    public string Location { get; set; } = "";
    public string WorkspaceId { get; set; } = "";
    public string PrincipalId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ModifiedAt { get; set; }
    public JsonObject Tags { get; set; } = [];
    public JsonObject Properties { get; set; } = [];
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(WorkspaceDocument))]
internal sealed partial class EmulatorJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
