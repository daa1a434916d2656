using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Operations;

namespace AzureMlSdk.Backends.Remote.Arm;

/// <summary>
/// Polls an ARM long-running operation to completion, after the Azure REST guidelines:
/// an answer carrying <c>Azure-AsyncOperation</c> (a 201/202, or a 200 to a PUT that updates) is polled through that status document
/// until <c>Succeeded</c>/<c>Failed</c>/<c>Canceled</c>, then the resource is read from the original URI for a PUT or from
/// <c>Location</c> otherwise; a 201/202 with only <c>Location</c> is polled there until it stops answering 202; any other
/// success is final. A <c>Failed</c>/<c>Canceled</c> operation raises <see cref="InvalidStateException"/> with the service's code. Waits honour <c>Retry-After</c>
/// through the SDK's <see cref="TimeProvider"/>; the whole wait is bounded by <see cref="WorkspaceOptions.LongRunningOperationTimeout"/>
/// and the caller's token. Polling URLs must be on the host of the original request, so the token never goes elsewhere.
/// </summary>
internal sealed class ArmLongRunningOperation(HttpClient http, TimeProvider time, TimeSpan timeout)
{
    /// <summary>Delay between polls when the service gives no <c>Retry-After</c>.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits for the operation the <paramref name="initial"/> answer started and returns the final resource (null when there is none, e.g. a delete).
    /// <paramref name="onStatus"/>, when given, hears each status an <c>Azure-AsyncOperation</c> poll reports (<c>InProgress</c>, <c>Succeeded</c>…).
    /// </summary>
    public async Task<T?> WaitAsync<T>(HttpResponseMessage initial, JsonTypeInfo<T> finalType, CancellationToken cancellationToken, Action<string>? onStatus = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(initial);
        using (initial)
        {
            if (!initial.IsSuccessStatusCode)
            {
                throw await RemoteErrors.FromResponseAsync(initial, cancellationToken).ConfigureAwait(false);
            }
            var request = initial.RequestMessage ?? throw new InvalidOperationException("The response has no request message.");
            var originalUri = request.RequestUri!;
            var method = request.Method;
            var asyncUri = Header(initial, "Azure-AsyncOperation", originalUri);
            var locationUri = initial.Headers.Location is { } loc ? Resolve(originalUri, loc) : null;
            // Azure-AsyncOperation is polled whatever the success status: a PUT that updates a resource answers 200 with it
            // (only a PATCH's 200 is final, as in Azure.Core). Location alone is polled on 201/202.
            var inProgress = asyncUri is not null
                ? !(method == HttpMethod.Patch && initial.StatusCode == HttpStatusCode.OK)
                : locationUri is not null && initial.StatusCode is (HttpStatusCode.Created or HttpStatusCode.Accepted);
            if (inProgress)
            {
                // From here on the operation can be polled from anywhere: say how (an operation object makes its id from it).
                OperationScope.ReportResumable(ResumeToken.Encode(method, originalUri, asyncUri, locationUri));
            }
            if (!inProgress)
            {
                return await ReadAsync(initial, finalType, cancellationToken).ConfigureAwait(false);
            }

            using var activity = AzureMlDiagnostics.ActivitySource.StartActivity(AzureMlDiagnostics.LongRunningOperationActivity, System.Diagnostics.ActivityKind.Internal);
            activity?.SetTag("http.request.method", method.Method);
            activity?.SetTag("url.path", originalUri.AbsolutePath);
            activity?.SetTag("azureml.lro.polling", asyncUri is not null ? "Azure-AsyncOperation" : "Location");
            var started = time.GetTimestamp();
            var polls = 0;
            var outcome = "error";
            using var timeoutCts = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
            var ct = linked.Token;
            var wait = RetryAfter.Get(initial, time) ?? DefaultPollInterval;
            try
            {
                while (true)
                {
                    await Task.Delay(wait, time, ct).ConfigureAwait(false);
                    polls++;
                    AzureMlDiagnostics.LroPolls.Add(1);
                    if (asyncUri is not null)
                    {
                        using var poll = await http.GetAsync(asyncUri, ct).ConfigureAwait(false);
                        if (!poll.IsSuccessStatusCode)
                        {
                            throw await RemoteErrors.FromResponseAsync(poll, ct).ConfigureAwait(false);
                        }
                        var status = await JsonSerializer.DeserializeAsync(await poll.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), ArmJsonContext.Default.ArmOperationStatus, ct).ConfigureAwait(false);
                        wait = RetryAfter.Get(poll, time) ?? DefaultPollInterval;
                        if (status?.Status is { Length: > 0 } reported)
                        {
                            activity?.AddEvent(new System.Diagnostics.ActivityEvent("azureml.lro.status", tags: new System.Diagnostics.ActivityTagsCollection { { "azureml.lro.status", reported } }));
                            onStatus?.Invoke(reported);
                        }
                        switch (status?.Status?.ToUpperInvariant())
                        {
                            case "SUCCEEDED":
                                outcome = "succeeded";
                                var finalUri = method == HttpMethod.Put || method == HttpMethod.Patch ? originalUri : locationUri;
                                if (finalUri is null)
                                {
                                    return null;
                                }
                                using (var final = await http.GetAsync(finalUri, ct).ConfigureAwait(false))
                                {
                                    if (final.StatusCode == HttpStatusCode.NotFound && method == HttpMethod.Delete)
                                    {
                                        return null;
                                    }
                                    if (!final.IsSuccessStatusCode)
                                    {
                                        throw await RemoteErrors.FromResponseAsync(final, ct).ConfigureAwait(false);
                                    }
                                    return await ReadAsync(final, finalType, ct).ConfigureAwait(false);
                                }
                            case "FAILED" or "CANCELED" or "CANCELLED":
                                outcome = "failed";
                                // The request was valid and accepted; the resource's operation then failed: a state, whatever the service's code.
                                var code = status.Error?.Code ?? status.Status!;
                                var message = status.Error?.Message ?? $"The operation ended as {status.Status}.";
                                throw new InvalidStateException(
                                    $"{method} {originalUri.AbsolutePath} ended as {status.Status}: {message} [request id {RemoteErrors.RequestId(poll) ?? "unknown"}]",
                                    code, status.Error is null ? 500 : 400, RemoteErrors.RequestId(poll));
                        }
                    }
                    else
                    {
                        using var poll = await http.GetAsync(locationUri!, ct).ConfigureAwait(false);
                        if (poll.StatusCode == HttpStatusCode.Accepted)
                        {
                            wait = RetryAfter.Get(poll, time) ?? DefaultPollInterval;
                            continue;
                        }
                        if (!poll.IsSuccessStatusCode)
                        {
                            throw await RemoteErrors.FromResponseAsync(poll, ct).ConfigureAwait(false);
                        }
                        outcome = "succeeded";
                        return await ReadAsync(poll, finalType, ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                outcome = "timeout";
                throw new ServiceUnavailableException(
                    $"{method} {originalUri.AbsolutePath} did not finish within the long-running operation timeout of {timeout}.",
                    "LongRunningOperationTimeout", 408);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                outcome = "canceled";
                throw;
            }
            finally
            {
                var elapsed = time.GetElapsedTime(started);
                AzureMlDiagnostics.LroDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("azureml.lro.outcome", outcome));
                activity?.SetTag("azureml.lro.polls", polls);
                activity?.SetTag("azureml.lro.outcome", outcome);
                if (outcome != "succeeded")
                {
                    activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        if (response.StatusCode == HttpStatusCode.NoContent || response.Content is null)
        {
            return null;
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        return bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, type);
    }

    private static Uri? Header(HttpResponseMessage response, string name, Uri original) =>
        response.Headers.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } v
            ? Resolve(original, new Uri(v, UriKind.RelativeOrAbsolute))
            : null;

    private static Uri Resolve(Uri original, Uri target)
    {
        var absolute = target.IsAbsoluteUri ? target : new Uri(original, target);
        if (!string.Equals(absolute.Authority, original.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new AzureMlException($"The service asked to poll a long-running operation on another host ({absolute.Host}); the SDK only sends its token to {original.Host}.", AzureMlErrorCodes.InternalError, 502);
        }
        return absolute;
    }

    /// <summary>
    /// Polls an operation that <see cref="WaitAsync{T}"/> started, possibly in another process, from the token it reported through
    /// <see cref="OperationScope"/>; returns once it has succeeded, throws <see cref="InvalidStateException"/> when it failed.
    /// The token's addresses must be on this connection's host (the token is never sent elsewhere).
    /// </summary>
    public async Task ResumeAsync(string resumeToken, CancellationToken cancellationToken, Action<string>? onStatus = null)
    {
        var (method, originalUri, asyncUri, locationUri) = ResumeToken.Decode(resumeToken);
        var host = http.BaseAddress ?? throw new InvalidOperationException("The ARM client has no base address.");
        foreach (var uri in new[] { originalUri, asyncUri, locationUri })
        {
            if (uri is not null && !string.Equals(uri.Authority, host.Authority, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidInputException($"The operation was started against {uri.Host}, not this workspace's {host.Host}; the SDK only sends its token to {host.Host}.", nameof(resumeToken));
            }
        }
        // Re-enter the poller as if the service had just accepted the request: the same loop, statuses, timeout and errors.
        var accepted = new HttpResponseMessage(HttpStatusCode.Accepted) { RequestMessage = new HttpRequestMessage(method, originalUri) };
        if (asyncUri is not null)
        {
            accepted.Headers.TryAddWithoutValidation("Azure-AsyncOperation", asyncUri.AbsoluteUri);
        }
        accepted.Headers.Location = locationUri;
        accepted.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
        await WaitAsync(accepted, ArmJsonContext.Default.ArmEmpty, cancellationToken, onStatus).ConfigureAwait(false);
    }

    /// <summary>How to poll an accepted operation: method, resource URI and polling URIs, as base64url JSON.</summary>
    private static class ResumeToken
    {
        public static string Encode(HttpMethod method, Uri originalUri, Uri? asyncUri, Uri? locationUri)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new ArmResumeToken(method.Method, originalUri.AbsoluteUri, asyncUri?.AbsoluteUri, locationUri?.AbsoluteUri), ArmJsonContext.Default.ArmResumeToken);
            return Convert.ToBase64String(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        public static (HttpMethod Method, Uri OriginalUri, Uri? AsyncUri, Uri? LocationUri) Decode(string token)
        {
            try
            {
                var text = token.Replace('-', '+').Replace('_', '/');
                text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
                if (JsonSerializer.Deserialize(Convert.FromBase64String(text), ArmJsonContext.Default.ArmResumeToken) is { Method.Length: > 0, Uri.Length: > 0 } t
                    && (t.AsyncOperation ?? t.Location) is not null)
                {
                    return (new HttpMethod(t.Method), new Uri(t.Uri), t.AsyncOperation is null ? null : new Uri(t.AsyncOperation), t.Location is null ? null : new Uri(t.Location));
                }
            }
            catch (Exception ex) when (ex is FormatException or JsonException or UriFormatException)
            {
            }
            throw new InvalidInputException("The operation's resume token is not one this SDK wrote.", nameof(token));
        }
    }
}

/// <summary>What <see cref="ArmLongRunningOperation"/> needs to poll an accepted operation again.</summary>
internal sealed record ArmResumeToken(string Method, string Uri, string? AsyncOperation, string? Location);
