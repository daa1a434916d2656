using System.Net;
using System.Net.Http.Headers;
using Azure.Core;

namespace AzureMlSdk.Backends.Remote.Auth;

/// <summary>Adds <c>Authorization: Bearer</c> from a shared <see cref="AccessTokenCache"/>. A 401 drops the cached token so the next call gets a new one.</summary>
internal sealed class TokenCredentialHandler(AccessTokenCache cache) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await cache.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            cache.Invalidate();
        }
        return response;
    }
}

/// <summary>
/// Caches a token from an Azure.Core <see cref="TokenCredential"/> and refreshes it before it expires: at its
/// <see cref="AccessToken.RefreshOn"/> when the credential gives one, otherwise five minutes before <see cref="AccessToken.ExpiresOn"/>.
/// One cache serves every client of a workspace (ARM, MLflow).
/// </summary>
internal sealed class AccessTokenCache(TokenCredential credential, string[] scopes, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AccessToken? _token;

    /// <summary>Forgets the cached token (after a 401).</summary>
    public void Invalidate() => _token = null;

    /// <summary>The cached token, or a new one when the cached one is due for refresh.</summary>
    internal async ValueTask<AccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_token is { } cached && !IsDue(cached, now))
        {
            return cached;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = time.GetUtcNow();
            if (_token is { } again && !IsDue(again, now))
            {
                return again;
            }
            try
            {
                var fresh = await credential.GetTokenAsync(new TokenRequestContext(scopes), cancellationToken).ConfigureAwait(false);
                _token = fresh;
                return fresh;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not AzureMlException)
            {
                // Credential messages name the tenant or the failing credential, never the secret; keep the inner for diagnosis.
                throw new AzureMlAuthenticationException($"Could not get a token for scope '{string.Join(' ', scopes)}': {ex.GetType().Name}. Check the credential (e.g. az login, managed identity).", innerException: ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static bool IsDue(AccessToken token, DateTimeOffset now)
    {
        var refreshAt = token.RefreshOn ?? token.ExpiresOn - RefreshMargin;
        return now >= refreshAt || now >= token.ExpiresOn;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}

/// <summary>Adds a fixed <c>Authorization</c> header (a static bearer token or basic auth, for plain MLflow servers and endpoint keys).</summary>
internal sealed class StaticAuthHandler(AuthenticationHeaderValue? header) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (header is not null)
        {
            request.Headers.Authorization = header;
        }
        return base.SendAsync(request, cancellationToken);
    }
}
