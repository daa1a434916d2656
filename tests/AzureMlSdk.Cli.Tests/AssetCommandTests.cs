using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary><c>azml data|environment|component …</c> end to end on a local workspace, as a process.</summary>
public sealed class AssetCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Data_create_from_yaml_or_flags_then_list_show_archive_restore()
    {
        _dir.Write("iris/iris.csv", "a,b\n1,2\n");
        var yaml = _dir.Write("data.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
            name: iris
            description: the iris data
            type: uri_folder
            path: ./iris
            tags:
              source: uci
            """);
        var created = await _dir.RunAsync("data", "create", "-f", yaml);
        Assert.True(created.ExitCode == 0, created.ToString());
        var data = JsonNode.Parse(created.Stdout)!;
        Assert.Equal("iris", (string?)data["name"]);
        Assert.Equal("1", (string?)data["version"]);
        Assert.Equal("uri_folder", (string?)data["type"]);
        Assert.Equal("uci", (string?)data["tags"]!["source"]);
        Assert.StartsWith("azureml://datastores/workspaceblobstore/paths/", (string?)data["path"], StringComparison.Ordinal);

        var file = _dir.Write("one.csv", "x\n1\n");
        var fromFlags = await _dir.RunAsync("data", "create", "--name", "iris", "--path", file, "--type", "uri_file", "--description", "one file");
        Assert.True(fromFlags.ExitCode == 0, fromFlags.ToString());
        Assert.Equal("2\turi_file\n", (await _dir.RunAsync("data", "show", "-n", "iris", "--query", "[version, type]", "-o", "tsv")).Stdout);
        Assert.Equal("the iris data\n", (await _dir.RunAsync("data", "show", "-n", "iris", "-v", "1", "--query", "description", "-o", "tsv")).Stdout);

        var overridden = await _dir.RunAsync("data", "create", "-f", yaml, "--version", "7", "--set", "description=overridden");
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
        Assert.Equal("7\toverridden\n", (await _dir.RunAsync("data", "show", "-n", "iris", "-v", "7", "--query", "[version, description]", "-o", "tsv")).Stdout);

        Assert.Equal(0, (await _dir.RunAsync("data", "archive", "-n", "iris", "-v", "7")).ExitCode);
        Assert.Equal("2\n", (await _dir.RunAsync("data", "show", "-n", "iris", "--query", "version", "-o", "tsv")).Stdout);
        Assert.Equal("7\t2\t1\n", (await _dir.RunAsync("data", "list", "-n", "iris", "--include-archived", "--query", "[].version", "-o", "tsv")).Stdout);
        Assert.Equal(0, (await _dir.RunAsync("data", "restore", "-n", "iris", "-v", "7")).ExitCode);
        Assert.Equal("7\n", (await _dir.RunAsync("data", "list", "--query", "[].version", "-o", "tsv")).Stdout);

        var bad = _dir.Write("bad.yml", "name: iris\ntype: uri_folder\npth: ./iris\n");
        var badResult = await _dir.RunAsync("data", "create", "-f", bad);
        Assert.Equal(1, badResult.ExitCode);
        Assert.Contains("bad.yml:3:1", badResult.Stderr, StringComparison.Ordinal);
        Assert.Contains("'pth'", badResult.Stderr, StringComparison.Ordinal);
        Assert.Single(badResult.Stderr.TrimEnd().Split('\n'));

        var missing = await _dir.RunAsync("data", "create", "--name", "nothing");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--path", missing.Stderr, StringComparison.Ordinal);
        var unknown = await _dir.RunAsync("data", "show", "-n", "absent");
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("ERROR: (", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_and_component_create_from_yaml_list_and_show()
    {
        _dir.Write("conda.yml", "name: train\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip:\n    - scikit-learn\n");
        var env = _dir.Write("env.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: sklearn-env
            image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04
            conda_file: conda.yml
            """);
        var createdEnv = await _dir.RunAsync("environment", "create", "-f", env);
        Assert.True(createdEnv.ExitCode == 0, createdEnv.ToString());
        var e = JsonNode.Parse(createdEnv.Stdout)!;
        Assert.Equal("1", (string?)e["version"]);
        Assert.Equal("python=3.10", (string?)e["conda_file"]!["dependencies"]![0]);
        var byFlags = await _dir.RunAsync("environment", "create", "--name", "plain", "--image", "python:3.11-slim");
        Assert.True(byFlags.ExitCode == 0, byFlags.ToString());
        var envTable = await _dir.RunAsync("environment", "list", "-o", "table");
        Golden.Check("environment-list.txt", envTable.Stdout);

        _dir.Write("src/train.py", "print('train')\n");
        var component = _dir.Write("train.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            name: train_step
            display_name: Train
            type: command
            code: ./src
            command: python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}
            environment: azureml:sklearn-env:1
            inputs:
              lr: {type: number, default: 0.1}
            outputs:
              model: {type: uri_folder}
            """);
        var createdComponent = await _dir.RunAsync("component", "create", "-f", component);
        Assert.True(createdComponent.ExitCode == 0, createdComponent.ToString());
        var c = JsonNode.Parse(createdComponent.Stdout)!;
        Assert.Equal("command", (string?)c["type"]);
        Assert.Equal(0.1, (double)c["inputs"]!["lr"]!["default"]!);
        Assert.Equal("uri_folder", (string?)c["outputs"]!["model"]!["type"]);
        Assert.StartsWith("azureml:", (string?)c["code"], StringComparison.Ordinal);
        Assert.Equal("azureml:sklearn-env:1", (string?)c["environment"]);

        var second = await _dir.RunAsync("component", "create", "-f", component, "--set", "version=5", "--set", "display_name=Train v5");
        Assert.True(second.ExitCode == 0, second.ToString());
        var componentTable = await _dir.RunAsync("component", "list", "--name", "train_step", "-o", "table");
        Golden.Check("component-list.txt", componentTable.Stdout);
        Assert.Equal("Train\n", (await _dir.RunAsync("component", "show", "-n", "train_step", "--version", "1", "--query", "display_name", "-o", "tsv")).Stdout);

        var bad = _dir.Write("bad-component.yml", "name: broken\ntype: command\ncommand: python x.py --n ${{inputs.n}}\n");
        var badResult = await _dir.RunAsync("component", "create", "-f", bad);
        Assert.Equal(1, badResult.ExitCode);
        Assert.Contains("bad-component.yml", badResult.Stderr, StringComparison.Ordinal);
        Assert.Contains("inputs.n", badResult.Stderr, StringComparison.Ordinal);
        Assert.Equal("[]", (await _dir.RunAsync("component", "list", "-n", "broken")).Stdout.Trim());
    }
}
