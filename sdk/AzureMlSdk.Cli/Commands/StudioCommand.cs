using System.CommandLine;
using AzureMlSdk.Cli.Output;
using AzureMlSdk.Studio;

namespace AzureMlSdk.Cli.Commands;

/// <summary>
/// <c>azml studio [--port N]</c>: serves the studio (the web UI) for the workspace azml selects (<c>--workspace-dir</c>, <c>--config</c>,
/// <c>-w/-g/--subscription</c>, or the defaults) on 127.0.0.1 until Ctrl+C, printing exactly one line on standard output once it
/// listens: <c>AzureMlSdk Studio listening on http://127.0.0.1:&lt;port&gt;/?token=&lt;token&gt;</c>.
/// </summary>
internal static class StudioCommand
{
    public static Command Build()
    {
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1; 0 (the default) picks a free one, printed in the ready line.", DefaultValueFactory = _ => 0 };
        var command = new Command("studio", "Serve the studio (a web UI: runs and charts, compare, models, endpoints, jobs) for the workspace on 127.0.0.1 until Ctrl+C; prints one line with its URL and token.") { port };
        command.SetHandler(async ctx =>
        {
            var p = ctx.Get(port);
            if (p is < 0 or > 65535)
            {
                throw new UsageException($"argument --port: must be 0 (any free port) to 65535; got {p}.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var output = ctx.Parse.InvocationConfiguration.Output;
            await using var studio = await StudioServer.StartAsync(ws, new StudioOptions { Port = p, ReadyOutput = output }, ctx.CancellationToken).ConfigureAwait(false);
            ctx.Feedback.Line("Serving workspace " + ws.Name + " (" + (ws.Kind == WorkspaceKind.Local ? ws.LocalDirectory : ws.Kind.ToString()) + "); press Ctrl+C to stop.");
            await studio.WaitForShutdownAsync(ctx.CancellationToken).ConfigureAwait(false);
            return CliResult.None;
        });
        return command;
    }
}
