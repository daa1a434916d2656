using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests;

/// <summary>What a new user tripped on (issue 15) where it needs the Emulator: config.json written by a workspace opens it again.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class NewcomerEmulatorTests(EmulatorFixture emulator) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("azureml-newcomer-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task WriteConfig_of_an_emulator_workspace_round_trips_through_FromConfig_with_its_endpoint_overrides()
    {
        var name = await emulator.CreateWorkspaceAsync();
        string file;
        string runId;
        await using (var ws = await emulator.OpenAsync(name, o => o.MlflowTrackingUri = new Uri(emulator.TrackingUri(name))))
        {
            var exp = await ws.GetOrCreateExperimentAsync("roundtrip");
            await using (var run = await exp.StartLoggingAsync("written"))
            {
                runId = run.Id;
            }
            file = await ws.WriteConfigAsync(Path.Combine(_root, ".azureml"));
        }

        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        Assert.Equal(name, (string?)json["workspace_name"]);
        Assert.Equal(emulator.BaseAddress.AbsoluteUri, (string?)json["resource_manager_endpoint"]);
        Assert.Equal(emulator.TrackingUri(name), (string?)json["mlflow_tracking_uri"]);
        Assert.False(json.ContainsKey("local_dir"));

        await using var again = await Workspace.FromConfigAsync(_root, new StaticTokenCredential(emulator.Token));
        Assert.Equal(WorkspaceKind.Remote, again.Kind);
        Assert.Equal(name, again.Name);
        Assert.Equal("written", (await again.GetRunAsync(runId)).DisplayName);
    }

    [Fact]
    public async Task WriteConfig_of_a_workspace_opened_on_azure_writes_no_endpoint_overrides()
    {
        var name = await emulator.CreateWorkspaceAsync();
        await using var ws = await emulator.OpenAsync(name);

        var file = await ws.WriteConfigAsync(Path.Combine(_root, "cfg", "config.json"));

        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        Assert.Equal(emulator.BaseAddress.AbsoluteUri, (string?)json["resource_manager_endpoint"]);
        Assert.False(json.ContainsKey("mlflow_tracking_uri"));
        Assert.False(json.ContainsKey("blob_service_uri"));
    }

    [Fact]
    public async Task GetContext_outside_a_job_opens_the_emulator_workspace_config_json_names()
    {
        var name = await emulator.CreateWorkspaceAsync();
        await using (var ws = await emulator.OpenAsync(name))
        {
            await ws.WriteConfigAsync(Path.Combine(_root, "project", ".azureml"));
        }
        var nested = Directory.CreateDirectory(Path.Combine(_root, "project", "src")).FullName;
        var saved = Environment.GetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable);
        Environment.SetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable, null);
        try
        {
            var (chosen, why) = await RunContext.ResolveWorkspaceAsync(nested, new StaticTokenCredential(emulator.Token), null, CancellationToken.None);
            await using (chosen)
            {
                Assert.Equal(WorkspaceKind.Remote, chosen.Kind);
                Assert.Equal(name, chosen.Name);
                Assert.Contains($"workspace '{name}'", why, StringComparison.Ordinal);
                Assert.Contains("config.json", why, StringComparison.Ordinal);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable, saved);
        }
    }
}
