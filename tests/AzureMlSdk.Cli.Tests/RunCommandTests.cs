using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary><c>azml experiment list</c> and <c>azml run list|show|compare</c> on runs logged through the SDK.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Slow, string Fast, string Other)> SeedAsync()
    {
        await using var ws = Workspace.Local(_dir.WorkspaceDir);
        var iris = await ws.GetOrCreateExperimentAsync("iris");
        var slow = await iris.RunAsync(run =>
        {
            run.LogParam("lr", 0.01);
            run.Log("loss", 0.5);
            run.Log("loss", 0.4);
            return Task.FromResult(run.Id);
        }, displayName: "slow");
        var fast = await iris.RunAsync(run =>
        {
            run.LogParam("lr", 0.1);
            run.LogParam("epochs", 5);
            run.Log("loss", 0.1);
            run.Log("accuracy", 0.97);
            return Task.FromResult(run.Id);
        }, displayName: "fast");
        var other = await (await ws.GetOrCreateExperimentAsync("wine")).RunAsync(run => Task.FromResult(run.Id), displayName: "wine-1");
        return (slow, fast, other);
    }

    [Fact]
    public async Task Experiments_and_runs_list_filter_order_show_and_compare()
    {
        var (slow, fast, other) = await SeedAsync();
        var ids = new Dictionary<string, string> { [slow] = "run-slow", [fast] = "run-fast", [other] = "run-other" };

        var experiments = await _dir.RunAsync("experiment", "list", "--query", "[].name", "-o", "tsv");
        Assert.True(experiments.ExitCode == 0, experiments.ToString());
        Assert.Equal(["Default", "iris", "wine"], experiments.Stdout.TrimEnd().Split('\t').Order(StringComparer.Ordinal));

        var all = await _dir.RunAsync("run", "list", "--query", "length(@)");
        Assert.Equal("3", all.Stdout.Trim());

        var ordered = await _dir.RunAsync("run", "list", "--experiment", "iris", "--order-by", "metrics.loss ASC", "--query", "[].display_name", "-o", "tsv");
        Assert.Equal("fast\tslow\n", ordered.Stdout);

        var filtered = await _dir.RunAsync("run", "list", "--experiment-name", "iris", "--filter", "metrics.loss < 0.2", "-o", "table", "--query", "[].{Name: display_name, Status: status, Loss: metrics.loss}");
        Golden.Check("run-list-filtered.txt", filtered.Stdout);

        var show = await _dir.RunAsync("run", "show", "--name", fast);
        Assert.True(show.ExitCode == 0, show.ToString());
        var run = JsonNode.Parse(show.Stdout)!;
        Assert.Equal("fast", (string?)run["display_name"]);
        Assert.Equal("iris", (string?)run["experiment_name"]);
        Assert.Equal("Completed", (string?)run["status"]);
        Assert.Equal("0.1", (string?)run["params"]!["lr"]);
        Assert.Equal(0.97, (double)run["metrics"]!["accuracy"]!);

        var compare = await _dir.RunAsync("run", "compare", slow, fast, "-o", "table");
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Golden.Check("run-compare.txt", compare.Stdout, ids);

        var json = JsonNode.Parse((await _dir.RunAsync("run", "compare", slow, fast)).Stdout)!.AsArray();
        Assert.Equal(0.4, (double)json[0]!["metrics"]!["loss"]!);

        var one = await _dir.RunAsync("run", "compare", slow);
        Assert.Equal(2, one.ExitCode);

        var badFilter = await _dir.RunAsync("run", "list", "--filter", "metrics.loss <<< 1");
        Assert.Equal(1, badFilter.ExitCode);
        Assert.StartsWith("ERROR: (INVALID_PARAMETER_VALUE)", badFilter.Stderr, StringComparison.Ordinal);

        var unknownExperiment = await _dir.RunAsync("run", "list", "--experiment", "nope");
        Assert.Equal(1, unknownExperiment.ExitCode);
        Assert.StartsWith("ERROR: (RESOURCE_DOES_NOT_EXIST)", unknownExperiment.Stderr, StringComparison.Ordinal);
    }
}
