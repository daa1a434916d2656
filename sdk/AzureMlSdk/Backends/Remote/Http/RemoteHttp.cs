using System.Text.Json.Serialization;
using Refit;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// Refit over the SDK's clients. The clients themselves come from <see cref="AzureMlHttpClients"/> (IHttpClientFactory, registered by
/// <see cref="AzureMlHttpRegistration"/>): the one construction path of the remote backend's HTTP stack.
/// </summary>
internal static class RemoteHttp
{
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
