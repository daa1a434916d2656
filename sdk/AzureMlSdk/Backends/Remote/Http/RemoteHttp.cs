using System.Text.Json.Serialization;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Refit;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// Builds the HTTP stack of the remote backend without a DI container (the DI registration in
/// <c>AddAzureMl</c> builds the same one through IHttpClientFactory): diagnostics → resilience → auth → transport.
/// Auth sits inside the resilience handler so every attempt carries a current token.
/// </summary>
internal static class RemoteHttp
{
    /// <summary>Creates an <see cref="HttpClient"/> for one service surface.</summary>
    public static HttpClient CreateClient(Uri baseAddress, WorkspaceOptions options, DelegatingHandler? auth, HttpMessageHandler transport)
    {
        HttpMessageHandler inner = transport;
        if (auth is not null)
        {
            auth.InnerHandler = inner;
            inner = auth;
        }
        var logger = options.LoggerFactory?.CreateLogger("AzureMlSdk.Http") ?? NullLogger.Instance;
        var resilience = new ResilienceHandler(AzureMlResilience.Build(options, logger)) { InnerHandler = inner };
        var diagnostics = new AzureMlDiagnosticsHandler(logger, options.TimeProvider, options.ApplicationId) { InnerHandler = resilience };
        return new HttpClient(diagnostics, disposeHandler: false)
        {
            BaseAddress = WithoutTrailingSlash(baseAddress),
            Timeout = Timeout.InfiniteTimeSpan, // the pipeline's total and attempt timeouts rule
        };
    }

    /// <summary>The transport every client of one backend shares: the caller's handler, or a pooled sockets handler.</summary>
    public static HttpMessageHandler CreateTransport(WorkspaceOptions options) =>
        options.HttpMessageHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = System.Net.DecompressionMethods.All };

    /// <summary>Refit settings for a source-generated JSON context, with the SDK's error mapping.</summary>
    public static RefitSettings Settings(JsonSerializerContext context)
    {
        var settings = RefitSettings.ForJsonContext(context);
        settings.ExceptionFactory = async response =>
            response.IsSuccessStatusCode ? null : await RemoteErrors.FromResponseAsync(response).ConfigureAwait(false);
        settings.TransportExceptionFactory = (request, exception, cancellationToken) => RemoteErrors.FromTransport(request, exception, cancellationToken);
        return settings;
    }

    /// <summary>Creates a source-generated Refit client over <paramref name="client"/>.</summary>
    public static T For<T>(HttpClient client, JsonSerializerContext context) => RestService.ForGenerated<T>(client, Settings(context));

    /// <summary>Refit appends each route (which starts with '/') to the base address's path, so the base must not end with '/'.</summary>
    public static Uri WithoutTrailingSlash(Uri uri) =>
        uri.AbsolutePath.Length > 1 && uri.AbsoluteUri.EndsWith('/') ? new Uri(uri.AbsoluteUri.TrimEnd('/')) : uri;
}
