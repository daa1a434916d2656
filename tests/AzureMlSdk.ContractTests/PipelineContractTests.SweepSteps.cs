namespace AzureMlSdk.ContractTests;

/// <summary>
/// Sweep steps in the pipelines contract: a <c>type: sweep</c> step (<see cref="CommandJob.Sweep"/>) is a sweep job whose trials are its
/// children and whose outputs — its best trial's — feed the next step; a deterministic (grid) sweep step is reused; its sweep errors are
/// refused at submit. A backend that does not run sweep steps (<see cref="RunsSweepSteps"/> false: Remote today) refuses the pipeline
/// with <see cref="AzureMlNotSupportedException"/> and creates nothing.
/// </summary>
public abstract partial class PipelineContractTests
{
    /// <summary>
    /// Whether this backend runs sweep steps. The local workspace does; the Remote backend does not submit them yet, and must refuse
    /// them with <see cref="AzureMlNotSupportedException"/> before creating anything. Each side of the difference is asserted.
    /// </summary>
    protected virtual bool RunsSweepSteps => true;

    /// <summary>The submitted job where the backend runs sweep steps; else null, after checking it was refused and nothing was created.</summary>
    private async Task<Job?> SubmitOrRefusedAsync(PipelineJob pipeline)
    {
        if (RunsSweepSteps)
        {
            return await Ws.Jobs.CreateOrUpdateAsync(pipeline);
        }
        var before = await Ws.Jobs.ListAsync().CountAsync();
        var e = await Assert.ThrowsAsync<AzureMlNotSupportedException>(() => Ws.Jobs.CreateOrUpdateAsync(pipeline));
        Assert.Contains("sweep", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Ws.Jobs.ListAsync().CountAsync());
        return null;
    }

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

        if (await SubmitOrRefusedAsync(Tuned()) is not { } submitted)
        {
            return;   // this backend does not run sweep steps (yet): refused, nothing created
        }
        var first = await EndAsync(submitted);

        Assert.Equal(JobStatus.Completed, first.Status);
        var steps = await Ws.Jobs.ListAsync(first.Name).ToDictionaryAsync(c => c.Properties["azureml.nodeid"], c => c);
        Assert.Equal(JobType.Sweep, steps["tune"].Type);
        var trials = await Ws.Jobs.ListAsync(steps["tune"].Name).ToListAsync();
        Assert.Equal(2, trials.Count);
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
