using System.Text.Json.Nodes;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.Cli.Tests;

/// <summary>The quickstart through the CLI on the Emulator: register → online endpoint → deployments → invoke → traffic → delete; batch scoring.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EndpointCommandTests(EmulatorFixture emulator)
{
    private const string OneRow = """{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""";

    [Fact]
    public async Task Online_endpoint_and_deployments_from_az_ml_yaml()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var model = "lin-" + suffix;
        var endpoint = "ep-" + suffix;
        Task<AzmlResult> Azml(params string[] args) => Tests.Azml.RunAsync(folder.Path, env, args);

        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "model.onnx"), TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        Assert.Equal(0, (await Azml("model", "create", "--name", model, "--path", "model.onnx")).ExitCode);
        folder.Write("endpoint.yml", $"""
            $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
            name: {endpoint}
            auth_mode: key
            description: linear scorer
            """);
        folder.Write("blue.yml", $"""
            $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
            name: blue
            endpoint_name: {endpoint}
            model: azureml:{model}:1
            instance_type: Standard_DS3_v2
            instance_count: 1
            """);
        folder.Write("green.yml", $"""
            name: green
            endpoint_name: {endpoint}
            model: azureml:{model}@latest
            instance_count: 1
            request_settings:
              request_timeout_ms: 4000
            """);
        folder.Write("request.json", OneRow);

        var created = await Azml("online-endpoint", "create", "-f", "endpoint.yml");
        Assert.True(created.ExitCode == 0, created.ToString());
        var ep = JsonNode.Parse(created.Stdout)!;
        Assert.Equal("key", (string?)ep["auth_mode"]);
        Assert.Equal("Succeeded", (string?)ep["provisioning_state"]);
        Assert.Contains($"Creating online endpoint {endpoint}", created.Stderr, StringComparison.Ordinal);

        var again = await Azml("online-endpoint", "create", "-f", "endpoint.yml");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr, StringComparison.Ordinal);

        var blue = await Azml("online-deployment", "create", "-f", "blue.yml", "--all-traffic");
        Assert.True(blue.ExitCode == 0, blue.ToString());
        Assert.Equal($"azureml:{model}:1", (string?)JsonNode.Parse(blue.Stdout)!["model"]);

        var invoked = await Azml("online-endpoint", "invoke", "--name", endpoint, "--request-file", "request.json");
        Assert.True(invoked.ExitCode == 0, invoked.ToString());
        Assert.Equal(6.5, (double)JsonNode.Parse(invoked.Stdout)!["predictions"]![0]![0]!);

        Assert.Equal(0, (await Azml("online-deployment", "create", "-f", "green.yml")).ExitCode);
        var traffic = await Azml("online-endpoint", "update", "--name", endpoint, "--traffic", "blue=90 green=10", "--query", "traffic");
        Assert.True(traffic.ExitCode == 0, traffic.ToString());
        Assert.Equal(90, (int)JsonNode.Parse(traffic.Stdout)!["blue"]!);
        Assert.Equal(10, (int)JsonNode.Parse(traffic.Stdout)!["green"]!);

        var pinned = await Azml("online-endpoint", "invoke", "-n", endpoint, "-r", "request.json", "--deployment-name", "green");
        Assert.Equal(6.5, (double)JsonNode.Parse(pinned.Stdout)!["predictions"]![0]![0]!);

        var table = await Azml("online-deployment", "list", "--endpoint-name", endpoint, "-o", "table");
        Golden.Check("online-deployment-list.txt", table.Stdout, new Dictionary<string, string> { [endpoint] = "ep-x", [model] = "lin-x" });

        var keys = JsonNode.Parse((await Azml("online-endpoint", "get-credentials", "-n", endpoint)).Stdout)!;
        Assert.False(string.IsNullOrEmpty((string?)keys["primary_key"]));
        Assert.NotEqual((string?)keys["primary_key"], (string?)keys["secondary_key"]);

        var logs = await Azml("online-deployment", "get-logs", "-n", "blue", "-e", endpoint, "-o", "tsv");
        Assert.Contains("Succeeded", logs.Stdout, StringComparison.Ordinal);
        Assert.True(logs.Stdout.Split('\n').Length > 2, logs.Stdout);

        var busy = await Azml("online-deployment", "delete", "-n", "green", "-e", endpoint, "--yes");
        Assert.Equal(1, busy.ExitCode);
        Assert.Single(busy.Stderr.TrimEnd().Split("\n"), l => l.StartsWith("ERROR", StringComparison.Ordinal));

        var badTraffic = await Azml("online-endpoint", "update", "-n", endpoint, "--traffic", "blue=ninety");
        Assert.Equal(2, badTraffic.ExitCode);

        Assert.Equal(0, (await Azml("online-endpoint", "update", "-n", endpoint, "--traffic", "blue=100 green=0")).ExitCode);
        Assert.Equal(0, (await Azml("online-deployment", "delete", "-n", "green", "-e", endpoint, "--yes")).ExitCode);
        Assert.Equal("blue\n", (await Azml("online-deployment", "list", "-e", endpoint, "--query", "[].name", "-o", "tsv")).Stdout);
        Assert.Equal(0, (await Azml("online-endpoint", "delete", "-n", endpoint, "--yes")).ExitCode);
        var gone = await Azml("online-endpoint", "show", "-n", endpoint);
        Assert.Equal(1, gone.ExitCode);
        Assert.StartsWith("ERROR: (", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deployment_yaml_error_names_file_line_and_key_and_creates_nothing()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var endpoint = "ep-bad-" + Guid.NewGuid().ToString("N")[..6];
        folder.Write("endpoint.yml", $"name: {endpoint}\n");
        folder.Write("bad.yml", $"name: blue\nendpoint_name: {endpoint}\nmodel: azureml:nothing:1\ninstance_cont: 2\n");
        Assert.Equal(0, (await Azml.RunAsync(folder.Path, env, "online-endpoint", "create", "-f", "endpoint.yml")).ExitCode);
        var result = await Azml.RunAsync(folder.Path, env, "online-deployment", "create", "-f", "bad.yml");
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("bad.yml:4:1: unknown key 'instance_cont'", line, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'instance_count'?", line, StringComparison.Ordinal);

        // A model that does not exist: refused before anything is created.
        folder.Write("missing.yml", $"name: blue\nendpoint_name: {endpoint}\nmodel: azureml:nothing:1\n");
        var missing = await Azml.RunAsync(folder.Path, env, "online-deployment", "create", "-f", "missing.yml");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("", (await Azml.RunAsync(folder.Path, env, "online-deployment", "list", "-e", endpoint, "-o", "tsv")).Stdout);
    }

    [Fact]
    public async Task Batch_endpoint_deployment_and_invoke()
    {
        var (folder, env) = emulator.Project();
        using var _ = folder;
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var endpoint = "batch-" + suffix;
        Directory.CreateDirectory(Path.Combine(folder.Path, "model"));
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "model", "model.onnx"), TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        folder.Write("inputs/rows.csv", "a,b,c\n1,1,1\n2,2,2\n0,0,0\n");
        folder.Write("batch-endpoint.yml", $"""
            $schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json
            name: {endpoint}
            description: nightly scoring
            auth_mode: aad_token
            """);
        folder.Write("batch-deployment.yml", $"""
            $schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
            name: default
            endpoint_name: {endpoint}
            type: model
            model:
              name: batch-model-{suffix}
              path: ./model
            compute: azureml:cpu-cluster
            settings:
              mini_batch_size: 2
              max_concurrency_per_instance: 2
              output_action: append_row
              output_file_name: predictions.jsonl
              error_threshold: -1
            """);
        var created = await Azml.RunAsync(folder.Path, env, "batch-endpoint", "create", "-f", "batch-endpoint.yml");
        Assert.True(created.ExitCode == 0, created.ToString());
        var deployed = await Azml.RunAsync(folder.Path, env, "batch-deployment", "create", "-f", "batch-deployment.yml");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Equal($"azureml:batch-model-{suffix}:1", (string?)JsonNode.Parse(deployed.Stdout)!["model"]);
        Assert.True((bool)JsonNode.Parse(deployed.Stdout)!["is_default"]!);

        var invoked = await Azml.RunAsync(folder.Path, env, "batch-endpoint", "invoke", "--name", endpoint, "--input", "inputs");
        Assert.True(invoked.ExitCode == 0, invoked.ToString());
        var result = JsonNode.Parse(invoked.Stdout)!;
        Assert.Equal("Completed", (string?)result["status"]);
        Assert.Equal(3, (int)result["rows_scored"]!);
        Assert.Equal(0, (int)result["rows_failed"]!);

        var run = await Azml.RunAsync(folder.Path, env, "run", "show", "--name", (string)result["name"]!, "--query", "metrics.rows_scored");
        Assert.Equal("3", run.Stdout.Trim());

        var shown = await Azml.RunAsync(folder.Path, env, "batch-endpoint", "show", "-n", endpoint, "--query", "defaults.deployment_name", "-o", "tsv");
        Assert.Equal("default\n", shown.Stdout);
        Assert.Equal(0, (await Azml.RunAsync(folder.Path, env, "batch-endpoint", "delete", "-n", endpoint, "--yes")).ExitCode);
    }
}

/// <summary>On a local workspace the endpoint commands explain why they cannot work between processes, and what to use instead.</summary>
public sealed class LocalEndpointCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Endpoint_commands_on_a_local_workspace_say_to_use_the_emulator()
    {
        _dir.Write("endpoint.yml", "name: local-ep\n");
        var result = await _dir.RunAsync("online-endpoint", "create", "-f", Path.Combine(_dir.Path, "endpoint.yml"));
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("ERROR: (NOT_IMPLEMENTED)", line, StringComparison.Ordinal);
        Assert.Contains("Emulator", line, StringComparison.Ordinal);
        var batch = await _dir.RunAsync("batch-endpoint", "list");
        Assert.Equal(1, batch.ExitCode);
    }

    [Fact]
    public async Task Yaml_errors_come_before_the_workspace_is_opened()
    {
        _dir.Write("endpoint.yml", "name: local-ep\nauth_mode: passwords\n");
        var result = await _dir.RunAsync("online-endpoint", "create", "-f", Path.Combine(_dir.Path, "endpoint.yml"));
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("ERROR: (INVALID_PARAMETER_VALUE) ", line, StringComparison.Ordinal);
        Assert.Contains("endpoint.yml:2:", line, StringComparison.Ordinal);
        Assert.Contains("auth_mode", line, StringComparison.Ordinal);
    }
}
