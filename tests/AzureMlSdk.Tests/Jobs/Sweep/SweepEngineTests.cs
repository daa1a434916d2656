using System.Collections.Concurrent;
using AzureMlSdk.Jobs.Sweep;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Jobs.Sweep;

/// <summary>The sweep orchestrator against a fake trial launcher: limits, concurrency, best trial, early termination, timeouts, unlogged metrics.</summary>
public sealed class SweepEngineTests
{
    /// <summary>
    /// Runs each trial on its own task: it logs the values <c>script</c> gives for its parameters (yielding between them),
    /// then ends Completed, or Canceled as soon as it is canceled. <c>hold</c> keeps trials running until released.
    /// </summary>
    private sealed class FakeLauncher(Func<IReadOnlyDictionary<string, object>, IReadOnlyList<double>> script) : ISweepTrialLauncher
    {
        private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancels = new();
        private int _running;

        public ConcurrentQueue<SweepTrialRequest> Started { get; } = new();
        public ConcurrentDictionary<string, string> Canceled { get; } = new();
        public int MaxRunning { get; private set; }
        public int ValuesLogged;
        public TaskCompletionSource Hold { get; set; } = CompletedHold();
        public Func<SweepTrialRequest, SweepTrialStatus> EndStatus { get; set; } = _ => SweepTrialStatus.Completed;

        private static TaskCompletionSource CompletedHold()
        {
            var tcs = new TaskCompletionSource();
            tcs.SetResult();
            return tcs;
        }

        public Task StartAsync(SweepTrialRequest trial, ISweepTrialEvents events, CancellationToken cancellationToken)
        {
            var running = Interlocked.Increment(ref _running);
            lock (this)
            {
                MaxRunning = Math.Max(MaxRunning, running);
            }
            Started.Enqueue(trial);
            var cancel = new CancellationTokenSource();
            _cancels[trial.Name] = cancel;
            _ = Task.Run(async () =>
            {
                var status = SweepTrialStatus.Completed;
                try
                {
                    foreach (var value in script(trial.Parameters))
                    {
                        await Task.Yield();
                        cancel.Token.ThrowIfCancellationRequested();
                        Interlocked.Increment(ref ValuesLogged);
                        events.MetricLogged(trial.Name, value);
                        await Task.Delay(1, cancel.Token);
                    }
                    await Hold.Task.WaitAsync(cancel.Token);
                    status = EndStatus(trial);
                }
                catch (OperationCanceledException)
                {
                    status = SweepTrialStatus.Canceled;
                }
                Interlocked.Decrement(ref _running);
                events.Ended(trial.Name, status, status == SweepTrialStatus.Failed ? "exit code 1" : null);
            });
            return Task.CompletedTask;
        }

        public Task CancelAsync(string trialName, string reason, CancellationToken cancellationToken)
        {
            Canceled[trialName] = reason;
            _cancels[trialName].Cancel();
            return Task.CompletedTask;
        }
    }

    private static SweepJob Sweep(SamplingAlgorithm sampling, Goal goal, SweepLimits? limits = null, EarlyTerminationPolicy? policy = null, params (string, SweepDistribution)[] space) => new()
    {
        Trial = new CommandJob
        {
            Command = "python train.py " + string.Join(' ', space.Select(p => $"--{p.Item1} ${{{{search_space.{p.Item1}}}}}")),
            Environment = "azureml:env@latest",
        },
        SearchSpace = space.ToDictionary(p => p.Item1, p => p.Item2),
        SamplingAlgorithm = sampling,
        Objective = new Objective("score", goal),
        Limits = limits,
        EarlyTermination = policy,
    };

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Concurrency_never_exceeds_max_concurrent_trials_and_the_total_is_max_total_trials(int concurrent)
    {
        var launcher = new FakeLauncher(p => [(double)p["x"]]);
        var sweep = Sweep(new RandomSamplingAlgorithm { Seed = 1 }, Goal.Maximize, new SweepLimits { MaxTotalTrials = 10, MaxConcurrentTrials = concurrent }, null, ("x", new Uniform(0, 1)));
        var result = await new SweepEngine(sweep, "sw", launcher).RunAsync().WaitAsync(Patience);
        Assert.Equal(10, result.Trials.Count);
        Assert.Equal(10, launcher.Started.Count);
        Assert.InRange(launcher.MaxRunning, 1, concurrent);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"sw_{i}"), launcher.Started.Select(t => t.Name));
        Assert.All(launcher.Started, t => Assert.Equal(t.Name, t.Job.Name));
        Assert.All(result.Trials, t => Assert.Equal(SweepTrialStatus.Completed, t.Status));
    }

    [Theory]
    [InlineData(Goal.Maximize)]
    [InlineData(Goal.Minimize)]
    public async Task The_best_trial_is_the_best_score_for_the_goal_and_becomes_the_parents_properties(Goal goal)
    {
        // Each trial logs three values; its score is its best one.
        var launcher = new FakeLauncher(p => [(long)p["k"] * 0.1, (long)p["k"] * 0.2, (long)p["k"] * 0.15]);
        var sweep = Sweep(SamplingAlgorithm.Grid, goal, new SweepLimits { MaxConcurrentTrials = 2 }, null, ("k", new Choice(3, 1, 4, 2)));
        var log = new StringWriter();
        var result = await new SweepEngine(sweep, "grid", launcher, log).RunAsync().WaitAsync(Patience);
        Assert.Equal(SweepOutcome.Completed, result.Outcome);
        Assert.Equal(4, result.Trials.Count);
        var expected = goal == Goal.Maximize ? ("grid_2", 0.8) : ("grid_1", 0.1);
        Assert.Equal(expected.Item1, result.BestTrialName);
        Assert.Equal(expected.Item2, result.BestScore!.Value, 12);
        Assert.Equal(expected.Item1, result.Properties["best_child_run_id"]);
        Assert.Equal($$"""{"name":"score","goal":"{{goal.ToString().ToLowerInvariant()}}"}""", result.Properties["primary_metric_config"]);
        Assert.Contains($"Best trial: '{expected.Item1}'", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("[SCHEDULER][INFO]Scheduling job, id='grid_0', hyperparameters: {\"k\": 3}", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hyperparameters_reach_the_trials_command()
    {
        var launcher = new FakeLauncher(_ => [1]);
        var sweep = Sweep(SamplingAlgorithm.Grid, Goal.Maximize, null, null, ("lr", new Choice(0.01, 1e-5)), ("kernel", new Choice("rbf")), ("flag", new Choice(true)));
        await new SweepEngine(sweep, "s", launcher).RunAsync().WaitAsync(Patience);
        var commands = launcher.Started.Select(t => t.RenderCommand(new Dictionary<string, string>(), new Dictionary<string, string>())).ToList();
        Assert.Equal(["python train.py --lr 0.01 --kernel rbf --flag True", "python train.py --lr 1E-05 --kernel rbf --flag True"], commands);
        Assert.Equal("0.01", launcher.Started.First().ParameterTexts["lr"]);
    }

    [Fact]
    public async Task A_trial_that_never_logs_the_metric_is_reported_and_never_ranked()
    {
        // k = 2 logs nothing (and would be best if its exit were taken as a score).
        var launcher = new FakeLauncher(p => (long)p["k"] == 2 ? [] : [(long)p["k"]]);
        var log = new StringWriter();
        var sweep = Sweep(SamplingAlgorithm.Grid, Goal.Minimize, null, new MedianStoppingPolicy(), ("k", new Choice(5, 2, 7)));
        var result = await new SweepEngine(sweep, "s", launcher, log).RunAsync().WaitAsync(Patience);
        Assert.Equal("s_0", result.BestTrialName);
        Assert.Equal(5, result.BestScore);
        Assert.Contains("Run(s) ['s_1'] do not contain any metrics with the primary metric name", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(SweepTrialStatus.Completed, result.Trials[1].Status);
        Assert.Empty(result.Trials[1].Values);
    }

    [Fact]
    public async Task Each_trial_job_carries_the_sweeps_inputs_outputs_compute_and_trial_timeout()
    {
        var launcher = new FakeLauncher(_ => [1]);
        var sweep = new SweepJob
        {
            Compute = "cpu-cluster",
            ExperimentName = "exp",
            Trial = new CommandJob
            {
                Command = "python train.py --lr ${{search_space.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
                Environment = "azureml:env@latest",
                Inputs = { ["data"] = Input.UriFile("https://example.com/a.csv") },
            },
            Inputs = { ["data"] = Input.UriFile("https://example.com/b.csv") },
            Outputs = { ["model"] = Output.UriFolder() },
            SearchSpace = { ["lr"] = new Choice(0.1) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("score", Goal.Maximize),
            Limits = new SweepLimits { TrialTimeout = TimeSpan.FromMinutes(5) },
        };
        await new SweepEngine(sweep, "io", launcher).RunAsync().WaitAsync(Patience);
        var job = Assert.Single(launcher.Started).Job;
        Assert.Equal("io_0", job.Name);
        Assert.Equal("cpu-cluster", job.Compute);
        Assert.Equal("exp", job.ExperimentName);
        Assert.Equal("https://example.com/b.csv", job.Inputs["data"].Path);
        Assert.True(job.Outputs.ContainsKey("model"));
        Assert.Equal(TimeSpan.FromMinutes(5), job.Limits!.Timeout);
        var command = launcher.Started.Single().RenderCommand(new Dictionary<string, string> { ["data"] = "/mnt/b.csv" }, new Dictionary<string, string> { ["model"] = "/out/model" });
        Assert.Equal("python train.py --lr 0.1 --data /mnt/b.csv --out /out/model", command);
    }

    [Fact]
    public async Task A_sweep_where_no_trial_logs_the_metric_fails_saying_so()
    {
        var launcher = new FakeLauncher(_ => []);
        var result = await new SweepEngine(Sweep(SamplingAlgorithm.Grid, Goal.Minimize, null, null, ("k", new Choice(1, 2))), "s", launcher).RunAsync().WaitAsync(Patience);
        Assert.Equal(SweepOutcome.Failed, result.Outcome);
        Assert.Null(result.BestTrialName);
        Assert.False(result.Properties.ContainsKey("best_child_run_id"));
        Assert.Contains("No trial logged the primary metric 'score'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_trials_are_not_ranked_and_the_sweep_goes_on()
    {
        var launcher = new FakeLauncher(p => [(long)p["k"]]) { EndStatus = t => t.Index == 0 ? SweepTrialStatus.Failed : SweepTrialStatus.Completed };
        var log = new StringWriter();
        var result = await new SweepEngine(Sweep(SamplingAlgorithm.Grid, Goal.Minimize, null, null, ("k", new Choice(1, 2, 3))), "s", launcher, log).RunAsync().WaitAsync(Patience);
        Assert.Equal(SweepTrialStatus.Failed, result.Trials[0].Status);
        Assert.Equal("s_1", result.BestTrialName);
        Assert.Contains("Job 's_0' ended Failed: exit code 1.", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Early_termination_cancels_poor_trials_with_the_reason_in_the_log_and_keeps_the_best()
    {
        // Learning curves: quality k / 100 approached over 10 epochs; one trial at a time so the best runs first. 85 is within
        // slack_factor 0.1 of 90 (85 > 90 / 1.1), 50 and 20 are not.
        var launcher = new FakeLauncher(p => Enumerable.Range(1, 10).Select(e => (long)p["k"] / 100.0 * (1 - Math.Exp(-e / 2.0))).ToList());
        var log = new StringWriter();
        var sweep = Sweep(SamplingAlgorithm.Grid, Goal.Maximize, new SweepLimits { MaxConcurrentTrials = 1 },
            new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 1, DelayEvaluation = 3 }, ("k", new Choice(90, 50, 85, 20, 90)));
        var result = await new SweepEngine(sweep, "bandit", launcher, log).RunAsync().WaitAsync(Patience);
        Assert.Equal("bandit_0", result.BestTrialName);
        var canceled = result.Trials.Where(t => t.Status == SweepTrialStatus.Canceled).Select(t => t.Name).ToList();
        Assert.Equal(["bandit_1", "bandit_3"], canceled);
        Assert.All(canceled, name => Assert.Contains("Bandit policy: at interval 3", launcher.Canceled[name], StringComparison.Ordinal));
        Assert.Contains("[ENFORCER][INFO]Canceling trial 'bandit_1'. Bandit policy: at interval 3", log.ToString(), StringComparison.Ordinal);
        // Stopped at interval 3 (a value already on its way may still arrive), never run to the end.
        Assert.InRange(result.Trials[1].Values.Count, 3, 5);
        Assert.Equal(10, result.Trials[2].Values.Count);
        Assert.Equal(SweepOutcome.Completed, result.Outcome);
    }

    [Fact]
    public async Task A_trial_over_trial_timeout_is_canceled_and_the_sweep_continues()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var launcher = new FakeLauncher(p => [(long)p["k"]]) { Hold = new TaskCompletionSource() };
        var log = new StringWriter();
        var sweep = Sweep(SamplingAlgorithm.Grid, Goal.Maximize, new SweepLimits { MaxConcurrentTrials = 2, TrialTimeout = TimeSpan.FromSeconds(60) }, null, ("k", new Choice(1, 2, 3)));
        var run = new SweepEngine(sweep, "t", launcher, log, time).RunAsync();
        await Until(() => launcher.Started.Count == 2 && Volatile.Read(ref launcher.ValuesLogged) == 2);
        time.Advance(TimeSpan.FromSeconds(61));
        await Until(() => launcher.Started.Count == 3);
        launcher.Hold.SetResult();
        var result = await run.WaitAsync(Patience);
        Assert.Equal([SweepTrialStatus.Canceled, SweepTrialStatus.Canceled, SweepTrialStatus.Completed], result.Trials.Select(t => t.Status));
        Assert.Contains("Trial 't_0' reached the trial_timeout (60 s).", log.ToString(), StringComparison.Ordinal);
        // Canceled trials keep the values they logged and are ranked.
        Assert.Equal("t_2", result.BestTrialName);
        Assert.Equal(SweepOutcome.Completed, result.Outcome);
    }

    [Fact]
    public async Task The_sweeps_timeout_cancels_every_running_trial_and_ends_it_canceled()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var launcher = new FakeLauncher(_ => [1]) { Hold = new TaskCompletionSource() };
        var sweep = Sweep(new RandomSamplingAlgorithm { Seed = 3 }, Goal.Maximize, new SweepLimits { MaxTotalTrials = 10, MaxConcurrentTrials = 3, Timeout = TimeSpan.FromSeconds(600) }, null, ("x", new Uniform(0, 1)));
        var run = new SweepEngine(sweep, "to", launcher, null, time).RunAsync();
        await Until(() => launcher.Started.Count == 3);
        time.Advance(TimeSpan.FromSeconds(601));
        var result = await run.WaitAsync(Patience);
        Assert.Equal(SweepOutcome.Canceled, result.Outcome);
        Assert.Equal(3, result.Trials.Count);
        Assert.All(result.Trials, t => Assert.Equal(SweepTrialStatus.Canceled, t.Status));
        Assert.Contains("timeout (600 s) was reached", result.Error, StringComparison.Ordinal);
        Assert.Equal(3, launcher.Canceled.Count);
    }

    [Fact]
    public async Task Canceling_the_sweep_cancels_its_trials()
    {
        var launcher = new FakeLauncher(_ => [1]) { Hold = new TaskCompletionSource() };
        using var cts = new CancellationTokenSource();
        var sweep = Sweep(new RandomSamplingAlgorithm { Seed = 3 }, Goal.Maximize, new SweepLimits { MaxTotalTrials = 10, MaxConcurrentTrials = 2 }, null, ("x", new Uniform(0, 1)));
        var run = new SweepEngine(sweep, "c", launcher).RunAsync(cts.Token);
        await Until(() => launcher.Started.Count == 2);
        await cts.CancelAsync();
        var result = await run.WaitAsync(Patience);
        Assert.Equal(SweepOutcome.Canceled, result.Outcome);
        Assert.Equal(2, launcher.Canceled.Count);
        Assert.Equal(2, result.Trials.Count);
    }

    [Fact]
    public async Task Grid_ends_when_the_space_is_exhausted_before_max_total_trials()
    {
        var launcher = new FakeLauncher(_ => [1]);
        var log = new StringWriter();
        var result = await new SweepEngine(Sweep(SamplingAlgorithm.Grid, Goal.Maximize, new SweepLimits { MaxTotalTrials = 50, MaxConcurrentTrials = 3 }, null, ("a", new Choice(1, 2)), ("b", new Choice(1, 2))), "g", launcher, log).RunAsync().WaitAsync(Patience);
        Assert.Equal(4, result.Trials.Count);
        Assert.Contains("the search space has no more points (4 in all)", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bayesian_sweep_runs_through_the_engine_and_improves_on_its_start()
    {
        var launcher = new FakeLauncher(p => [Math.Pow((double)p["x"] - 0.3, 2)]);
        var sweep = Sweep(SamplingAlgorithm.Bayesian, Goal.Minimize, new SweepLimits { MaxTotalTrials = 16, MaxConcurrentTrials = 2 }, null, ("x", new Uniform(0, 1)));
        var result = await new SweepEngine(sweep, "b", launcher, seed: 4).RunAsync().WaitAsync(Patience);
        Assert.Equal(16, result.Trials.Count);
        Assert.True(result.BestScore < 1e-3, $"best {result.BestScore}");
        Assert.InRange(launcher.MaxRunning, 1, 2);
    }

    [Fact]
    public void An_invalid_sweep_is_refused_before_anything_starts()
    {
        var launcher = new FakeLauncher(_ => [1]);
        var bad = Sweep(SamplingAlgorithm.Grid, Goal.Maximize, null, null, ("x", new Uniform(0, 1)));
        Assert.Throws<JobDefinitionException>(() => new SweepEngine(bad, "x", launcher));
        Assert.Empty(launcher.Started);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not reached");
            await Task.Delay(5);
        }
    }
}
