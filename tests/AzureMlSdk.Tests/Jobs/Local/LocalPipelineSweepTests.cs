namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>
/// A sweep as a pipeline step on the local workspace, with real child processes: the step is a sweep job whose trials are its children,
/// its outputs are the best trial's and flow downstream and into the pipeline's outputs, and it is reused only when deterministic.
/// </summary>
public sealed class LocalPipelineSweepTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-tests", "pipeline-sweeps-" + Guid.NewGuid().ToString("N"));
    private Workspace _ws = null!;

    private static string Worker => $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        _ws = Workspace.Local(Path.Combine(_root, "ws"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    private async Task<Dictionary<string, Job>> StepsOf(Job pipeline) =>
        await _ws.Jobs.ListAsync(pipeline.Name).ToDictionaryAsync(j => j.Properties["azureml.nodeid"], j => j);

    /// <summary>make (writes a word) → tune (a sweep over x; each trial checks the word, logs accuracy = x, writes model.txt) → use (copies the best model).</summary>
    private static PipelineJob Tuned(string word, SamplingAlgorithm sampling, params double[] xs) => new()
    {
        ExperimentName = "pipeline-sweeps",
        Inputs = { ["word"] = word },
        Outputs = { ["best"] = Output.UriFolder(), ["report"] = Output.UriFolder() },
        Jobs =
        {
            ["make"] = new CommandJob
            {
                Command = "echo ${{inputs.w}} > ${{outputs.o}}/word.txt",
                Inputs = { ["w"] = "${{parent.inputs.word}}" }, Outputs = { ["o"] = Output.UriFolder() },
            },
            ["tune"] = new CommandJob
            {
                Command = $"grep -q {word} ${{{{inputs.data}}}}/word.txt && {Worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}",
                Inputs = { ["data"] = "${{parent.jobs.make.outputs.o}}", ["x"] = 0.1 },
                Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
            }.Sweep("accuracy", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice([.. xs.Cast<object>()]) }, sampling,
                new SweepLimits { MaxTotalTrials = xs.Length, MaxConcurrentTrials = 3 }),
            ["use"] = new CommandJob
            {
                Command = "cp ${{inputs.m}}/model.txt ${{outputs.r}}/used.txt",
                Inputs = { ["m"] = "${{parent.jobs.tune.outputs.model}}" }, Outputs = { ["r"] = Output.UriFolder("${{parent.outputs.report}}") },
            },
        },
    };

    private async Task<string> PipelineOutputAsync(Job pipeline, string output, string file)
    {
        var destination = Path.Combine(_root, "dl-" + Guid.NewGuid().ToString("N"));
        await _ws.Jobs.DownloadAsync(pipeline.Name, destination, outputName: output);
        return await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", output, file));
    }

    [Fact]
    public async Task A_sweep_step_runs_its_trials_and_binds_the_best_trials_output_downstream_and_a_grid_sweep_is_reused()
    {
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        var first = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, SamplingAlgorithm.Grid, 0.5, 0.875, 0.625)));

        Assert.True(first.Status == JobStatus.Completed, first.Error?.Message);
        var steps = await StepsOf(first);
        Assert.Equal(["make", "tune", "use"], steps.Keys.Order(StringComparer.Ordinal));
        var tune = steps["tune"];
        Assert.Equal(JobType.Sweep, tune.Type);
        Assert.Equal("false", tune.Properties["azureml.isreused"]);
        var trials = await _ws.Jobs.ListAsync(tune.Name).ToListAsync();
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.Equal(JobStatus.Completed, t.Status));
        Assert.Equal($"{tune.Name}_1", tune.Properties["best_child_run_id"]);
        Assert.Equal(["0.5", "0.625", "0.875"], trials.Select(t => t.Run.Params["x"]).Order(StringComparer.Ordinal));
        Assert.Equal("accuracy=0.875", await PipelineOutputAsync(first, "report", "used.txt"));
        Assert.Equal("accuracy=0.875", await PipelineOutputAsync(first, "best", "model.txt"));

        var second = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, SamplingAlgorithm.Grid, 0.5, 0.875, 0.625)));

        Assert.Equal(JobStatus.Completed, second.Status);
        var again = await StepsOf(second);
        Assert.All(again.Values, s => Assert.Equal("true", s.Properties["azureml.isreused"]));
        Assert.Equal(tune.Name, again["tune"].Properties["azureml.reusedrunid"]);
        Assert.Equal($"{tune.Name}_1", again["tune"].Properties["best_child_run_id"]);
        Assert.Empty(await _ws.Jobs.ListAsync(again["tune"].Name).ToListAsync());
        Assert.Equal("accuracy=0.875", await PipelineOutputAsync(second, "report", "used.txt"));

        // Another search space is another sweep: the step and the one downstream of it run again; make is reused.
        var third = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, SamplingAlgorithm.Grid, 0.25, 0.75)));
        var rerun = await StepsOf(third);
        Assert.Equal("true", rerun["make"].Properties["azureml.isreused"]);
        Assert.Equal("false", rerun["tune"].Properties["azureml.isreused"]);
        Assert.Equal("false", rerun["use"].Properties["azureml.isreused"]);
        Assert.Equal("accuracy=0.75", await PipelineOutputAsync(third, "report", "used.txt"));
    }

    [Fact]
    public async Task An_unseeded_random_sweep_step_is_never_reused_and_its_log_says_why()
    {
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        var first = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, SamplingAlgorithm.Random, 0.5)));
        var second = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, SamplingAlgorithm.Random, 0.5)));

        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobStatus.Completed, second.Status);
        var steps = await StepsOf(second);
        Assert.Equal("true", steps["make"].Properties["azureml.isreused"]);
        Assert.Equal("false", steps["tune"].Properties["azureml.isreused"]);
        var log = new StringWriter();
        await second.StreamAsync(log);
        Assert.Contains("never reused: random sampling without a seed", log.ToString(), StringComparison.Ordinal);

        // Seeded, the same sweep is reused.
        var seeded = new RandomSamplingAlgorithm { Seed = 3 };
        await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, seeded, 0.5)));
        var fourth = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Tuned(word, seeded, 0.5)));
        Assert.Equal("true", (await StepsOf(fourth))["tune"].Properties["azureml.isreused"]);
    }

    [Fact]
    public async Task A_sweep_step_whose_trials_fail_fails_the_pipeline_and_skips_what_depends_on_it()
    {
        var pipeline = Tuned("absent-word", SamplingAlgorithm.Grid, 0.5);
        pipeline.Jobs["make"] = new CommandJob
        {
            Command = "echo other > ${{outputs.o}}/word.txt",
            Inputs = { ["w"] = "${{parent.inputs.word}}" },
            Outputs = { ["o"] = Output.UriFolder() },
        };
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Failed, job.Status);
        var steps = await StepsOf(job);
        Assert.Equal(JobStatus.Failed, steps["tune"].Status);
        Assert.False(steps.ContainsKey("use"));
        Assert.Contains("/tune", job.Error!.Message, StringComparison.Ordinal);
    }
}
