using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// The studio's token check, as Jupyter does it: <c>?token=</c> on the first visit sets an HttpOnly, SameSite=Strict cookie
/// (and redirects to the same URL without the token, so it leaves the address bar and the history); then the cookie, or an
/// <c>Authorization: Bearer</c> header, authenticates. Everything else gets 401. POSTs also need the anti-forgery token,
/// which only pages of the studio carry (an HMAC of the studio token, so it needs no server-side state).
/// </summary>
internal sealed class StudioAuth
{
    public const string CsrfFormField = "__csrf";
    public const string CsrfHeader = "X-CSRF-Token";

    private readonly byte[] _token;

    public StudioAuth(string token)
    {
        _token = Encoding.UTF8.GetBytes(token);
        CsrfToken = Base64Url(HMACSHA256.HashData(_token, "AzureMlSdk.Studio anti-forgery"u8));
        CookieSuffix = Base64Url(SHA256.HashData(_token))[..10];
    }

    /// <summary>The anti-forgery token pages embed.</summary>
    public string CsrfToken { get; }

    /// <summary>Cookies are not per port: each studio's cookie name carries a hash of its token, so two studios on one host do not clash.</summary>
    private string CookieSuffix { get; }

    public string CookieName => "azml_studio_" + CookieSuffix;

    public bool Matches(string? given) =>
        !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);

    /// <summary>Authenticates a request. Returns false after writing the 401 (or the token redirect) when the request must stop here.</summary>
    public async Task<bool> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        var queryToken = request.Query["token"].ToString();
        if (queryToken.Length > 0 && Matches(queryToken))
        {
            context.Response.Cookies.Append(CookieName, Encoding.UTF8.GetString(_token), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = string.IsNullOrEmpty(request.PathBase.Value) ? "/" : request.PathBase.Value,
                IsEssential = true,
            });
            if (HttpMethods.IsGet(request.Method))
            {
                // Drop the token from the address bar and the history.
                var rest = request.Query.Where(q => q.Key != "token")
                    .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? string.Empty)));
                var query = string.Join('&', rest);
                context.Response.Redirect(request.PathBase + request.Path + (query.Length > 0 ? "?" + query : string.Empty));
                return false;
            }
            return true;
        }
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Matches(header[7..].Trim()))
        {
            return true;
        }
        if (request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie))
        {
            return true;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"AzureMlSdk Studio\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("401 Unauthorized: the studio needs its token. Open the URL the studio printed (…/?token=…) or send Authorization: Bearer <token>.\n", context.RequestAborted).ConfigureAwait(false);
        return false;
    }

    /// <summary>Checks a state-changing request: the anti-forgery token (form field or header) and, when the browser sends one, a same-origin Origin.</summary>
    public async Task<bool> CheckAntiforgeryAsync(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        string? given = request.Headers[CsrfHeader].ToString();
        if (string.IsNullOrEmpty(given) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            given = form[CsrfFormField].ToString();
        }
        return !string.IsNullOrEmpty(given) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(CsrfToken));
    }

    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
