using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary><c>azml job …</c> and <c>azml compute …</c> over the jobs engine, on a local workspace.</summary>
public sealed class JobCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Job_create_stream_show_list_and_a_failing_job_exits_1()
    {
        var ok = _dir.Write("job.yml", "command: echo hello from azml\nexperiment_name: cli-jobs\ncompute: local\n");
        var created = await _dir.RunAsync("job", "create", "-f", ok, "--stream", "--name", "cli-job-ok");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("hello from azml", created.Stderr, StringComparison.Ordinal);
        var job = JsonNode.Parse(created.Stdout)!;
        Assert.Equal("cli-job-ok", (string?)job["name"]);
        Assert.Equal("Completed", (string?)job["status"]);
        Assert.Equal("command", (string?)job["type"]);

        Assert.Equal("Completed\n", (await _dir.RunAsync("job", "show", "-n", "cli-job-ok", "--query", "status", "-o", "tsv")).Stdout);
        Assert.Contains("cli-job-ok", (await _dir.RunAsync("job", "list", "--query", "[].name", "-o", "tsv")).Stdout, StringComparison.Ordinal);

        var failing = _dir.Write("fail.yml", "command: exit 3\nexperiment_name: cli-jobs\ncompute: local\n");
        var failed = await _dir.RunAsync("job", "create", "-f", failing, "--stream");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("ended Failed", failed.Stderr, StringComparison.Ordinal);

        var bad = _dir.Write("bad.yml", "comand: echo\n");
        var badResult = await _dir.RunAsync("job", "create", "-f", bad);
        Assert.Equal(1, badResult.ExitCode);
        Assert.Contains("bad.yml:1:1: unknown key 'comand'", badResult.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_is_registered_from_a_jobs_named_output_or_its_artifacts()
    {
        var job = _dir.Write("train.yml", """
            command: mkdir -p ${{outputs.model_dir}}/onnx && echo weights > ${{outputs.model_dir}}/onnx/model.bin && mkdir -p outputs && echo card > outputs/card.txt
            experiment_name: cli-jobs
            compute: local
            outputs:
              model_dir: {type: uri_folder}
            """);
        var created = await _dir.RunAsync("job", "create", "-f", job, "--name", "cli-train", "--stream");
        Assert.True(created.ExitCode == 0, created.ToString());

        var whole = await _dir.RunAsync("model", "create", "--name", "from-output", "--path", "azureml://jobs/cli-train/outputs/model_dir");
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var model = JsonNode.Parse(whole.Stdout)!;
        Assert.Equal("cli-train", (string?)model["job_name"]);
        Assert.Equal("onnx/model.bin", (string?)model["files"]![0]!["path"]);
        Assert.Equal("model_dir", (string?)model["properties"]!["azureml.jobOutput"]);

        var sub = await _dir.RunAsync("model", "create", "--name", "from-output", "--path", "azureml://jobs/cli-train/outputs/model_dir/paths/onnx/model.bin",
            "--query", "[version, files[0].path]", "-o", "tsv");
        Assert.Equal("2\tmodel.bin\n", sub.Stdout);

        var artifacts = await _dir.RunAsync("model", "create", "--name", "card", "--path", "azureml://jobs/cli-train/outputs/artifacts/paths/outputs/card.txt",
            "--query", "[job_name, files[0].path]", "-o", "tsv");
        Assert.Equal("cli-train\tcard.txt\n", artifacts.Stdout);
        var download = await _dir.RunAsync("model", "download", "--name", "card", "--download-path", Path.Combine(_dir.Path, "dl"));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal("card\n", await File.ReadAllTextAsync(Path.Combine(_dir.Path, "dl", "card", "card.txt")));

        var noOutput = await _dir.RunAsync("model", "create", "--name", "x", "--path", "azureml://jobs/cli-train/outputs/nope");
        Assert.Equal(1, noOutput.ExitCode);
        Assert.Contains("its outputs: model_dir", noOutput.Stderr, StringComparison.Ordinal);
        var escape = await _dir.RunAsync("model", "create", "--name", "x", "--path", "azureml://jobs/cli-train/outputs/model_dir/paths/../../etc");
        Assert.Equal(2, escape.ExitCode);
        Assert.Equal("[]", (await _dir.RunAsync("model", "list", "--name", "x")).Stdout.Trim());
    }

    [Fact]
    public async Task Compute_create_list_show_delete()
    {
        var created = await _dir.RunAsync("compute", "create", "--name", "cpu-cluster", "--type", "amlcompute", "--max-instances", "3");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(3, (int)JsonNode.Parse(created.Stdout)!["max_instances"]!);
        Assert.Contains("cpu-cluster", (await _dir.RunAsync("compute", "list", "--query", "[].name", "-o", "tsv")).Stdout, StringComparison.Ordinal);
        Assert.Equal("amlcompute\n", (await _dir.RunAsync("compute", "show", "-n", "cpu-cluster", "--query", "type", "-o", "tsv")).Stdout);
        Assert.Equal(0, (await _dir.RunAsync("compute", "delete", "-n", "cpu-cluster", "--yes")).ExitCode);
        Assert.Equal(1, (await _dir.RunAsync("compute", "show", "-n", "cpu-cluster")).ExitCode);
    }
}
