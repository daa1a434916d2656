using System.Globalization;
using System.Net.Http.Headers;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>Reads a server's <c>Retry-After</c> (delta seconds or HTTP-date) against the SDK's clock.</summary>
internal static class RetryAfter
{
    /// <summary>The delay the server asked for, or null when it asked for none.</summary>
    public static TimeSpan? Get(HttpResponseMessage? response, TimeProvider time)
    {
        if (response is null)
        {
            return null;
        }
        var header = response.Headers.RetryAfter;
        if (header is null && response.Headers.TryGetValues("Retry-After", out var raw))
        {
            // Some servers send a value the strict parser rejects (e.g. "5.0"); accept plain seconds.
            var text = raw.FirstOrDefault();
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs >= 0)
            {
                return TimeSpan.FromSeconds(secs);
            }
            return null;
        }
        return FromHeader(header, time);
    }

    /// <summary>The delay a parsed header asks for.</summary>
    public static TimeSpan? FromHeader(RetryConditionHeaderValue? header, TimeProvider time)
    {
        if (header is null)
        {
            return null;
        }
        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
