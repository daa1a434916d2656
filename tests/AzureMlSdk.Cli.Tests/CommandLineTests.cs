using System.CommandLine;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary>Help, usage errors, output formats and workspace selection.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            data.Add(path);
            foreach (var sub in command.Subcommands)
            {
                Walk(sub, (path + " " + sub.Name).Trim());
            }
        }
        Walk(AzmlApp.BuildRoot(), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_of_every_command_is_not_empty(string command)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"];
        var exit = await AzmlApp.RunAsync(args, output, error);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Description:", output.ToString(), StringComparison.Ordinal);
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public async Task Version_and_help_as_a_process()
    {
        var version = await Azml.RunAsync(_dir.Path, null, "--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("0.1.0", version.Stdout, StringComparison.Ordinal);
        var help = await Azml.RunAsync(_dir.Path, null, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("model", help.Stdout, StringComparison.Ordinal);
        var group = await Azml.RunAsync(_dir.Path, null, "model");
        Assert.Equal(0, group.ExitCode);
        Assert.Contains("create", group.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_or_command_suggests_the_closest_and_exits_2()
    {
        var flag = await _dir.RunAsync("model", "show", "--nmae", "iris");
        Assert.Equal(2, flag.ExitCode);
        Assert.Equal("ERROR: unrecognized argument '--nmae' for 'azml model show'. Did you mean '--name'?", flag.Stderr.TrimEnd());
        var command = await _dir.RunAsync("modle", "list");
        Assert.Equal(2, command.ExitCode);
        Assert.Contains("Did you mean 'model'?", command.Stderr, StringComparison.Ordinal);
        var sub = await _dir.RunAsync("model", "shwo");
        Assert.Equal(2, sub.ExitCode);
        Assert.Contains("Did you mean 'show'?", sub.Stderr, StringComparison.Ordinal);
        var missing = await _dir.RunAsync("model", "show");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--name", missing.Stderr, StringComparison.Ordinal);
        Assert.Single(missing.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Output_formats_and_query()
    {
        var file = _dir.Write("w.bin", "x");
        Assert.Equal(0, (await _dir.RunAsync("model", "create", "--name", "fmt", "--path", file, "--tags", "k=v")).ExitCode);

        var yaml = await _dir.RunAsync("model", "show", "--name", "fmt", "-o", "yaml");
        Assert.Contains("name: fmt\n", yaml.Stdout, StringComparison.Ordinal);
        Assert.Contains("version: \"1\"\n", yaml.Stdout, StringComparison.Ordinal);

        var jsonc = await _dir.RunAsync("model", "show", "--name", "fmt", "-o", "jsonc");
        Assert.Contains("\u001b[", jsonc.Stdout, StringComparison.Ordinal);

        var tsv = await _dir.RunAsync("model", "show", "--name", "fmt", "--query", "{n: name, v: version, t: tags.k}", "-o", "tsv");
        Assert.Equal("fmt\t1\tv\n", tsv.Stdout);

        var json = await _dir.RunAsync("model", "list", "--query", "[0].{name: name, version: version}");
        Assert.Equal("fmt", (string?)JsonNode.Parse(json.Stdout)!["name"]);

        var table = await _dir.RunAsync("model", "show", "--name", "fmt", "-o", "table", "--query", "{Name: name, Version: version, Tag: tags.k}");
        Golden.Check("model-show-query.txt", table.Stdout);

        var badFormat = await _dir.RunAsync("model", "list", "-o", "xml");
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains("invalid choice 'xml'", badFormat.Stderr, StringComparison.Ordinal);
        var badQuery = await _dir.RunAsync("model", "list", "--query", "[?name==");
        Assert.Equal(2, badQuery.ExitCode);
        Assert.Contains("--query", badQuery.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workspace_selection_env_config_upward_and_flags()
    {
        var envDir = Path.Combine(_dir.Path, "from-env");
        var env = await Azml.RunAsync(_dir.Path, new Dictionary<string, string?> { ["AZUREML_LOCAL_DIR"] = envDir }, "workspace", "show", "--query", "local_dir", "-o", "tsv");
        Assert.Equal(envDir + "\n", env.Stdout);

        // A config.json naming a local workspace, found from a sub-folder.
        var project = Path.Combine(_dir.Path, "project");
        var nested = Path.Combine(project, "src", "deep");
        Directory.CreateDirectory(nested);
        Directory.CreateDirectory(Path.Combine(project, ".azureml"));
        await File.WriteAllTextAsync(Path.Combine(project, ".azureml", "config.json"), """{"local_dir": "../ws-from-config"}""");
        var upward = await Azml.RunAsync(nested, null, "workspace", "show", "--query", "local_dir", "-o", "tsv");
        Assert.Equal(Path.Combine(project, "ws-from-config") + "\n", upward.Stdout);

        var explicitConfig = await Azml.RunAsync(_dir.Path, null, "workspace", "show", "--config", Path.Combine(project, ".azureml", "config.json"), "--query", "kind", "-o", "tsv");
        Assert.Equal("local\n", explicitConfig.Stdout);

        var byDefault = await Azml.RunAsync(_dir.Path, null, "workspace", "show", "--query", "local_dir", "-o", "tsv");
        Assert.Equal(Path.Combine(_dir.Path, ".azureml", "local") + "\n", byDefault.Stdout);

        var partial = await Azml.RunAsync(_dir.Path, new Dictionary<string, string?> { ["AZURE_SUBSCRIPTION_ID"] = null }, "workspace", "show", "-w", "prod");
        Assert.Equal(2, partial.ExitCode);
        Assert.Contains("--resource-group/-g", partial.Stderr, StringComparison.Ordinal);
        Assert.Contains("--workspace-dir", partial.Stderr, StringComparison.Ordinal);

        var noConfig = await Azml.RunAsync(_dir.Path, null, "workspace", "show", "--config", Path.Combine(_dir.Path, "absent.json"));
        Assert.Equal(1, noConfig.ExitCode);
        Assert.Contains("--workspace-dir", noConfig.Stderr, StringComparison.Ordinal);
    }
}
