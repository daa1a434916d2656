using System.Globalization;

namespace AzureMlSdk.Tests.Jobs.Sweep;

/// <summary>
/// Sweeps on the local workspace with real child processes (an in-process supervisor): trials are child command jobs whose
/// hyperparameters are substituted and logged as params, whose primary metric is read from their runs as it is logged
/// (<c>Run.GetContext()</c> in the test worker), the best trial recorded on the parent and downloaded through it.
/// </summary>
public sealed class LocalSweepJobTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-tests", "sweeps-" + Guid.NewGuid().ToString("N"));
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

    private async Task<List<Job>> TrialsOf(Job sweep)
    {
        var trials = new List<Job>();
        await foreach (var trial in _ws.Jobs.ListAsync(sweep.Name))
        {
            trials.Add(trial);
        }
        return [.. trials.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    private async Task<string> HyperdriveOf(Job sweep)
    {
        var path = Path.Combine(_root, "hyperdrive-" + sweep.Name + ".txt");
        await sweep.Run.DownloadFileAsync("azureml-logs/hyperdrive.txt", path);
        return await File.ReadAllTextAsync(path);
    }

    [Fact]
    public async Task A_grid_sweep_runs_each_point_as_a_child_job_and_records_and_downloads_the_best_trial()
    {
        var sweep = await _ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            ExperimentName = "sweep-local",
            Trial = new CommandJob
            {
                // ${{inputs.delay}} is left for the child; ${{search_space.x}} is substituted by the sweep.
                Command = $"{Worker} trial accuracy ${{{{search_space.x}}}} ${{{{inputs.delay}}}} ${{{{outputs.model}}}}",
                Inputs = { ["delay"] = 0 },
                Outputs = { ["model"] = Output.UriFolder() },
            },
            SearchSpace = { ["x"] = new Choice(0.25, 0.75, 0.5) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("accuracy", Goal.Maximize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2 },
        });
        Assert.Equal(JobType.Sweep, sweep.Type);
        await EndAsync(sweep);

        Assert.Equal(JobStatus.Completed, sweep.Status);
        var trials = await TrialsOf(sweep);
        Assert.Equal([$"{sweep.Name}_0", $"{sweep.Name}_1", $"{sweep.Name}_2"], trials.Select(t => t.Name));
        Assert.All(trials, t => Assert.Equal(JobStatus.Completed, t.Status));
        Assert.All(trials, t => Assert.Equal("sweep-local", t.ExperimentName));
        Assert.Equal(["0.25", "0.75", "0.5"], trials.Select(t => t.Run.Params["x"]));
        Assert.Contains("trial accuracy 0.75 ${{inputs.delay}} ${{outputs.model}}", ((CommandJob)trials[1].Definition).Command, StringComparison.Ordinal);

        Assert.Equal($"{sweep.Name}_1", sweep.Properties["best_child_run_id"]);
        Assert.Equal(0.75, double.Parse(sweep.Properties["score"], CultureInfo.InvariantCulture));
        Assert.Contains("\"name\":\"accuracy\"", sweep.Properties["primary_metric_config"], StringComparison.Ordinal);

        var hyperdrive = await HyperdriveOf(sweep);
        Assert.Contains($"Scheduling job, id='{sweep.Name}_0', hyperparameters: {{\"x\": 0.25}}", hyperdrive, StringComparison.Ordinal);
        Assert.Contains($"Best trial: '{sweep.Name}_1'", hyperdrive, StringComparison.Ordinal);

        // Downloading the sweep gets its best trial's outputs.
        var written = await _ws.Jobs.DownloadAsync(sweep.Name, Path.Combine(_root, "download"), "model");
        Assert.Equal("accuracy=0.75", await File.ReadAllTextAsync(Assert.Single(written, p => p.EndsWith("model.txt", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_sweep_from_az_ml_yaml_runs_with_its_sweep_level_inputs_and_ranks_by_its_goal()
    {
        var yaml = $$$"""
            $schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
            type: sweep
            experiment_name: sweep-yaml
            trial:
              command: >-
                {{{Worker}}} trial loss ${{search_space.loss}} ${{inputs.delay}}
            inputs:
              delay: 0
            sampling_algorithm: grid
            search_space:
              loss:
                type: choice
                values: [0.5, 0.125, 0.25]
            objective:
              goal: minimize
              primary_metric: loss
            limits:
              max_total_trials: 3
              max_concurrent_trials: 3
              timeout: 600
            """;
        var definition = Assert.IsType<SweepJob>(Job.LoadFromText(yaml, _root));
        var sweep = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(definition));

        Assert.Equal(JobStatus.Completed, sweep.Status);
        Assert.Equal("sweep-yaml", sweep.ExperimentName);
        var trials = await TrialsOf(sweep);
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.Equal("0", t.Run.Params["delay"]));
        Assert.Equal($"{sweep.Name}_1", sweep.Properties["best_child_run_id"]);
        Assert.Equal(0.125, double.Parse(sweep.Properties["score"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_bandit_policy_cancels_the_trial_that_falls_behind_and_says_why_in_the_parents_log()
    {
        // Trial 0 logs 0.9 five times; trial 1 logs 0.1 forty times, 150 ms apart (6 s): the bandit stops it long before its end.
        var sweep = await _ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            Trial = new CommandJob { Command = $"{Worker} trial acc ${{{{search_space.curve}}}} 150" },
            SearchSpace = { ["curve"] = new Choice("0.9,0.9,0.9,0.9,0.9", string.Join(',', Enumerable.Repeat("0.1", 40))) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("acc", Goal.Maximize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2 },
            EarlyTermination = new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 1 },
        });
        await EndAsync(sweep);

        Assert.Equal(JobStatus.Completed, sweep.Status);
        var trials = await TrialsOf(sweep);
        Assert.Equal(JobStatus.Completed, trials[0].Status);
        Assert.Equal(JobStatus.Canceled, trials[1].Status);
        Assert.True((await trials[1].Run.GetMetricsAsync("acc"))["acc"].Count < 40, "the stopped trial ran to its end");
        Assert.Equal(trials[0].Name, sweep.Properties["best_child_run_id"]);
        var hyperdrive = await HyperdriveOf(sweep);
        Assert.Contains($"Canceling trial '{trials[1].Name}'", hyperdrive, StringComparison.Ordinal);
        Assert.Contains("Bandit", hyperdrive, StringComparison.OrdinalIgnoreCase);
        var log = new StringWriter();
        await sweep.StreamAsync(log);
        Assert.Contains($"Canceling trial '{trials[1].Name}'", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trials_that_never_log_the_metric_are_not_ranked_and_the_sweep_fails_with_azures_message()
    {
        var sweep = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            Trial = new CommandJob { Command = "sleep 0.3; echo lr=${{search_space.lr}}" },
            SearchSpace = { ["lr"] = new Uniform(0.01, 0.1) },
            SamplingAlgorithm = new RandomSamplingAlgorithm { Seed = 7 },
            Objective = new Objective("loss", Goal.Minimize),
            Limits = new SweepLimits { MaxTotalTrials = 4, MaxConcurrentTrials = 2 },
        }));

        Assert.Equal(JobStatus.Failed, sweep.Status);
        Assert.Contains("No trial logged the primary metric 'loss'", sweep.Error!.Message, StringComparison.Ordinal);
        Assert.False(sweep.Properties.ContainsKey("best_child_run_id"));
        var trials = await TrialsOf(sweep);
        Assert.Equal(4, trials.Count);
        Assert.All(trials, t => Assert.Equal(JobStatus.Completed, t.Status));
        Assert.Contains("do not contain any metrics with the primary metric name", await HyperdriveOf(sweep), StringComparison.Ordinal);

        // Never more than two trials at once: their run intervals never overlap three deep.
        var edges = trials.SelectMany(t => new[] { (At: t.StartedAt!.Value, Delta: 1), (At: t.EndedAt!.Value, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        var depth = 0;
        var deepest = 0;
        foreach (var edge in edges)
        {
            depth += edge.Delta;
            deepest = Math.Max(deepest, depth);
        }
        Assert.InRange(deepest, 1, 2);

        var ex = await Assert.ThrowsAsync<InvalidStateException>(() => _ws.Jobs.DownloadAsync(sweep.Name, Path.Combine(_root, "none")));
        Assert.Contains("without a best trial", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Canceling_the_sweep_cancels_its_running_trials_and_trial_timeout_cancels_a_slow_trial()
    {
        var sweep = await _ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            Trial = new CommandJob { Command = "sleep ${{search_space.s}}" },
            SearchSpace = { ["s"] = new Choice(60, 61) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("loss", Goal.Minimize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2 },
        });
        using var cts = new CancellationTokenSource(Patience);
        List<Job> trials;
        while ((trials = await TrialsOf(sweep)).Count(t => t.Status == JobStatus.Running) < 2)
        {
            await Task.Delay(100, cts.Token);
        }
        await _ws.Jobs.CancelAsync(sweep.Name, cts.Token);
        await sweep.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Canceled, sweep.Status);
        foreach (var trial in await TrialsOf(sweep))
        {
            Assert.Equal(JobStatus.Canceled, (await trial.WaitAsync(cts.Token)).Status);
        }

        var timed = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            Trial = new CommandJob { Command = "sleep ${{search_space.s}}" },
            SearchSpace = { ["s"] = new Choice(60) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("loss", Goal.Minimize),
            Limits = new SweepLimits { TrialTimeout = TimeSpan.FromSeconds(1) },
        }));
        var slow = Assert.Single(await TrialsOf(timed));
        Assert.Equal(JobStatus.Canceled, slow.Status);
        Assert.Contains("trial_timeout", await HyperdriveOf(timed), StringComparison.Ordinal);
    }
}
