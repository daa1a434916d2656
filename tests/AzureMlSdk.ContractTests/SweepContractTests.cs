using System.Globalization;

namespace AzureMlSdk.ContractTests;

/// <summary>
/// Sweeps in the contract suite: what a user sees of a sweep job through <c>ws.Jobs</c>, identical on every backend — trials as child
/// jobs listed by the parent's name with their hyperparameters as params, the best trial on the parent (<c>best_child_run_id</c>,
/// <c>score</c>), the best trial's outputs downloaded through the sweep, and a cancel that reaches the trials. Trials run the test
/// worker (<c>dotnet AzureMlSdk.TestWorker.dll trial …</c>, logging through <c>Run.GetContext()</c>) or POSIX shell.
/// </summary>
public abstract class SweepContractTests : ContractTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The environment every trial names (Azure ML needs one; local runs record it).</summary>
    protected const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

    private static string Worker => $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";

    private async Task<List<Job>> TrialsOf(string sweep)
    {
        var trials = new List<Job>();
        await foreach (var trial in Ws.Jobs.ListAsync(sweep))
        {
            trials.Add(trial);
        }
        return [.. trials.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_sweep_runs_its_trials_as_child_jobs_and_its_download_is_the_best_trials_output()
    {
        var sweep = await Ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            ExperimentName = "contract-sweep",
            Trial = new CommandJob
            {
                Environment = Environment,
                Command = $"{Worker} trial accuracy ${{{{search_space.x}}}} 0 ${{{{outputs.model}}}}",
                Outputs = { ["model"] = Output.UriFolder() },
            },
            SearchSpace = { ["x"] = new Choice(0.5, 0.875) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("accuracy", Goal.Maximize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2, MaxTotalTrials = 2 },
        });
        Assert.Equal(JobType.Sweep, sweep.Type);
        using var cts = new CancellationTokenSource(Patience);
        await sweep.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Completed, sweep.Status);
        var trials = await TrialsOf(sweep.Name);
        Assert.Equal([$"{sweep.Name}_0", $"{sweep.Name}_1"], trials.Select(t => t.Name));
        Assert.All(trials, t => Assert.Equal(JobStatus.Completed, t.Status));
        Assert.Equal(["0.5", "0.875"], trials.Select(t => t.Run.Params["x"]));
        Assert.Equal($"{sweep.Name}_1", sweep.Properties["best_child_run_id"]);
        Assert.Equal(0.875, double.Parse(sweep.Properties["score"], CultureInfo.InvariantCulture));
        Assert.Equal(JobType.Sweep, (await Ws.Jobs.GetAsync(sweep.Name, cts.Token)).Type);

        var written = await Ws.Jobs.DownloadAsync(sweep.Name, Scratch("download"), "model", cancellationToken: cts.Token);
        Assert.Equal("accuracy=0.875", await File.ReadAllTextAsync(Assert.Single(written, p => p.EndsWith("model.txt", StringComparison.Ordinal)), cts.Token));
    }

    /// <summary>
    /// A difference the backends keep on purpose: the local workspace runs a sweep whose trial names no environment in the host's; Azure ML
    /// needs the trial to name one, so the Remote backend refuses the sweep at submit with a <see cref="JobDefinitionException"/> keyed
    /// <c>trial.environment</c> (az ml's sweep YAML key), before anything is created.
    /// </summary>
    [Fact]
    public async Task A_sweep_whose_trial_has_no_environment_runs_on_the_host_locally_and_is_refused_at_submit_on_Remote()
    {
        var bare = new SweepJob
        {
            ExperimentName = "contract-sweep",
            Trial = new CommandJob
            {
                Command = $"{Worker} trial accuracy ${{{{search_space.x}}}} 0 ${{{{outputs.model}}}}",
                Outputs = { ["model"] = Output.UriFolder() },
            },
            SearchSpace = { ["x"] = new Choice(0.25, 0.625) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("accuracy", Goal.Maximize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2, MaxTotalTrials = 2 },
        };
        var before = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();

        if (Ws.Kind == WorkspaceKind.Local)
        {
            var sweep = await Ws.Jobs.CreateOrUpdateAsync(bare);
            using var cts = new CancellationTokenSource(Patience);
            await sweep.WaitAsync(cts.Token);

            Assert.True(sweep.Status == JobStatus.Completed, $"{sweep.Status}: {sweep.Error?.Message}");
            var trials = await TrialsOf(sweep.Name);
            Assert.Equal([JobStatus.Completed, JobStatus.Completed], trials.Select(t => t.Status));
            Assert.Equal($"{sweep.Name}_1", sweep.Properties["best_child_run_id"]);
            var written = await Ws.Jobs.DownloadAsync(sweep.Name, Scratch("bare-download"), "model", cancellationToken: cts.Token);
            Assert.Equal("accuracy=0.625", await File.ReadAllTextAsync(Assert.Single(written, p => p.EndsWith("model.txt", StringComparison.Ordinal)), cts.Token));
        }
        else
        {
            var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(bare));
            Assert.Equal("trial.environment", e.Key);
            Assert.Contains("needs an 'environment'", e.Message, StringComparison.Ordinal);
            Assert.Equal(before, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        }
    }

    [Fact]
    public async Task A_standalone_sweep_naming_a_trial_component_is_refused_at_submit()
    {
        var before = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();
        var sweep = new SweepJob
        {
            TrialComponent = "azureml:train:1",
            SearchSpace = { ["x"] = new Choice(1, 2) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("m", Goal.Maximize),
        };

        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(sweep));

        Assert.Equal("trial", e.Key);
        Assert.Contains("pipeline", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
    }

    [Fact]
    public async Task Canceling_a_sweep_cancels_its_trials()
    {
        var sweep = await Ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            Trial = new CommandJob { Environment = Environment, Command = "sleep ${{search_space.s}}" },
            SearchSpace = { ["s"] = new Choice(60, 61) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("loss", Goal.Minimize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2 },
        });
        using var cts = new CancellationTokenSource(Patience);
        while ((await TrialsOf(sweep.Name)).Count(t => t.Status == JobStatus.Running) < 2)
        {
            await Task.Delay(100, cts.Token);
        }

        await Ws.Jobs.CancelAsync(sweep.Name, cts.Token);
        await sweep.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Canceled, sweep.Status);
        foreach (var trial in await TrialsOf(sweep.Name))
        {
            Assert.Equal(JobStatus.Canceled, (await trial.WaitAsync(cts.Token)).Status);
        }
    }
}
