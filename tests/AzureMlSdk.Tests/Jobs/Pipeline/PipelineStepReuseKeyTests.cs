using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>The step reuse key: what changes it (what decides a step's outputs) and what does not (names, descriptions).</summary>
public sealed class PipelineStepReuseKeyTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-tests", "reuse-" + Guid.NewGuid().ToString("N"));
    private Workspace _ws = null!;
    private PipelineStepReuse _reuse = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        File.WriteAllText(Path.Combine(_root, "data", "a.txt"), "one");
        _ws = Workspace.Local(Path.Combine(_root, "ws"));
        _reuse = new PipelineStepReuse((LocalWorkspaceBackend)_ws.Backend);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private CommandJob Step(string command = "cat ${{inputs.d}} > ${{outputs.o}}/x", double lr = 0.1, string? env = null, string? displayName = null,
        string? description = null, string? component = null) => new()
        {
            Command = command,
            DisplayName = displayName,
            Description = description,
            Inputs = { ["d"] = Input.UriFolder(Path.Combine(_root, "data")), ["lr"] = lr },
            Outputs = { ["o"] = Output.UriFolder() },
            EnvironmentVariables = env is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["E"] = env },
            Component = component is null ? null : new CommandComponent { Name = "c", Command = component, Description = description },
        };

    private Task<string> Key(CommandJob job, string compute = "local") => _reuse.KeyAsync(job, compute, CancellationToken.None);

    [Fact]
    public async Task Same_definition_same_key_and_names_or_descriptions_do_not_matter()
    {
        var key = await Key(Step());
        Assert.Equal(key, await Key(Step()));
        Assert.Equal(key, await Key(Step(displayName: "other", description: "words")));
        Assert.Equal(await Key(Step(component: "x")), await Key(Step(component: "x", description: "changed")));
    }

    [Fact]
    public async Task Inputs_content_command_environment_variables_compute_and_component_change_it()
    {
        var key = await Key(Step());
        Assert.NotEqual(key, await Key(Step(lr: 0.2)));
        Assert.NotEqual(key, await Key(Step(command: "cp ${{inputs.d}}/a.txt ${{outputs.o}}")));
        Assert.NotEqual(key, await Key(Step(env: "1")));
        Assert.NotEqual(key, await Key(Step(), compute: "cpu-cluster"));
        Assert.NotEqual(await Key(Step(component: "x")), await Key(Step(component: "y")));

        await File.WriteAllTextAsync(Path.Combine(_root, "data", "a.txt"), "two");
        Assert.NotEqual(key, await Key(Step()));
    }

    [Fact]
    public async Task The_index_returns_only_completed_jobs_it_recorded()
    {
        Assert.Null(_reuse.Find("no-such-key", CancellationToken.None));
        _reuse.Record("k", "no-such-job", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Null(_reuse.Find("k", CancellationToken.None));
    }
}
