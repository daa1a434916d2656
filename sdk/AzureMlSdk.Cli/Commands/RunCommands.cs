using System.CommandLine;
using System.Text.Json.Nodes;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary><c>azml run list|show|compare</c> (additions in az ml's style, over MLflow runs).</summary>
internal static class RunCommands
{
    public static Command Build()
    {
        var experiment = new Option<string[]>("--experiment-name", "--experiment", "-e")
        {
            Description = "Only runs of these experiments (repeat the flag for several); all experiments when omitted.",
            AllowMultipleArgumentsPerToken = false,
        };
        var filter = new Option<string?>("--filter") { Description = "MLflow search filter, e.g. \"metrics.loss < 0.2 and params.lr = '0.01'\"." };
        var orderBy = new Option<string?>("--order-by") { Description = "MLflow order-by, e.g. \"metrics.loss ASC\" (comma-separated clauses)." };
        var maxResults = new Option<int>("--max-results") { Description = "At most this many runs.", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List runs, newest first (or as --order-by says).") { experiment, filter, orderBy, maxResults };
        list.SetHandler(async ctx =>
        {
            var max = ctx.Get(maxResults);
            if (max < 1)
            {
                throw new UsageException($"argument --max-results: must be at least 1; got {max}.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var names = await ExperimentNamesAsync(ws, ctx.CancellationToken).ConfigureAwait(false);
            var experiments = ctx.Get(experiment) is { Length: > 0 } e ? e : null;
            var items = new JsonArray();
            await foreach (var run in ws.SearchRunsAsync(ctx.Get(filter), ctx.Get(orderBy), experiments, max, ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(Views.Run(run, names.GetValueOrDefault(run.ExperimentId)));
            }
            return new CliResult(items, Views.RunColumns);
        });

        var name = new Option<string>("--name", "-n") { Description = "The run id.", Required = true };
        var show = new Command("show", "Show a run: status, times, params, latest metrics, tags.") { name };
        show.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var run = await ws.GetRunAsync(ctx.Get(name)!, ctx.CancellationToken).ConfigureAwait(false);
            var names = await ExperimentNamesAsync(ws, ctx.CancellationToken).ConfigureAwait(false);
            var view = Views.Run(run, names.GetValueOrDefault(run.ExperimentId));
            var details = await run.GetDetailsAsync(ctx.CancellationToken).ConfigureAwait(false);
            if (details.Error is { } error)
            {
                view["error"] = new JsonObject { ["type"] = error.Type, ["message"] = error.Message };
            }
            return new CliResult(view, Views.RunColumns);
        });

        var ids = new Argument<string[]>("run-ids") { Description = "Two or more run ids.", Arity = new ArgumentArity(2, 100) };
        var compare = new Command("compare", "Compare runs: their params and final metrics side by side.") { ids };
        compare.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var items = new JsonArray();
            foreach (var id in ctx.Get(ids)!)
            {
                var run = await ws.GetRunAsync(id, ctx.CancellationToken).ConfigureAwait(false);
                items.Add(new JsonObject
                {
                    ["name"] = run.Id,
                    ["display_name"] = run.DisplayName,
                    ["status"] = run.Status.ToString(),
                    ["params"] = Views.Map(run.Params),
                    ["metrics"] = Views.Metrics(run.LatestMetrics),
                });
            }
            return new CliResult(items, CustomTable: SideBySide);
        });

        return new Command("run", "Run commands (MLflow runs): list, show, compare.") { list, show, compare };
    }

    private static async Task<Dictionary<string, string>> ExperimentNamesAsync(Workspace ws, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in ws.ListExperimentsAsync(includeArchived: true, cancellationToken).ConfigureAwait(false))
        {
            names[e.Id] = e.Name;
        }
        return names;
    }

    private static readonly string[] Sections = ["params", "metrics"];

    /// <summary>One row per param and metric, one column per run (headed by its display name, else its id).</summary>
    private static TableData SideBySide(JsonNode value)
    {
        var runs = value.AsArray().OfType<JsonObject>().ToList();
        var headers = new List<string> { "Key" };
        headers.AddRange(runs.Select(r => OutputWriter.Scalar(r["display_name"]) is { Length: > 0 } d ? d : OutputWriter.Scalar(r["name"])));
        var rows = new List<IReadOnlyList<string>>();
        rows.Add(["status", .. runs.Select(r => OutputWriter.Scalar(r["status"]))]);
        foreach (var section in Sections)
        {
            var keys = runs.SelectMany(r => r[section] is JsonObject o ? o.Select(p => p.Key) : []).Distinct().Order(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                rows.Add([$"{section}.{key}", .. runs.Select(r => OutputWriter.Scalar(r[section]?[key]))]);
            }
        }
        return new TableData(headers, rows);
    }
}
