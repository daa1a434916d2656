using System.CommandLine;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary><c>azml workspace show</c>.</summary>
internal static class WorkspaceCommands
{
    public static Command Build()
    {
        var show = new Command("show", "Show the workspace azml selects (local folder, config.json, or -w/-g/--subscription).");
        show.SetHandler(async ctx => new CliResult(Views.Workspace(await ctx.WorkspaceAsync().ConfigureAwait(false)),
            [("Name", "name"), ("Kind", "kind"), ("ResourceGroup", "resource_group"), ("LocalDir", "local_dir"), ("MlflowTrackingUri", "mlflow_tracking_uri")]));
        return new Command("workspace", "Workspace commands.") { show };
    }
}
