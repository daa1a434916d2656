using System.Net;
using AzureMlSdk.Studio.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Studio;

/// <summary>
/// The studio, served for one workspace on 127.0.0.1: <c>await using var studio = await StudioServer.StartAsync(ws, new() { Port = 0, ReadyOutput = Console.Out });</c>
/// then <c>await studio.WaitForShutdownAsync(ct)</c>. Every page and API needs the token (the ready line's URL carries it once;
/// the browser keeps a cookie). The studio reads and changes the workspace only through the SDK's object model, so any
/// workspace works: <see cref="Workspace.Local(string?, LogBufferOptions?, ILoggerFactory?)"/>, Azure, an MLflow server.
/// </summary>
public sealed class StudioServer : IAsyncDisposable
{
    /// <summary>The start of the line printed when the studio listens.</summary>
    public const string ReadyLinePrefix = "AzureMlSdk Studio listening on ";

    private readonly WebApplication _app;

    private StudioServer(WebApplication app, int port, string token)
    {
        _app = app;
        Port = port;
        Token = token;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Url = new Uri($"http://127.0.0.1:{port}/?token={token}");
    }

    /// <summary>The port it listens on (the one picked when <see cref="StudioOptions.Port"/> was 0).</summary>
    public int Port { get; }

    /// <summary>The token pages and APIs require.</summary>
    public string Token { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The URL to open: <c>http://127.0.0.1:&lt;port&gt;/?token=&lt;token&gt;</c>.</summary>
    public Uri Url { get; }

    /// <summary>The ready line: <c>AzureMlSdk Studio listening on http://127.0.0.1:&lt;port&gt;/?token=&lt;token&gt;</c>.</summary>
    public string ReadyLine => ReadyLinePrefix + Url;

    /// <summary>Starts the studio on 127.0.0.1 for <paramref name="workspace"/> and, once it listens, writes the ready line to <see cref="StudioOptions.ReadyOutput"/>.</summary>
    /// <exception cref="InvalidInputException">An option is out of range.</exception>
    /// <exception cref="AzureMlException">The port is taken.</exception>
    public static async Task<StudioServer> StartAsync(Workspace workspace, StudioOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        options ??= new StudioOptions();
        options.Validate();
        var token = options.Token ?? StudioAuth.NewToken();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        builder.Services.AddRouting();
        var app = builder.Build();
        StudioApp.Configure(app, new StudioContext(_ => ValueTask.FromResult(workspace), options, token));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new AzureMlException($"The studio cannot listen on 127.0.0.1:{options.Port}: {ex.Message} (pass port 0 to pick a free one).", AzureMlErrorCodes.InvalidState, 500, null, ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new StudioServer(app, new Uri(bound).Port, token);
        if (options.ReadyOutput is { } output)
        {
            await output.WriteLineAsync(server.ReadyLine).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        return server;
    }

    /// <summary>Waits until <paramref name="cancellationToken"/> is canceled or the host is asked to stop (Ctrl+C, SIGTERM).</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken = default)
    {
        var lifetime = _app.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var a = lifetime.ApplicationStopping.Register(() => stopped.TrySetResult());
        using var b = cancellationToken.Register(() => stopped.TrySetResult());
        await stopped.Task.ConfigureAwait(false);
    }

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Serving the studio inside another ASP.NET Core application (the Emulator serves it at <c>/studio</c>).</summary>
public static class StudioApplicationBuilderExtensions
{
    /// <summary>
    /// Serves the studio under <paramref name="pathPrefix"/> (e.g. <c>/studio</c>) of <paramref name="app"/>, for the workspace
    /// <paramref name="workspace"/> picks per request, requiring <paramref name="token"/> (as <c>?token=</c> once, then a cookie
    /// scoped to the prefix, or <c>Authorization: Bearer</c>). The host's own authentication must let the prefix through.
    /// </summary>
    public static IApplicationBuilder UseAzureMlStudio(this IApplicationBuilder app, PathString pathPrefix, Func<HttpContext, Workspace> workspace, string token, StudioOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return app.UseAzureMlStudio(pathPrefix, context => ValueTask.FromResult(workspace(context)), token, options);
    }

    /// <summary>
    /// Serves the studio under <paramref name="pathPrefix"/> for a workspace found (or opened) per request once the request is
    /// authenticated — e.g. a Remote workspace opened lazily on the host's own address. Errors opening it show as error pages.
    /// </summary>
    public static IApplicationBuilder UseAzureMlStudio(this IApplicationBuilder app, PathString pathPrefix, Func<HttpContext, ValueTask<Workspace>> workspace, string token, StudioOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentException.ThrowIfNullOrEmpty(token);
        options ??= new StudioOptions();
        options.Validate();
        var studio = new StudioContext(workspace, options, token);
        return app.Map(pathPrefix, branch => StudioApp.Configure(branch, studio));
    }
}
