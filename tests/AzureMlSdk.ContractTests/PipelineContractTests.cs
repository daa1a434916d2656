namespace AzureMlSdk.ContractTests;

/// <summary>
/// The pipelines part of the contract suite: a pipeline's steps run as child jobs in dependency order with their outputs flowing
/// through bindings, an identical resubmit reuses every step, and a bad graph is refused at submit — identical on every backend.
/// <see cref="LocalPipelineContractTests"/> runs it on the local workspace; RemoteEmulatorPipelineContractTests (integration tests) on
/// Remote→Emulator, where pipelines are refused for now (<see cref="RunsPipelines"/>).
/// Commands are POSIX shell.
/// </summary>
public abstract partial class PipelineContractTests : ContractTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The environment every step names (Azure ML needs one; local engines record it).</summary>
    protected const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    private static PipelineJob TwoSteps(string word) => new()
    {
        ExperimentName = "contract-pipelines",
        Inputs = { ["word"] = word },
        Outputs = { ["final"] = Output.UriFolder() },
        Jobs =
        {
            ["make"] = new CommandJob
            {
                Environment = Environment, Command = "echo ${{inputs.w}} > ${{outputs.o}}/word.txt",
                Inputs = { ["w"] = "${{parent.inputs.word}}" }, Outputs = { ["o"] = Output.UriFolder() },
            },
            ["shout"] = new CommandJob
            {
                Environment = Environment, Command = "tr a-z A-Z < ${{inputs.i}}/word.txt > ${{outputs.o}}/word.txt",
                Inputs = { ["i"] = "${{parent.jobs.make.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder("${{parent.outputs.final}}") },
            },
        },
    };

    /// <summary>
    /// Whether the backend runs pipelines. The Remote backend does not submit them yet (it would first create an anonymous component per
    /// inline step, as azure-ai-ml does): there a pipeline is refused with <see cref="AzureMlNotSupportedException"/> and nothing is created.
    /// </summary>
    protected virtual bool RunsPipelines => true;

    [Fact]
    public async Task A_backend_that_does_not_run_pipelines_refuses_them_and_creates_nothing()
    {
        if (RunsPipelines)
        {
            return;   // the cases below show what it does instead
        }
        var before = await Ws.Jobs.ListAsync().CountAsync();
        var e = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => Ws.Jobs.CreateOrUpdateAsync(TwoSteps("refused")));
        Assert.Contains("pipeline", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Ws.Jobs.ListAsync().CountAsync());
    }

    [Fact]
    public async Task A_pipeline_runs_its_steps_as_children_and_an_identical_resubmit_reuses_them()
    {
        if (!RunsPipelines)
        {
            return;   // refused: see A_backend_that_does_not_run_pipelines_refuses_them_and_creates_nothing
        }
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        var first = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(TwoSteps(word)));

        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobType.Pipeline, first.Type);
        var children = await Ws.Jobs.ListAsync(first.Name).ToListAsync();
        Assert.Equal(["make", "shout"], children.Select(c => c.Properties["azureml.nodeid"]).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.Equal(JobStatus.Completed, c.Status));
        var destination = Path.GetDirectoryName(Scratch("out/x"))!;
        await Ws.Jobs.DownloadAsync(first.Name, destination, outputName: "final");
        Assert.Equal(word.ToUpperInvariant() + "\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "final", "word.txt")));

        var second = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(TwoSteps(word)));

        Assert.Equal(JobStatus.Completed, second.Status);
        var reused = await Ws.Jobs.ListAsync(second.Name).ToListAsync();
        Assert.Equal(2, reused.Count);
        foreach (var step in reused)
        {
            Assert.Equal("true", step.Properties["azureml.isreused"]);
            Assert.Equal(children.Single(c => c.Properties["azureml.nodeid"] == step.Properties["azureml.nodeid"]).Name, step.Properties["azureml.reusedrunid"]);
        }
    }

    [Fact]
    public async Task A_cycle_or_a_binding_to_a_missing_step_is_refused_at_submit()
    {
        var cycle = new PipelineJob
        {
            Jobs =
            {
                ["a"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.b.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
                ["b"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.a.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
            },
        };
        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(cycle));
        Assert.Contains("cycle: a → b → a", e.Message, StringComparison.Ordinal);

        var missing = new PipelineJob
        {
            Jobs = { ["a"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.nope.outputs.o}}" } } },
        };
        var m = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(missing));
        Assert.Contains("no step 'nope'", m.Message, StringComparison.Ordinal);
    }
}
