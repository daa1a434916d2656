using System.Text.Json.Serialization;
using Azure.Core;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Auth;
using AzureMlSdk.Backends.Remote.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Refit;

namespace AzureMlSdk.DependencyInjection;

/// <summary>Which Azure ML workspace <see cref="AzureMlServiceCollectionExtensions.AddAzureMl"/> connects to, and how.</summary>
public sealed class AzureMlClientOptions : WorkspaceOptions
{
    /// <summary>The Azure subscription id.</summary>
    public string SubscriptionId { get; set; } = string.Empty;

    /// <summary>The resource group.</summary>
    public string ResourceGroup { get; set; } = string.Empty;

    /// <summary>The workspace name.</summary>
    public string WorkspaceName { get; set; } = string.Empty;

    /// <summary>The credential (e.g. <c>DefaultAzureCredential</c>); required.</summary>
    public TokenCredential? Credential { get; set; }
}

/// <summary>Gives the connected workspace backend (connected once, on first use).</summary>
public interface IAzureMlWorkspaceProvider
{
    /// <summary>The configured workspace, connecting on the first call. The provider owns it: do not dispose it.</summary>
    Task<Workspace> GetWorkspaceAsync(CancellationToken cancellationToken = default);
}

/// <summary>Registers the Azure ML remote backend with a service collection.</summary>
public static class AzureMlServiceCollectionExtensions
{
    /// <summary>Name prefix of the SDK's <see cref="IHttpClientFactory"/> clients.</summary>
    public const string HttpClientPrefix = "AzureMl.";

    /// <summary>
    /// Registers <see cref="IAzureMlWorkspaceProvider"/> and the typed ARM clients through <see cref="IHttpClientFactory"/>,
    /// each with the SDK's pipeline: diagnostics (ILogger, ActivitySource "AzureMlSdk") → resilience (Polly v8) → token auth.
    /// </summary>
    public static IServiceCollection AddAzureMl(this IServiceCollection services, Action<AzureMlClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AzureMlClientOptions();
        configure(options);
        if (options.Credential is null)
        {
            throw new InvalidInputException("AddAzureMl needs a Credential (e.g. DefaultAzureCredential).", nameof(options.Credential));
        }
        services.AddLogging();
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new AccessTokenCache(options.Credential, [options.TokenScope], options.TimeProvider));

        AddArm<IArmWorkspacesApi>(services, options);
        AddArm<IArmDatastoresApi>(services, options);
        AddArm<IArmModelsApi>(services, options);
        AddArm<IArmEnvironmentsApi>(services, options);
        AddArm<IArmCodesApi>(services, options);
        AddArm<IArmJobsApi>(services, options);
        AddArm<IArmOnlineEndpointsApi>(services, options);
        AddArm<IArmBatchEndpointsApi>(services, options);

        services.TryAddSingleton<IAzureMlWorkspaceProvider>(sp => new WorkspaceProvider(sp.GetRequiredService<AzureMlClientOptions>(), sp.GetService<ILoggerFactory>()));
        return services;
    }

    private static void AddArm<T>(IServiceCollection services, AzureMlClientOptions options) where T : class =>
        Configure(services.AddRefitGeneratedClient<T>((JsonSerializerContext)ArmJsonContext.Default, _ => RemoteHttp.Settings(ArmJsonContext.Default), HttpClientPrefix + typeof(T).Name), options, options.ResourceManagerEndpoint);

    private static void Configure(IHttpClientBuilder builder, AzureMlClientOptions options, Uri baseAddress)
    {
        builder.ConfigureHttpClient(c =>
        {
            c.BaseAddress = RemoteHttp.WithoutTrailingSlash(baseAddress);
            c.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.AddHttpMessageHandler(sp => new AzureMlDiagnosticsHandler(
            sp.GetService<ILoggerFactory>()?.CreateLogger("AzureMlSdk.Http") ?? NullLogger.Instance, options.TimeProvider));
        builder.AddResilienceHandler("AzureMl", (pipeline, _) =>
        {
            pipeline.TimeProvider = options.TimeProvider;
            AzureMlResilience.Configure(pipeline, options);
        });
        builder.AddHttpMessageHandler(sp => new TokenCredentialHandler(sp.GetRequiredService<AccessTokenCache>()));
        if (options.HttpMessageHandler is { } handler)
        {
            builder.ConfigurePrimaryHttpMessageHandler(() => new NonDisposingHandler(handler));
        }
    }

    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        // The caller owns the handler it gave: never pass disposal on to it.
        protected override void Dispose(bool disposing) => base.Dispose(disposing: false);
    }

    private sealed class WorkspaceProvider(AzureMlClientOptions options, ILoggerFactory? loggerFactory) : IAzureMlWorkspaceProvider, IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Workspace? _workspace;

        public async Task<Workspace> GetWorkspaceAsync(CancellationToken cancellationToken = default)
        {
            if (_workspace is { } w)
            {
                return w;
            }
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                options.LoggerFactory ??= loggerFactory;
                return _workspace ??= await Workspace.GetAsync(options.SubscriptionId, options.ResourceGroup, options.WorkspaceName, options.Credential!, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_workspace is not null)
            {
                await _workspace.DisposeAsync().ConfigureAwait(false);
            }
            _gate.Dispose();
        }
    }
}
