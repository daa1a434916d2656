using System.Globalization;
using Azure.Core;
using AzureMlSdk.Backends.Remote.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.DependencyInjection;

/// <summary>
/// Which workspace <see cref="AzureMlServiceCollectionExtensions.AddAzureMl(IServiceCollection, Action{AzureMlClientOptions}?)"/> opens, and how.
/// The first that applies wins: <see cref="LocalDirectory"/> (the local workspace); <see cref="SubscriptionId"/> +
/// <see cref="ResourceGroup"/> + <see cref="WorkspaceName"/> (Azure ML or the Emulator, through ARM);
/// <see cref="WorkspaceOptions.MlflowTrackingUri"/> alone (a plain MLflow tracking server); otherwise the <c>config.json</c> at
/// <see cref="ConfigPath"/> or found from the current folder, as <see cref="Workspace.FromConfigAsync"/> does.
/// </summary>
public sealed class AzureMlClientOptions : WorkspaceOptions
{
    /// <summary>The Azure subscription id.</summary>
    public string SubscriptionId { get; set; } = string.Empty;

    /// <summary>The resource group.</summary>
    public string ResourceGroup { get; set; } = string.Empty;

    /// <summary>The workspace name.</summary>
    public string WorkspaceName { get; set; } = string.Empty;

    /// <summary>A local workspace folder: when set, the local workspace there is opened (no credential, no network).</summary>
    public string? LocalDirectory { get; set; }

    /// <summary>A <c>config.json</c> (or a folder to search from) naming the workspace, used when nothing else above says which.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>
    /// A plain MLflow server's bearer token (when only <see cref="WorkspaceOptions.MlflowTrackingUri"/> is given). Default: the
    /// environment's <c>MLFLOW_TRACKING_TOKEN</c>, or <c>MLFLOW_TRACKING_USERNAME</c>/<c>MLFLOW_TRACKING_PASSWORD</c>, as MLflow's client reads them.
    /// </summary>
    public string? MlflowToken { get; set; }

    /// <summary>
    /// The credential for Azure ML. Default: a <see cref="TokenCredential"/> registered in the container, else
    /// <c>Azure.Identity.DefaultAzureCredential</c> (as the Python SDK does). With only an MLflow URI, it is sent to the MLflow
    /// server only when set here.
    /// </summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>True when nothing but <c>config.json</c> can say which workspace to open.</summary>
    internal bool NamesNoWorkspace =>
        string.IsNullOrWhiteSpace(LocalDirectory) && string.IsNullOrWhiteSpace(SubscriptionId) && string.IsNullOrWhiteSpace(ResourceGroup)
        && string.IsNullOrWhiteSpace(WorkspaceName) && MlflowTrackingUri is null;

    /// <summary>Fails early, at registration, on options that cannot work.</summary>
    internal void Validate()
    {
        var coordinates = new[] { SubscriptionId, ResourceGroup, WorkspaceName };
        if (string.IsNullOrWhiteSpace(LocalDirectory) && coordinates.Any(string.IsNullOrWhiteSpace) && !coordinates.All(string.IsNullOrWhiteSpace))
        {
            var missing = new[] { (nameof(SubscriptionId), SubscriptionId), (nameof(ResourceGroup), ResourceGroup), (nameof(WorkspaceName), WorkspaceName) }
                .Where(c => string.IsNullOrWhiteSpace(c.Item2)).Select(c => c.Item1);
            throw new InvalidInputException($"AddAzureMl: an Azure ML workspace needs SubscriptionId, ResourceGroup and WorkspaceName; missing {string.Join(", ", missing)}.", missing.First());
        }
        if (MaxRetries < 0)
        {
            throw new InvalidInputException($"AddAzureMl: MaxRetries must not be negative; got {MaxRetries}.", nameof(MaxRetries));
        }
        if (AttemptTimeout <= TimeSpan.Zero || TotalTimeout <= TimeSpan.Zero)
        {
            throw new InvalidInputException($"AddAzureMl: AttemptTimeout and TotalTimeout must be positive; got {AttemptTimeout} and {TotalTimeout}.", nameof(TotalTimeout));
        }
        LogBuffer.Validated();
    }

    /// <summary>Reads the <c>config.json</c> (at <see cref="ConfigPath"/> or found from the current folder) into these options.</summary>
    internal async Task ApplyConfigFileAsync(CancellationToken cancellationToken)
    {
        var (config, file) = await WorkspaceConfig.LoadAsync(ConfigPath, cancellationToken).ConfigureAwait(false);
        LocalDirectory = config.LocalDirectory;
        SubscriptionId = config.SubscriptionId ?? string.Empty;
        ResourceGroup = config.ResourceGroup ?? string.Empty;
        WorkspaceName = config.WorkspaceName ?? string.Empty;
        config.ApplyEndpoints(this, file);
        if (string.IsNullOrWhiteSpace(LocalDirectory) && !string.IsNullOrWhiteSpace(SubscriptionId + ResourceGroup + WorkspaceName))
        {
            Validate();
        }
        else if (NamesNoWorkspace)
        {
            throw new InvalidInputException($"Config file '{file}' must name subscription_id, resource_group and workspace_name (or local_dir for a local workspace, or mlflow_tracking_uri alone for an MLflow server).", "config");
        }
    }
}

/// <summary>Gives the configured workspace (opened once, on first use), without blocking.</summary>
public interface IAzureMlWorkspaceProvider
{
    /// <summary>The configured workspace, opening it on the first call. The container owns it: do not dispose it.</summary>
    Task<Workspace> GetWorkspaceAsync(CancellationToken cancellationToken = default);
}

/// <summary>Registers an Azure ML workspace with a service collection, as <c>Microsoft.Extensions.Azure</c> registers Azure clients.</summary>
public static class AzureMlServiceCollectionExtensions
{
    /// <summary>Name prefix of the SDK's <see cref="IHttpClientFactory"/> clients (<c>AzureMl.Arm</c>, <c>AzureMl.Mlflow</c>…).</summary>
    public const string HttpClientPrefix = AzureMlHttpClientNames.Prefix;

    /// <summary>The configuration section <see cref="AddAzureMl(IServiceCollection, IConfiguration, Action{AzureMlClientOptions}?)"/> looks for under a root.</summary>
    public const string DefaultSectionName = "AzureMl";

    /// <summary>
    /// Registers <see cref="Workspace"/> (a singleton the container owns and disposes, sync or async), <see cref="IAzureMlWorkspaceProvider"/>
    /// (the same workspace, opened without blocking) and the SDK's named <see cref="IHttpClientFactory"/> clients the remote workspace is
    /// built on: diagnostics (the container's <see cref="ILoggerFactory"/>, ActivitySource and Meter "AzureMlSdk") → resilience (Polly v8,
    /// one circuit breaker per host) → auth. The container's <see cref="TimeProvider"/> and <see cref="TokenCredential"/> are used when registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; with none, the workspace is the one <c>config.json</c> names.</param>
    public static IServiceCollection AddAzureMl(this IServiceCollection services, Action<AzureMlClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new AzureMlClientOptions();
        configure?.Invoke(options);
        return Register(services, options);
    }

    /// <summary>
    /// Registers the workspace from configuration: <paramref name="configuration"/> is the section (e.g.
    /// <c>builder.Configuration.GetSection("AzureMl")</c>), or a root with an <c>AzureMl</c> section. Keys (case-insensitive):
    /// <c>SubscriptionId</c>, <c>ResourceGroup</c>, <c>WorkspaceName</c>, <c>LocalDirectory</c>, <c>ConfigPath</c>,
    /// <c>ResourceManagerEndpoint</c>, <c>MlflowTrackingUri</c>, <c>MlflowToken</c>, <c>BlobServiceUri</c>, <c>TokenScope</c>,
    /// <c>MachineLearningTokenScope</c>, <c>ApplicationId</c>, <c>MaxRetries</c>, <c>AttemptTimeout</c>, <c>TotalTimeout</c>,
    /// <c>LongRunningOperationTimeout</c> (a <c>TimeSpan</c> such as <c>00:00:30</c>, or seconds) and <c>LogBuffer:FlushInterval</c>,
    /// <c>LogBuffer:MaxBatchSize</c>, <c>LogBuffer:Capacity</c>. A value that does not parse throws <see cref="InvalidInputException"/> naming its key.
    /// <paramref name="configure"/> runs after the binding.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section, or a root holding an <c>AzureMl</c> section.</param>
    /// <param name="configure">Adjusts the bound options (e.g. sets a credential).</param>
    public static IServiceCollection AddAzureMl(this IServiceCollection services, IConfiguration configuration, Action<AzureMlClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(DefaultSectionName) is { } nested && nested.GetChildren().Any() ? nested : configuration;
        var options = Bind(section);
        configure?.Invoke(options);
        return Register(services, options);
    }

    /// <summary>Reads the options from a configuration section (see the <see cref="AddAzureMl(IServiceCollection, IConfiguration, Action{AzureMlClientOptions}?)"/> keys).</summary>
    internal static AzureMlClientOptions Bind(IConfiguration section)
    {
        var o = new AzureMlClientOptions();
        var path = section is IConfigurationSection s ? s.Path : DefaultSectionName;
        string? Text(string key) => section[key] is { Length: > 0 } v ? v.Trim() : null;
        Uri UriAt(string key, string value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : throw Bad(key, value, "an absolute URI");
        int IntAt(string key, string value) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(key, value, "an integer");
        TimeSpan SpanAt(string key, string value) =>
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) ? span
            : throw Bad(key, value, "a TimeSpan (00:00:30) or a number of seconds");
        InvalidInputException Bad(string key, string value, string what) =>
            new($"Configuration '{path}:{key}' must be {what}; got '{value}'.", $"{path}:{key}");

        o.SubscriptionId = Text(nameof(o.SubscriptionId)) ?? string.Empty;
        o.ResourceGroup = Text(nameof(o.ResourceGroup)) ?? string.Empty;
        o.WorkspaceName = Text(nameof(o.WorkspaceName)) ?? string.Empty;
        o.LocalDirectory = Text(nameof(o.LocalDirectory));
        o.ConfigPath = Text(nameof(o.ConfigPath));
        o.MlflowToken = Text(nameof(o.MlflowToken));
        o.ApplicationId = Text(nameof(o.ApplicationId));
        if (Text(nameof(o.ResourceManagerEndpoint)) is { } arm)
        {
            o.ResourceManagerEndpoint = UriAt(nameof(o.ResourceManagerEndpoint), arm);
        }
        if (Text(nameof(o.MlflowTrackingUri)) is { } mlflow)
        {
            o.MlflowTrackingUri = UriAt(nameof(o.MlflowTrackingUri), mlflow);
        }
        if (Text(nameof(o.BlobServiceUri)) is { } blob)
        {
            o.BlobServiceUri = UriAt(nameof(o.BlobServiceUri), blob);
        }
        o.TokenScope = Text(nameof(o.TokenScope)) ?? o.TokenScope;
        o.MachineLearningTokenScope = Text(nameof(o.MachineLearningTokenScope)) ?? o.MachineLearningTokenScope;
        if (Text(nameof(o.MaxRetries)) is { } retries)
        {
            o.MaxRetries = IntAt(nameof(o.MaxRetries), retries);
        }
        if (Text(nameof(o.AttemptTimeout)) is { } attempt)
        {
            o.AttemptTimeout = SpanAt(nameof(o.AttemptTimeout), attempt);
        }
        if (Text(nameof(o.TotalTimeout)) is { } total)
        {
            o.TotalTimeout = SpanAt(nameof(o.TotalTimeout), total);
        }
        if (Text(nameof(o.LongRunningOperationTimeout)) is { } lro)
        {
            o.LongRunningOperationTimeout = SpanAt(nameof(o.LongRunningOperationTimeout), lro);
        }
        if (Text("LogBuffer:FlushInterval") is { } flush)
        {
            o.LogBuffer.FlushInterval = SpanAt("LogBuffer:FlushInterval", flush);
        }
        if (Text("LogBuffer:MaxBatchSize") is { } batch)
        {
            o.LogBuffer.MaxBatchSize = IntAt("LogBuffer:MaxBatchSize", batch);
        }
        if (Text("LogBuffer:Capacity") is { } capacity)
        {
            o.LogBuffer.Capacity = IntAt("LogBuffer:Capacity", capacity);
        }
        return o;
    }

    private static IServiceCollection Register(IServiceCollection services, AzureMlClientOptions options)
    {
        options.Validate();
        services.TryAddSingleton(options);
        services.AddAzureMlHttp(sp => Settings(sp, options));
        services.TryAddSingleton<IAzureMlWorkspaceProvider>(sp => new WorkspaceProvider(options, sp));
        // A singleton the container owns: resolving it opens the workspace (on a pool thread, so no caller's context can deadlock);
        // async code can await IAzureMlWorkspaceProvider instead. The container disposes it, through Dispose or DisposeAsync.
        services.TryAddSingleton(sp => Task.Run(() => sp.GetRequiredService<IAzureMlWorkspaceProvider>().GetWorkspaceAsync()).GetAwaiter().GetResult());
        return services;
    }

    /// <summary>The pipeline's settings: the options with the container's logger factory, clock and credential filled in.</summary>
    private static AzureMlHttpSettings Settings(IServiceProvider sp, AzureMlClientOptions options)
    {
        var effective = options.Copy();
        effective.LoggerFactory ??= sp.GetService<ILoggerFactory>();
        if (ReferenceEquals(effective.TimeProvider, TimeProvider.System) && sp.GetService<TimeProvider>() is { } time)
        {
            effective.TimeProvider = time;
        }
        var azureCredential = options.Credential ?? sp.GetService<TokenCredential>() ?? Workspace.CreateDefaultCredential();
        var mlflowOnly = string.IsNullOrWhiteSpace(options.SubscriptionId) && options.MlflowTrackingUri is not null;
        return mlflowOnly
            ? new AzureMlHttpSettings(effective, options.Credential, MlflowAuth.Resolve(options.MlflowToken, options.Credential))
            : new AzureMlHttpSettings(effective, azureCredential);
    }

    private sealed class WorkspaceProvider(AzureMlClientOptions options, IServiceProvider services) : IAzureMlWorkspaceProvider, IDisposable, IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Workspace? _workspace;
        private int _disposed;

        public async Task<Workspace> GetWorkspaceAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_workspace is { } w)
            {
                return w;
            }
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return _workspace ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        private async Task<Workspace> OpenAsync(CancellationToken cancellationToken)
        {
            if (options.NamesNoWorkspace)
            {
                // Read before the pipeline is built: the file decides the endpoints and whether it is Azure ML or a plain MLflow server.
                await options.ApplyConfigFileAsync(cancellationToken).ConfigureAwait(false);
            }
            var http = services.GetRequiredService<AzureMlHttpClients>();
            return await WorkspaceOpener.OpenAsync(options, http, cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && _workspace is { } w)
            {
                w.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0 && _workspace is { } w)
            {
                await w.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
