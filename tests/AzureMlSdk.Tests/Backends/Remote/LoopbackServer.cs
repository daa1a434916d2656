using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>A request the loopback server saw.</summary>
public sealed record SeenRequest(string Method, string Path, string Query, string? Authorization, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A small Kestrel host on 127.0.0.1:0 whose answers the test scripts with <see cref="Handle"/>.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app) => _app = app;

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>The script: gets the request (already recorded) and writes the answer.</summary>
    public Func<HttpContext, SeenRequest, Task> Handle { get; set; } = (ctx, _) => { ctx.Response.StatusCode = 404; return Task.CompletedTask; };

    /// <summary>The server's base URL, e.g. http://127.0.0.1:54321.</summary>
    public Uri BaseUri { get; private set; } = null!;

    public static async Task<LoopbackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync(ctx.RequestAborted);
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var seen = new SeenRequest(ctx.Request.Method, ctx.Request.Path.Value ?? string.Empty, ctx.Request.QueryString.Value ?? string.Empty,
                ctx.Request.Headers.Authorization.ToString(), headers, body);
            server.Requests.Enqueue(seen);
            await server.Handle(ctx, seen);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address);
        return server;
    }

    /// <summary>Writes a JSON answer.</summary>
    public static async Task JsonAsync(HttpContext ctx, int status, string json, params (string Name, string Value)[] headers)
    {
        ctx.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            ctx.Response.Headers[name] = value;
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
