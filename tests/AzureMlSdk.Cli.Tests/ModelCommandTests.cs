using System.Text.Json.Nodes;

namespace AzureMlSdk.Cli.Tests;

/// <summary><c>azml model …</c> end to end on a local workspace, as a process.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Create_list_show_download_archive_restore()
    {
        var file = _dir.Write("weights.bin", "model bytes");
        var created = await _dir.RunAsync("model", "create", "--name", "iris", "--path", file, "--description", "first", "--tags", "team=ml", "owner=me");
        Assert.True(created.ExitCode == 0, created.ToString());
        var model = JsonNode.Parse(created.Stdout)!;
        Assert.Equal("iris", (string?)model["name"]);
        Assert.Equal("1", (string?)model["version"]);
        Assert.Equal("custom_model", (string?)model["type"]);
        Assert.Equal("first", (string?)model["description"]);
        Assert.Equal("ml", (string?)model["tags"]!["team"]);
        Assert.Equal("weights.bin", (string?)model["files"]![0]!["path"]);

        var second = await _dir.RunAsync("model", "create", "-n", "iris", "-p", file, "--version", "2", "--stage", "Production");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal("Production", (string?)JsonNode.Parse(second.Stdout)!["stage"]);

        var table = await _dir.RunAsync("model", "list", "--name", "iris", "-o", "table");
        Assert.Equal(0, table.ExitCode);
        Golden.Check("model-list.txt", table.Stdout);

        var latest = await _dir.RunAsync("model", "show", "--name", "iris", "--label", "latest", "--query", "version", "-o", "tsv");
        Assert.Equal("2\n", latest.Stdout);

        var download = await _dir.RunAsync("model", "download", "--name", "iris", "--version", "1", "--download-path", Path.Combine(_dir.Path, "out"));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal("model bytes", await File.ReadAllTextAsync(Path.Combine(_dir.Path, "out", "iris", "weights.bin")));

        Assert.Equal(0, (await _dir.RunAsync("model", "archive", "--name", "iris", "--version", "2")).ExitCode);
        var afterArchive = await _dir.RunAsync("model", "list", "--name", "iris", "--query", "[].version", "-o", "tsv");
        Assert.Equal("1\n", afterArchive.Stdout);
        var all = await _dir.RunAsync("model", "list", "--name", "iris", "--include-archived", "--query", "[].version", "-o", "tsv");
        Assert.Equal("2\t1\n", all.Stdout);
        Assert.Equal(0, (await _dir.RunAsync("model", "restore", "--name", "iris", "--version", "2")).ExitCode);
        Assert.Equal("2\t1\n", (await _dir.RunAsync("model", "list", "--name", "iris", "--query", "[].version", "-o", "tsv")).Stdout);
    }

    [Fact]
    public async Task A_wrong_version_is_a_usage_error_and_creates_nothing()
    {
        var file = _dir.Write("m.onnx", "not really onnx");
        var result = await _dir.RunAsync("model", "create", "--name", "m", "--path", file, "--version", "3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("next version of model 'm' is 1", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        var list = await _dir.RunAsync("model", "list", "-o", "json");
        Assert.Equal("[]", list.Stdout.Trim());
    }

    [Fact]
    public async Task Missing_model_and_missing_path_fail_with_one_line_and_the_code()
    {
        var missing = await _dir.RunAsync("model", "show", "--name", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("", missing.Stdout);
        var line = Assert.Single(missing.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("ERROR: (RESOURCE_DOES_NOT_EXIST) ", line, StringComparison.Ordinal);

        var noFile = await _dir.RunAsync("model", "create", "--name", "m", "--path", Path.Combine(_dir.Path, "absent.bin"));
        Assert.Equal(1, noFile.ExitCode);
        Assert.Contains("absent.bin", noFile.Stderr, StringComparison.Ordinal);
        Assert.Equal("", (await _dir.RunAsync("model", "list", "-o", "tsv")).Stdout);
    }

    [Fact]
    public async Task Registers_from_a_runs_uri()
    {
        string runId;
        var weights = _dir.Write("w.bin", "from a run");
        await using (var ws = Workspace.Local(_dir.WorkspaceDir))
        {
            var exp = await ws.GetOrCreateExperimentAsync("iris");
            runId = await exp.RunAsync(async run =>
            {
                await run.UploadFileAsync("outputs/model.bin", weights);
                return run.Id;
            });
        }
        var result = await _dir.RunAsync("model", "create", "--name", "from-run", "--path", $"runs:/{runId}/outputs/model.bin");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(runId, (string?)JsonNode.Parse(result.Stdout)!["job_name"]);

        var bad = await _dir.RunAsync("model", "create", "--name", "x", "--path", "runs:/only-a-run");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("runs:/<run-id>/<artifact path>", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Progress_is_plain_lines_when_piped_and_nothing_with_only_show_errors()
    {
        var file = _dir.Write("w.bin", "x");
        var piped = await _dir.RunAsync("model", "create", "--name", "p", "--path", file);
        Assert.Equal(0, piped.ExitCode);
        Assert.Contains("Uploading w.bin", piped.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", piped.Stderr, StringComparison.Ordinal);
        var quiet = await _dir.RunAsync("model", "create", "--name", "p", "--path", file, "--only-show-errors");
        Assert.Equal(0, quiet.ExitCode);
        Assert.Equal("", quiet.Stderr);
    }
}
