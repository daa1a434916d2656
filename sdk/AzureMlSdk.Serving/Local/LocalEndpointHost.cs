using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AzureMlSdk.Serving.Local;

/// <summary>
/// One endpoint served on Kestrel at 127.0.0.1 (ephemeral port). Routes:
/// <c>POST /score</c> (key/token required; the <c>azureml-model-deployment</c> header pins a deployment, else
/// the traffic split picks one by weight), <c>GET /swagger.json</c> (key/token required), and the unauthenticated
/// probes <c>GET /</c> and <c>GET /liveness</c> (the server is up) and <c>GET /readiness</c> (a deployment can serve;
/// the pin header asks about one deployment).
/// </summary>
internal sealed class LocalEndpointHost : IAsyncDisposable
{
    private static readonly byte[] Healthy = "Healthy"u8.ToArray();

    private readonly WebApplication _app;
    private readonly Func<int> _percent;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private volatile Routing _routing = new(new Dictionary<string, LocalDeployment>(StringComparer.OrdinalIgnoreCase), new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase));
    private volatile byte[][] _keyBytes = [];
    private readonly Func<string, bool>? _entraTokenCheck;
    private EndpointKeys _keys;

    private LocalEndpointHost(WebApplication app, Uri baseUri, OnlineEndpointData data, EndpointKeys keys, Func<int> percent, TimeProvider time, Func<string, bool>? entraTokenCheck)
    {
        _entraTokenCheck = entraTokenCheck;
        _app = app;
        BaseUri = baseUri;
        Data = data;
        _keys = keys;
        _keyBytes = [Encoding.UTF8.GetBytes(keys.PrimaryKey), Encoding.UTF8.GetBytes(keys.SecondaryKey)];
        _percent = percent;
        _time = time;
    }

    public Uri BaseUri { get; }

    public OnlineEndpointData Data { get; set; }

    /// <summary>Serialises control-plane changes of this endpoint (deploy, traffic, delete).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public IReadOnlyDictionary<string, LocalDeployment> Deployments => _routing.Deployments;

    public EndpointKeys Keys
    {
        get => _keys;
        set
        {
            _keys = value;
            _keyBytes = [Encoding.UTF8.GetBytes(value.PrimaryKey), Encoding.UTF8.GetBytes(value.SecondaryKey)];
        }
    }

    /// <summary>
    /// Starts the endpoint's Kestrel on 127.0.0.1: on <paramref name="preferredPort"/> when it is free, else on an ephemeral port.
    /// <paramref name="entraTokenCheck"/> decides which bearer tokens an <see cref="EndpointAuthMode.AadToken"/> endpoint accepts (none when null).
    /// </summary>
    public static async Task<LocalEndpointHost> StartAsync(OnlineEndpointData data, EndpointKeys keys, Func<int> percent, TimeProvider time, int preferredPort, Func<string, bool>? entraTokenCheck, CancellationToken cancellationToken)
    {
        if (preferredPort != 0)
        {
            try
            {
                return await StartOnAsync(data, keys, percent, time, preferredPort, entraTokenCheck, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Taken by another process since: any free port will do (clients read the scoring URI again).
            }
        }
        return await StartOnAsync(data, keys, percent, time, 0, entraTokenCheck, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LocalEndpointHost> StartOnAsync(OnlineEndpointData data, EndpointKeys keys, Func<int> percent, TimeProvider time, int port, Func<string, bool>? entraTokenCheck, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "AzureMlSdk.LocalEndpoint." + data.Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            options.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        LocalEndpointHost? host = null;
        app.Run(async context =>
        {
            try
            {
                await host!.HandleAsync(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The caller went away.
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                await WriteTransportErrorAsync(context, ex).ConfigureAwait(false);
            }
            catch (Exception) when (!context.Response.HasStarted)
            {
                // Never an exception's text to the caller (and nothing of the host's internals).
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, AzureMlErrorCodes.InternalError, $"Endpoint '{data.Name}' failed to serve this request.").ConfigureAwait(false);
            }
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseUri = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        host = new LocalEndpointHost(app, baseUri, data with { ScoringUri = new Uri(baseUri, "score"), SwaggerUri = new Uri(baseUri, "swagger.json") }, keys, percent, time, entraTokenCheck);
        return host;
    }

    public EndpointToken IssueToken()
    {
        var now = _time.GetUtcNow();
        var token = new EndpointToken(RandomNumberGenerator.GetHexString(64, lowercase: true), now.AddHours(1), now.AddMinutes(30));
        _tokens[token.AccessToken] = token.ExpiresOn;
        foreach (var (old, expires) in _tokens)
        {
            if (expires < now)
            {
                _tokens.TryRemove(old, out _);
            }
        }
        return token;
    }

    /// <summary>Replaces the deployments and traffic atomically (requests see the old or the new table, never a mix).</summary>
    public void SetRouting(IReadOnlyDictionary<string, LocalDeployment> deployments, IReadOnlyDictionary<string, int> traffic) =>
        _routing = new Routing(
            new Dictionary<string, LocalDeployment>(deployments, StringComparer.OrdinalIgnoreCase),
            new Dictionary<string, int>(traffic, StringComparer.OrdinalIgnoreCase));

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        if (HttpMethods.IsGet(request.Method) && path is "/" or "/liveness")
        {
            context.Response.ContentType = "text/plain";
            await context.Response.Body.WriteAsync(Healthy, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (HttpMethods.IsGet(request.Method) && path == "/readiness")
        {
            var routing = _routing;
            var pinned = request.Headers[OnlineEndpoint.DeploymentHeader].ToString();
            var ready = pinned.Length > 0
                ? routing.Deployments.TryGetValue(pinned, out var one) && one.IsReady
                : routing.Deployments.Values.Any(d => d.IsReady && routing.Traffic.GetValueOrDefault(d.Name) > 0);
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(ready ? "Ready" : "Not ready", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var isScore = path == "/score";
        var isSwagger = path == "/swagger.json";
        if (!isScore && !isSwagger)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, AzureMlErrorCodes.ResourceDoesNotExist, $"No route {request.Method} {path}; use POST /score, GET /swagger.json, /liveness or /readiness.").ConfigureAwait(false);
            return;
        }
        if ((isScore && !HttpMethods.IsPost(request.Method)) || (isSwagger && !HttpMethods.IsGet(request.Method)))
        {
            context.Response.Headers.Allow = isScore ? "POST" : "GET";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, AzureMlErrorCodes.InvalidParameterValue, $"{path} takes {(isScore ? "POST" : "GET")}, not {request.Method}.").ConfigureAwait(false);
            return;
        }
        if (!IsAuthorized(request))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, AzureMlErrorCodes.Unauthenticated,
                Data.AuthMode switch
                {
                    EndpointAuthMode.Key => $"Endpoint '{Data.Name}' needs 'Authorization: Bearer <key>' with its primary or secondary key.",
                    EndpointAuthMode.AmlToken => $"Endpoint '{Data.Name}' needs 'Authorization: Bearer <token>' with a current token (OnlineEndpoint.GetTokenAsync).",
                    _ => $"Endpoint '{Data.Name}' needs 'Authorization: Bearer <token>' with a Microsoft Entra token of a caller it accepts.",
                }).ConfigureAwait(false);
            return;
        }
        var deployment = Pick(request, out var problem);
        if (deployment is null)
        {
            await WriteErrorAsync(context, problem.Status, problem.Code, problem.Message).ConfigureAwait(false);
            return;
        }
        if (isSwagger)
        {
            await WriteSwaggerAsync(context, deployment).ConfigureAwait(false);
            return;
        }
        if (!deployment.TryEnter(out var position))
        {
            // Stopping (replaced or deleted a moment ago): pick again from the routing as it is now.
            var again = Pick(request, out problem);
            if (again is null || !again.TryEnter(out position))
            {
                await (again ?? deployment).RejectNotReadyAsync(context).ConfigureAwait(false);
                return;
            }
            deployment = again;
        }
        await deployment.HandleAsync(context, position).ConfigureAwait(false);
    }

    private bool IsAuthorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = header.AsSpan(7).Trim();
        if (Data.AuthMode == EndpointAuthMode.AmlToken)
        {
            return _tokens.TryGetValue(presented.ToString(), out var expires) && expires > _time.GetUtcNow();
        }
        if (Data.AuthMode == EndpointAuthMode.AadToken)
        {
            return _entraTokenCheck?.Invoke(presented.ToString()) == true;
        }
        Span<byte> bytes = stackalloc byte[256];
        if (Encoding.UTF8.GetMaxByteCount(presented.Length) > bytes.Length)
        {
            return false;
        }
        var length = Encoding.UTF8.GetBytes(presented, bytes);
        var candidate = bytes[..length];
        var match = false;
        foreach (var key in _keyBytes)
        {
            match |= CryptographicOperations.FixedTimeEquals(candidate, key);
        }
        return match;
    }

    private LocalDeployment? Pick(HttpRequest request, out (int Status, string Code, string Message) problem)
    {
        problem = default;
        var routing = _routing;
        var pinned = request.Headers[OnlineEndpoint.DeploymentHeader].ToString();
        if (pinned.Length > 0)
        {
            if (routing.Deployments.TryGetValue(pinned, out var named))
            {
                return named;
            }
            problem = (StatusCodes.Status404NotFound, AzureMlErrorCodes.ResourceDoesNotExist,
                $"Endpoint '{Data.Name}' has no deployment '{pinned}' (header {OnlineEndpoint.DeploymentHeader}); it has: {(routing.Deployments.Count == 0 ? "none" : string.Join(", ", routing.Deployments.Keys))}.");
            return null;
        }
        var draw = _percent();
        var cumulative = 0;
        foreach (var (name, weight) in routing.Traffic)
        {
            cumulative += weight;
            if (weight > 0 && draw < cumulative && routing.Deployments.TryGetValue(name, out var chosen))
            {
                return chosen;
            }
        }
        problem = (StatusCodes.Status503ServiceUnavailable, AzureMlErrorCodes.TemporarilyUnavailable,
            $"No valid deployments to route to: endpoint '{Data.Name}' gives no deployment a positive traffic weight. Set traffic (SetTrafficAsync) or pin one with the {OnlineEndpoint.DeploymentHeader} header.");
        return null;
    }

    private async Task WriteSwaggerAsync(HttpContext context, LocalDeployment deployment)
    {
        var schema = deployment.Schema ?? new ScoringSchema(new JsonObject { ["type"] = "object" }, new JsonObject { ["type"] = "object" });
        var document = Swagger.Document(Data.Name, deployment.Name, BaseUri, schema);
        context.Response.ContentType = "application/json";
        context.Response.Headers[OnlineEndpoint.DeploymentHeader] = deployment.Name;
        await context.Response.WriteAsync(document.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Largest request body an endpoint reads (Kestrel's default, made explicit): a larger one is answered 413.
    /// </summary>
    public const long MaxRequestBodyBytes = 30_000_000;

    /// <summary>A request whose body could not be read (Kestrel's <see cref="BadHttpRequestException"/>): its 4xx, a fixed message.</summary>
    internal static Task WriteTransportErrorAsync(HttpContext context, BadHttpRequestException exception)
    {
        context.Response.Headers.Connection = "close";
        return exception.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, AzureMlErrorCodes.InvalidParameterValue,
                $"The request body is larger than the {MaxRequestBodyBytes} bytes an endpoint accepts."),
            StatusCodes.Status408RequestTimeout => WriteErrorAsync(context, StatusCodes.Status408RequestTimeout, "REQUEST_TIMEOUT", "The request body was not received in time."),
            _ => WriteErrorAsync(context, StatusCodes.Status400BadRequest, AzureMlErrorCodes.InvalidParameterValue,
                "The request body could not be read: its framing is malformed (e.g. invalid chunked transfer encoding)."),
        };
    }

    internal static Task WriteErrorAsync(HttpContext context, int status, string code, string message, string? target = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable && string.IsNullOrEmpty(response.Headers.RetryAfter))
        {
            response.Headers.RetryAfter = "1"; // clients back off by it (Azure ML's endpoints send it with 429)
        }
        response.StatusCode = status;
        response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["target"] = target,
            },
        };
        return response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    /// <summary>Stops Kestrel gracefully (in-flight requests finish, bounded), then every deployment.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var deployment in _routing.Deployments.Values)
        {
            await deployment.StopAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        Gate.Dispose();
    }

    private sealed record Routing(Dictionary<string, LocalDeployment> Deployments, Dictionary<string, int> Traffic);
}

/// <summary>The OpenAPI (Swagger 2.0, as Azure ML's inference server serves) document of a deployment.</summary>
internal static class Swagger
{
    public static JsonObject Document(string endpoint, string deployment, Uri baseUri, ScoringSchema schema)
    {
        static JsonObject Error() => new() { ["$ref"] = "#/definitions/ErrorResponse" };
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject
            {
                ["title"] = endpoint,
                ["description"] = $"API specification for the Azure ML online endpoint '{endpoint}' (deployment '{deployment}'), served locally by AzureMlSdk.",
                ["version"] = "1.0",
            },
            ["host"] = baseUri.Authority,
            ["schemes"] = new JsonArray("http"),
            ["consumes"] = new JsonArray("application/json"),
            ["produces"] = new JsonArray("application/json"),
            ["securityDefinitions"] = new JsonObject
            {
                ["Bearer"] = new JsonObject
                {
                    ["type"] = "apiKey",
                    ["name"] = "Authorization",
                    ["in"] = "header",
                    ["description"] = "For example: Bearer abc123",
                },
            },
            ["paths"] = new JsonObject
            {
                ["/"] = new JsonObject
                {
                    ["get"] = new JsonObject
                    {
                        ["operationId"] = "ServiceHealthCheck",
                        ["description"] = "Simple health check endpoint to ensure the service is up at any given point.",
                        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "If service is up and running, this response will be returned with the content 'Healthy'" } },
                    },
                },
                ["/score"] = new JsonObject
                {
                    ["post"] = new JsonObject
                    {
                        ["operationId"] = "RunMLService",
                        ["description"] = "Run web service's model and get the prediction output",
                        ["security"] = new JsonArray(new JsonObject { ["Bearer"] = new JsonArray() }),
                        ["parameters"] = new JsonArray(
                            new JsonObject
                            {
                                ["name"] = "serviceInputPayload",
                                ["in"] = "body",
                                ["description"] = "The input payload for executing the real-time machine learning service.",
                                ["schema"] = new JsonObject { ["$ref"] = "#/definitions/ServiceInput" },
                            },
                            new JsonObject
                            {
                                ["name"] = OnlineEndpoint.DeploymentHeader,
                                ["in"] = "header",
                                ["type"] = "string",
                                ["required"] = false,
                                ["description"] = "Send the request to this deployment, whatever the traffic split.",
                            }),
                        ["responses"] = new JsonObject
                        {
                            ["200"] = new JsonObject { ["description"] = "The service processed the input correctly and provided a result prediction, if applicable.", ["schema"] = new JsonObject { ["$ref"] = "#/definitions/ServiceOutput" } },
                            ["400"] = new JsonObject { ["description"] = "The request does not fit the model's inputs; the message names the input.", ["schema"] = Error() },
                            ["401"] = new JsonObject { ["description"] = "Missing or wrong key/token.", ["schema"] = Error() },
                            ["408"] = new JsonObject { ["description"] = "The deployment's request timeout passed.", ["schema"] = Error() },
                            ["429"] = new JsonObject { ["description"] = "The deployment's concurrency limit is reached.", ["schema"] = Error() },
                            ["502"] = new JsonObject { ["description"] = "The scorer failed.", ["schema"] = Error() },
                        },
                    },
                },
            },
            ["definitions"] = new JsonObject
            {
                ["ServiceInput"] = schema.Request.DeepClone(),
                ["ServiceOutput"] = schema.Response.DeepClone(),
                ["ErrorResponse"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["error"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["properties"] = new JsonObject
                            {
                                ["code"] = new JsonObject { ["type"] = "string" },
                                ["message"] = new JsonObject { ["type"] = "string" },
                                ["target"] = new JsonObject { ["type"] = "string", ["description"] = "The input at fault, when known." },
                            },
                        },
                    },
                },
            },
        };
    }
}
