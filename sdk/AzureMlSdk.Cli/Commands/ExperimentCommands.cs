using System.CommandLine;
using System.Text.Json.Nodes;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary><c>azml experiment list</c> (an addition in az ml's style).</summary>
internal static class ExperimentCommands
{
    public static Command Build()
    {
        var includeArchived = new Option<bool>("--include-archived") { Description = "Include archived (deleted) experiments." };
        var list = new Command("list", "List the workspace's experiments.") { includeArchived };
        list.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var e in ws.ListExperimentsAsync(ctx.Get(includeArchived), ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(Views.Experiment(e));
            }
            return new CliResult(items, Views.ExperimentColumns);
        });
        return new Command("experiment", "Experiment commands (MLflow experiments).") { list };
    }
}
