using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>What every handler shares: the workspace (per request, so a host may serve several), options and the token check.</summary>
internal sealed class StudioContext
{
    private const string WorkspaceKey = "AzureMlSdk.Studio.Workspace";
    private readonly Func<HttpContext, ValueTask<Workspace>> _workspace;
    private readonly ConcurrentDictionary<Workspace, ConcurrentDictionary<string, string>> _experimentNames = new();

    public StudioContext(Func<HttpContext, ValueTask<Workspace>> workspace, StudioOptions options, string token)
    {
        _workspace = workspace;
        Options = options;
        Auth = new StudioAuth(token);
    }

    /// <summary>The pages in the navigation bar.</summary>
    public static IReadOnlyList<(string Path, string Label)> Navigation { get; } =
    [
        ("/jobs", "Jobs"),
        ("/designer", "Designer"),
        ("/experiments", "Experiments"),
        ("/models", "Models"),
        ("/endpoints", "Endpoints"),
    ];

    public StudioOptions Options { get; }

    public StudioAuth Auth { get; }

    /// <summary>Finds the request's workspace (once authenticated); <see cref="Workspace"/> returns it afterwards.</summary>
    public async Task ResolveAsync(HttpContext context) =>
        context.Items[WorkspaceKey] = await _workspace(context).ConfigureAwait(false);

    /// <summary>The request's workspace.</summary>
    public Workspace Workspace(HttpContext context) =>
        TryWorkspace(context) ?? throw new InvalidOperationException("The studio's workspace is not resolved for this request.");

    /// <summary>The request's workspace, or null before it is resolved (an error page of an unauthenticated request).</summary>
    public static Workspace? TryWorkspace(HttpContext context) => context.Items[WorkspaceKey] as Workspace;

    /// <summary>An experiment's name from its id (runs carry ids; pages link experiments by name).</summary>
    public async Task<string?> ExperimentNameAsync(HttpContext context, string experimentId)
    {
        var ws = Workspace(context);
        var names = _experimentNames.GetOrAdd(ws, _ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
        if (names.TryGetValue(experimentId, out var name))
        {
            return name;
        }
        await foreach (var e in ws.ListExperimentsAsync(includeArchived: true, context.RequestAborted).ConfigureAwait(false))
        {
            names[e.Id] = e.Name;
        }
        return names.TryGetValue(experimentId, out name) ? name : null;
    }
}
