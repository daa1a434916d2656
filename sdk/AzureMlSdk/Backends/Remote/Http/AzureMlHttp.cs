using System.Net.Http.Headers;
using Azure.Core;
using AzureMlSdk.Backends.Remote.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>The SDK's named <see cref="IHttpClientFactory"/> clients; each is diagnostics → resilience → auth → the shared transport.</summary>
internal static class AzureMlHttpClientNames
{
    /// <summary>Prefix of every name.</summary>
    public const string Prefix = "AzureMl.";

    /// <summary>ARM, Azure ML's MLflow endpoint and run history: a token for <see cref="WorkspaceOptions.TokenScope"/>.</summary>
    public const string Arm = Prefix + "Arm";

    /// <summary>Azure ML's data plane (batch invocations): a token for <see cref="WorkspaceOptions.MachineLearningTokenScope"/>.</summary>
    public const string MachineLearning = Prefix + "MachineLearning";

    /// <summary>Online endpoints' scoring URIs: no auth handler (the scoring client sends the endpoint's key or token itself).</summary>
    public const string Scoring = Prefix + "Scoring";

    /// <summary>A plain MLflow server: its static <c>Authorization</c> header, or a token for <see cref="WorkspaceOptions.TokenScope"/>.</summary>
    public const string Mlflow = Prefix + "Mlflow";

    /// <summary>The same server for file transfers (artifacts proxy): at least 10 min per attempt, 1 h per call.</summary>
    public const string MlflowTransfer = Prefix + "MlflowTransfer";

    /// <summary>Azure Blob through Azure.Core: diagnostics only (Azure.Core's own retry policy is the one retry layer for blobs).</summary>
    public const string Blob = Prefix + "Blob";
}

/// <summary>What the SDK's HTTP clients are built from: the effective options and the credentials.</summary>
/// <param name="Options">The options, with the time provider and logger factory already resolved.</param>
/// <param name="Credential">The Microsoft Entra credential (ARM, Azure ML), or null for a plain MLflow server without one.</param>
/// <param name="MlflowAuthorization">A plain MLflow server's fixed <c>Authorization</c> header (bearer token or basic auth), if any.</param>
internal sealed record AzureMlHttpSettings(WorkspaceOptions Options, TokenCredential? Credential, AuthenticationHeaderValue? MlflowAuthorization = null)
{
    /// <summary>The logger of the HTTP pipeline (category <c>AzureMlSdk.Http</c>).</summary>
    public ILogger HttpLogger { get; } = Options.LoggerFactory?.CreateLogger(LogCategories.Http) ?? NullLogger.Instance;
}

/// <summary>Token caches shared by every client of one registration (one per scope), so a token is fetched once.</summary>
internal sealed class AzureMlTokens(AzureMlHttpSettings settings) : IDisposable
{
    private readonly Lazy<AccessTokenCache?> _management = new(() => settings.Credential is null ? null
        : new AccessTokenCache(settings.Credential, [settings.Options.TokenScope], settings.Options.TimeProvider));

    private readonly Lazy<AccessTokenCache?> _machineLearning = new(() => settings.Credential is null ? null
        : new AccessTokenCache(settings.Credential, [settings.Options.MachineLearningTokenScope], settings.Options.TimeProvider));

    /// <summary>Tokens for ARM and MLflow (<see cref="WorkspaceOptions.TokenScope"/>).</summary>
    public AccessTokenCache Management => _management.Value ?? throw NoCredential();

    /// <summary>Tokens for Azure ML's data plane (<see cref="WorkspaceOptions.MachineLearningTokenScope"/>).</summary>
    public AccessTokenCache MachineLearning => _machineLearning.Value ?? throw NoCredential();

    private static AzureMlAuthenticationException NoCredential() =>
        new("This call needs a Microsoft Entra credential; the workspace was opened without one.");

    public void Dispose()
    {
        if (_management.IsValueCreated)
        {
            _management.Value?.Dispose();
        }
        if (_machineLearning.IsValueCreated)
        {
            _machineLearning.Value?.Dispose();
        }
    }
}

/// <summary>The transport every SDK client shares: the caller's <see cref="WorkspaceOptions.HttpMessageHandler"/> (never disposed by the SDK) or a pooled sockets handler.</summary>
internal sealed class AzureMlTransport(AzureMlHttpSettings settings) : IDisposable
{
    private readonly HttpMessageHandler? _owned = settings.Options.HttpMessageHandler is null
        ? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = System.Net.DecompressionMethods.All }
        : null;

    /// <summary>A handler for one factory chain: it forwards to the shared transport and never disposes it.</summary>
    public HttpMessageHandler CreateLease() => new NonDisposingHandler(settings.Options.HttpMessageHandler ?? _owned!);

    public void Dispose() => _owned?.Dispose();

    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing) => base.Dispose(disposing: false);
    }
}

/// <summary>Creates the SDK's clients from <see cref="IHttpClientFactory"/>; the one way the remote backend gets an <see cref="HttpClient"/>.</summary>
internal sealed class AzureMlHttpClients(IHttpClientFactory factory, AzureMlHttpSettings settings, AzureMlTokens tokens)
{
    /// <summary>The effective options.</summary>
    public WorkspaceOptions Options => settings.Options;

    /// <summary>The credential, if any (identity-based datastores use it).</summary>
    public TokenCredential? Credential => settings.Credential;

    /// <summary>The shared token caches.</summary>
    public AzureMlTokens Tokens => tokens;

    /// <summary>A client of the named kind (<see cref="AzureMlHttpClientNames"/>) for <paramref name="baseAddress"/>.</summary>
    public HttpClient Create(string name, Uri baseAddress)
    {
        var client = factory.CreateClient(name);
        client.BaseAddress = RemoteHttp.WithoutTrailingSlash(baseAddress);
        client.Timeout = Timeout.InfiniteTimeSpan; // the pipeline's total and attempt timeouts rule
        return client;
    }

    /// <summary>A client for Azure.Core's <c>HttpClientTransport</c> (no base address).</summary>
    public HttpClient CreateBlob()
    {
        var client = factory.CreateClient(AzureMlHttpClientNames.Blob);
        client.Timeout = Timeout.InfiniteTimeSpan; // Azure.Core's NetworkTimeout rules
        return client;
    }
}

/// <summary>Registers the SDK's HTTP pipeline with a service collection: the DI path and <c>Workspace.GetAsync</c>'s private container alike.</summary>
internal static class AzureMlHttpRegistration
{
    /// <summary>
    /// Registers <see cref="AzureMlHttpClients"/> and the named clients. <paramref name="settings"/> is resolved once, from the
    /// container (so DI can bring its <c>ILoggerFactory</c>, <c>TimeProvider</c> and <c>TokenCredential</c>).
    /// </summary>
    public static IServiceCollection AddAzureMlHttp(this IServiceCollection services, Func<IServiceProvider, AzureMlHttpSettings> settings)
    {
        services.TryAddSingleton(settings);
        services.TryAddSingleton<AzureMlTokens>();
        services.TryAddSingleton<AzureMlTransport>();
        services.TryAddSingleton<AzureMlHttpClients>();

        Add(services, AzureMlHttpClientNames.Arm, transfer: false, sp => new TokenCredentialHandler(sp.GetRequiredService<AzureMlTokens>().Management));
        Add(services, AzureMlHttpClientNames.MachineLearning, transfer: false, sp => new TokenCredentialHandler(sp.GetRequiredService<AzureMlTokens>().MachineLearning));
        Add(services, AzureMlHttpClientNames.Scoring, transfer: false, auth: null);
        Add(services, AzureMlHttpClientNames.Mlflow, transfer: false, MlflowAuth);
        Add(services, AzureMlHttpClientNames.MlflowTransfer, transfer: true, MlflowAuth);

        services.AddHttpClient(AzureMlHttpClientNames.Blob)
            .RemoveAllLoggers() // the factory's default loggers would write full URIs, SAS query strings included
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<AzureMlTransport>().CreateLease())
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(sp =>
            {
                var s = sp.GetRequiredService<AzureMlHttpSettings>();
                // Azure.Core retries HttpRequestException/IOException itself: the handler must let them through unmapped.
                return new AzureMlDiagnosticsHandler(s.HttpLogger, s.Options.TimeProvider, s.Options.ApplicationId, mapTransportErrors: false);
            });
        return services;
    }

    /// <summary>Builds the private container of a workspace opened without DI (<c>Workspace.GetAsync</c>, <c>FromMlflowAsync</c>); the workspace owns it.</summary>
    public static ServiceProvider CreatePrivateProvider(AzureMlHttpSettings settings)
    {
        var services = new ServiceCollection();
        services.AddAzureMlHttp(_ => settings);
        return services.BuildServiceProvider();
    }

    private static DelegatingHandler MlflowAuth(IServiceProvider sp)
    {
        var s = sp.GetRequiredService<AzureMlHttpSettings>();
        return s.MlflowAuthorization is not null || s.Credential is null
            ? new StaticAuthHandler(s.MlflowAuthorization)
            : new TokenCredentialHandler(sp.GetRequiredService<AzureMlTokens>().Management);
    }

    private static void Add(IServiceCollection services, string name, bool transfer, Func<IServiceProvider, DelegatingHandler>? auth)
    {
        var builder = services.AddHttpClient(name)
            .RemoveAllLoggers() // the SDK's diagnostics handler logs paths only; the factory's loggers would write full URIs
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<AzureMlTransport>().CreateLease())
            // The backend keeps its clients for the workspace's lifetime; DNS changes are handled by the transport's PooledConnectionLifetime.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(sp =>
            {
                var s = sp.GetRequiredService<AzureMlHttpSettings>();
                return new AzureMlDiagnosticsHandler(s.HttpLogger, s.Options.TimeProvider, s.Options.ApplicationId);
            });
        builder.AddResilienceHandler(name, (pipeline, context) =>
        {
            var s = context.ServiceProvider.GetRequiredService<AzureMlHttpSettings>();
            var options = transfer ? RemoteWorkspaceBackend.MlflowTransferOptions(s.Options) : s.Options;
            pipeline.TimeProvider = options.TimeProvider;
            AzureMlResilience.Configure(pipeline, options, s.HttpLogger);
        })
        // One circuit breaker per host: an endpoint's scoring host failing never stops ARM or MLflow calls.
        .SelectPipelineByAuthority();
        // Auth sits inside the resilience handler so every attempt carries a current token.
        if (auth is not null)
        {
            builder.AddHttpMessageHandler(auth);
        }
    }
}
