using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary>The same commands on the Emulator, selected by a config.json found in the current folder (token from AZUREML_EMULATOR_TOKEN).</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorCommandTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task Workspace_and_models_through_config_json()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var show = await Azml.RunAsync(folder.Path, env, "workspace", "show");
        Assert.True(show.ExitCode == 0, show.ToString());
        var ws = JsonNode.Parse(show.Stdout)!;
        Assert.Equal("remote", (string?)ws["kind"]);
        Assert.Equal("local", (string?)ws["name"]);
        Assert.StartsWith(emulator.BaseAddress.AbsoluteUri.TrimEnd('/'), (string?)ws["mlflow_tracking_uri"], StringComparison.Ordinal);

        var name = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var file = folder.Write("model/weights.bin", "emulated");
        var created = await Azml.RunAsync(folder.Path, env, "model", "create", "--name", name, "--path", Path.GetDirectoryName(file)!);
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("1", (string?)JsonNode.Parse(created.Stdout)!["version"]);
        Assert.StartsWith("azureml://", (string?)JsonNode.Parse(created.Stdout)!["path"], StringComparison.Ordinal);

        var list = await Azml.RunAsync(folder.Path, env, "model", "list", "--name", name, "--query", "[].version", "-o", "tsv");
        Assert.Equal("1\n", list.Stdout);

        var download = await Azml.RunAsync(folder.Path, env, "model", "download", "--name", name, "--version", "1", "--download-path", Path.Combine(folder.Path, "out"));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal("emulated", await File.ReadAllTextAsync(Path.Combine(folder.Path, "out", name, "weights.bin")));

        var missing = await Azml.RunAsync(folder.Path, env, "model", "show", "--name", name, "--version", "9");
        Assert.Equal(1, missing.ExitCode);
        Assert.StartsWith("ERROR: (", missing.Stderr, StringComparison.Ordinal);
        Assert.Single(missing.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Data_components_and_a_streamed_job_on_the_emulator()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        folder.Write("rows/data.csv", "x\n1\n");
        var data = folder.Write("data.yml", $"name: cli-data-{suffix}\ntype: uri_folder\npath: ./rows\n");
        var created = await Azml.RunAsync(folder.Path, env, "data", "create", "-f", data, "--query", "[version, path]", "-o", "tsv");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.StartsWith("1\tazureml://", created.Stdout, StringComparison.Ordinal);
        var shown = await Azml.RunAsync(folder.Path, env, "data", "show", "-n", $"cli-data-{suffix}", "--query", "type", "-o", "tsv");
        Assert.Equal("uri_folder\n", shown.Stdout);

        folder.Write("src/step.sh", "echo step\n");
        var component = folder.Write("component.yml", $"name: cli_step_{suffix}\ntype: command\ncode: ./src\ncommand: sh step.sh\n");
        var createdComponent = await Azml.RunAsync(folder.Path, env, "component", "create", "-f", component, "--query", "version", "-o", "tsv");
        Assert.True(createdComponent.ExitCode == 0, createdComponent.ToString());
        Assert.Equal("1\n", createdComponent.Stdout);
        Assert.Contains($"cli_step_{suffix}", (await Azml.RunAsync(folder.Path, env, "component", "list", "--query", "[].name", "-o", "tsv")).Stdout, StringComparison.Ordinal);

        var createdEnv = await Azml.RunAsync(folder.Path, env, "environment", "create", "--name", $"cli-env-{suffix}", "--image", "python:3.11-slim", "--query", "version", "-o", "tsv");
        Assert.True(createdEnv.ExitCode == 0, createdEnv.ToString());
        var job = folder.Write("job.yml", $"command: echo hello from the emulator\nexperiment_name: cli-emulator\ncompute: local\nenvironment: azureml:cli-env-{suffix}:1\n");
        var ran = await Azml.RunAsync(folder.Path, env, "job", "create", "-f", job, "--name", $"cli-emu-{suffix}", "--stream", "--query", "status", "-o", "tsv");
        Assert.True(ran.ExitCode == 0, ran.ToString());
        Assert.Equal("Completed\n", ran.Stdout);
        Assert.Contains("hello from the emulator", ran.Stderr, StringComparison.Ordinal);
        var listed = await Azml.RunAsync(folder.Path, env, "job", "show", "-n", $"cli-emu-{suffix}", "--query", "[status, experiment_name]", "-o", "tsv");
        Assert.Equal("Completed\tcli-emulator\n", listed.Stdout);

        // An inline environment without a name is registered as azure-ai-ml registers one (CliV2AnonymousEnvironment, version = content hash).
        var inline = folder.Write("inline.yml", "command: echo inline env\nexperiment_name: cli-emulator\ncompute: local\nenvironment:\n  image: python:3.11-slim\n");
        var ranInline = await Azml.RunAsync(folder.Path, env, "job", "create", "-f", inline, "--name", $"cli-emu-inline-{suffix}", "--stream", "--query", "status", "-o", "tsv");
        Assert.True(ranInline.ExitCode == 0, ranInline.ToString());
        Assert.Equal("Completed\n", ranInline.Stdout);
    }

    [Fact]
    public async Task A_wrong_token_is_a_one_line_authentication_error()
    {
        var (folder, _) = emulator.Project();
        using var __ = folder;
        var result = await Azml.RunAsync(folder.Path, new Dictionary<string, string?> { ["AZUREML_EMULATOR_TOKEN"] = "not-the-token-4f2a" }, "model", "list");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("ERROR: (", line, StringComparison.Ordinal);
        Assert.Contains("Could not open the workspace", line, StringComparison.Ordinal);
        Assert.Contains("--workspace-dir", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token-4f2a", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Experiments_and_runs_on_the_emulator()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var experiment = "cli-exp-" + Guid.NewGuid().ToString("N")[..8];
        await using (var ws = await Workspace.GetAsync("00000000-0000-0000-0000-000000000000", "local", "local",
            Azure.Core.DelegatedTokenCredential.Create((_, _) => new Azure.Core.AccessToken(emulator.Token, DateTimeOffset.MaxValue)),
            new WorkspaceOptions { ResourceManagerEndpoint = emulator.BaseAddress }))
        {
            var exp = await ws.GetOrCreateExperimentAsync(experiment);
            await exp.RunAsync(run =>
            {
                run.LogParam("lr", 0.5);
                run.Log("loss", 0.25);
                return Task.CompletedTask;
            }, displayName: "remote-run");
        }
        var runs = await Azml.RunAsync(folder.Path, env, "run", "list", "--experiment", experiment, "--query", "[].{d: display_name, s: status, l: metrics.loss, lr: params.lr}", "-o", "tsv");
        Assert.True(runs.ExitCode == 0, runs.ToString());
        Assert.Equal("remote-run\tCompleted\t0.25\t0.5\n", runs.Stdout);
        var experiments = await Azml.RunAsync(folder.Path, env, "experiment", "list", "--query", $"[?name=='{experiment}'].name", "-o", "tsv");
        Assert.Equal(experiment + "\n", experiments.Stdout);
    }
}
