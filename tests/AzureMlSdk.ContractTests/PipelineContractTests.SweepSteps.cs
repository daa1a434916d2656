namespace AzureMlSdk.ContractTests;

/// <summary>
/// Sweep steps in the pipelines contract, the same on every backend: a <c>type: sweep</c> step (<see cref="CommandJob.Sweep"/>) is a sweep
/// job whose trials are its children and whose outputs — its best trial's — feed the next step; a deterministic (grid) sweep step is
/// reused on resubmit; its sweep errors are refused at submit. On Remote the trial travels as azure-ai-ml sends it (an anonymous component
/// version named by the sweep node's <c>trial.componentId</c>) and the service (the Emulator) runs it.
/// </summary>
public abstract partial class PipelineContractTests
{
    private static string Worker => $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";

    [Fact]
    public async Task A_sweep_step_runs_a_sweep_whose_best_trials_output_feeds_the_next_step_and_a_grid_sweep_is_reused()
    {
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        PipelineJob Tuned() => new()
        {
            ExperimentName = "contract-pipeline-sweeps",
            Inputs = { ["word"] = word },
            Outputs = { ["report"] = Output.UriFolder() },
            Jobs =
            {
                ["tune"] = new CommandJob
                {
                    Environment = Environment,
                    Command = $"echo ${{{{inputs.w}}}} > /dev/null && {Worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}",
                    Inputs = { ["w"] = "${{parent.inputs.word}}", ["x"] = 0.1 },
                    Outputs = { ["model"] = Output.UriFolder() },
                }.Sweep("accuracy", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice(0.5, 0.875) }, SamplingAlgorithm.Grid,
                    new SweepLimits { MaxTotalTrials = 2, MaxConcurrentTrials = 2 }),
                ["use"] = new CommandJob
                {
                    Environment = Environment, Command = "cp ${{inputs.m}}/model.txt ${{outputs.r}}/used.txt",
                    Inputs = { ["m"] = "${{parent.jobs.tune.outputs.model}}" }, Outputs = { ["r"] = Output.UriFolder("${{parent.outputs.report}}") },
                },
            },
        };

        var first = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(Tuned()));

        Assert.Equal(JobStatus.Completed, first.Status);
        var steps = await Ws.Jobs.ListAsync(first.Name).ToDictionaryAsync(c => c.Properties["azureml.nodeid"], c => c);
        Assert.Equal(JobType.Sweep, steps["tune"].Type);
        Assert.Equal("false", steps["tune"].Properties["azureml.isreused"]);
        var trials = await Ws.Jobs.ListAsync(steps["tune"].Name).ToListAsync();
        Assert.Equal(2, trials.Count);
        Assert.All(trials, t => Assert.Equal((JobType.Command, JobStatus.Completed), (t.Type, t.Status)));
        Assert.Equal(["0.5", "0.875"], trials.Select(t => t.Run.Params["x"]).Order(StringComparer.Ordinal));
        Assert.Equal(trials.Single(t => t.Run.Params["x"] == "0.875").Name, steps["tune"].Properties["best_child_run_id"]);
        var destination = Path.GetDirectoryName(Scratch("sweep-out/x"))!;
        await Ws.Jobs.DownloadAsync(first.Name, destination, outputName: "report");
        Assert.Equal("accuracy=0.875", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "report", "used.txt")));

        var second = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(Tuned()));

        Assert.Equal(JobStatus.Completed, second.Status);
        var reused = await Ws.Jobs.ListAsync(second.Name).ToDictionaryAsync(c => c.Properties["azureml.nodeid"], c => c);
        Assert.Equal("true", reused["tune"].Properties["azureml.isreused"]);
        Assert.Equal(steps["tune"].Name, reused["tune"].Properties["azureml.reusedrunid"]);
        Assert.Equal(steps["tune"].Properties["best_child_run_id"], reused["tune"].Properties["best_child_run_id"]);
    }

    [Fact]
    public async Task A_sweep_step_with_grid_over_a_non_choice_is_refused_at_submit()
    {
        var pipeline = new PipelineJob
        {
            Jobs =
            {
                ["tune"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = 1.0 } }
                    .Sweep("m", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Uniform(0, 1) }, SamplingAlgorithm.Grid),
            },
        };
        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(pipeline));
        Assert.Equal("jobs.tune.search_space.x", e.Key);
        Assert.Contains("grid sampling takes choice parameters only", e.Message, StringComparison.Ordinal);
    }
}
