using Azure.Core;
using AzureMlSdk.Backends;

namespace AzureMlSdk.Emulator.Hosting;

/// <summary>
/// The studio at <c>/studio</c>: the Emulator's default workspace seen as any Azure ML client sees it — a Remote workspace
/// opened (on the first studio request) on the Emulator's own address with its bearer token, so the studio shows exactly
/// what the ARM and MLflow routes serve. The studio requires the same token (<c>/studio/?token=&lt;token&gt;</c> once).
/// </summary>
internal sealed class EmulatorStudio(string token) : IAsyncDisposable
{
    /// <summary>Where the studio is served.</summary>
    public const string PathPrefix = "/studio";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Workspace? _workspace;

    public async ValueTask<Workspace> GetAsync(HttpContext context)
    {
        if (_workspace is { } ws)
        {
            return ws;
        }
        await _gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            // The Emulator listens on 127.0.0.1 (or the host it was given): reach it the way this request did.
            var self = new Uri($"{context.Request.Scheme}://{context.Request.Host}/");
            return _workspace ??= await Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName,
                new StaticToken(token), new WorkspaceOptions { ResourceManagerEndpoint = self }, context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_workspace is { } ws)
        {
            await ws.DisposeAsync().ConfigureAwait(false);
        }
        _gate.Dispose();
    }

    private sealed class StaticToken(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
