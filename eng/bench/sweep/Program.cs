using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AzureMlSdk;
using AzureMlSdk.Jobs.Sweep;

// Sweep quality benchmark (engine-free; not a timed test).
//
// Part 1, samplers: for each test function and each of `seeds` seeds, a sweep of `trials` sequential trials per sampler
// (random, random+sobol, bayesian). A run succeeds when, within the budget, the trial the sweep ranks best (best observed
// metric) has a true value within 1 % of the optimum: |f(x) − f*| ≤ 0.01·|f*|. Printed: sampler × function × success
// rate × median trials to success (over the successful seeds).
//   Branin on [-5,10]×[0,15] (f* = 0.397887), Hartmann-6 on [0,1]^6 (f* = −3.32237),
//   noisy quadratic 1 + Σ(x_i − c_i)² on [-5,5]^3 with N(0, 0.005²) observation noise (f* = 1; judged on the true value).
// Target (issue 11): bayesian ≥ 80 % within 40 trials where random ≤ 30 %.
//
// Part 2, early termination: a population of synthetic learning curves (final quality and speed drawn per trial, noisy
// epochs) run through the SweepEngine with a fake launcher, with and without each policy; printed: trial-epochs run,
// saving, and whether the best trial (the no-policy sweep's best) is still the best.
// Target: ≥ 25 % fewer trial-epochs while keeping the best trial.
//
//   dotnet run -c Release --project eng/bench/sweep [-- --seeds 20 --trials 40 --only branin,hartmann6,quadratic,et]
//   dotnet run -c Release --project eng/bench/sweep -- --only basins [--seeds 40]   (part 3, Hartmann-6's basins; not in the default run)

var seeds = 20;
var budget = 40;
string[]? only = null;
var verbose = args.Contains("--verbose");
for (var i = 0; i < args.Length - 1; i++)
{
    switch (args[i])
    {
        case "--seeds":
            seeds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--trials":
            budget = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--only":
            only = args[++i].Split(',');
            break;
    }
}
bool Run(string part) => only is null || only.Contains(part);

var functions = new List<TestFunction>
{
    new("branin", 0.397887,
        [("x1", new Uniform(-5, 10)), ("x2", new Uniform(0, 15))],
        p =>
        {
            double x1 = p[0], x2 = p[1];
            var b = 5.1 / (4 * Math.PI * Math.PI);
            var c = 5 / Math.PI;
            var t = 1 / (8 * Math.PI);
            return Math.Pow(x2 - (b * x1 * x1) + (c * x1) - 6, 2) + (10 * (1 - t) * Math.Cos(x1)) + 10;
        }, 0),
    new("hartmann6", -3.32237,
        Enumerable.Range(1, 6).Select(i => ($"x{i}", (SweepDistribution)new Uniform(0, 1))).ToArray(),
        Hartmann6, 0),
    new("quadratic", 1.0,
        [("x1", new Uniform(-5, 5)), ("x2", new Uniform(-5, 5)), ("x3", new Uniform(-5, 5))],
        p => 1 + Math.Pow(p[0] - 1.3, 2) + Math.Pow(p[1] + 2.1, 2) + Math.Pow(p[2] - 0.7, 2), 0.005),
};

var samplers = new (string Name, Func<int, SamplingAlgorithm> Algorithm)[]
{
    ("random", s => new RandomSamplingAlgorithm { Seed = s }),
    ("sobol", s => new RandomSamplingAlgorithm { Seed = s, Rule = RandomSamplingRule.Sobol }),
    ("bayesian", _ => SamplingAlgorithm.Bayesian),
};

var table = new List<string[]>();
foreach (var f in functions.Where(f => Run(f.Name)))
{
    foreach (var (name, algorithm) in samplers)
    {
        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<int?>();
        if (only is not null && only.Any(o => samplers.Any(s => s.Name == o)) && !only.Contains(name))
        {
            continue;
        }
        Parallel.For(0, seeds, new ParallelOptions { MaxDegreeOfParallelism = 2 }, seed => results.Add(TrialsToSuccess(f, algorithm(seed + 1), seed + 1, budget, verbose)));
        var wins = results.Where(r => r is not null).Select(r => r!.Value).Order().ToList();
        var median = wins.Count == 0 ? "-" : (wins.Count % 2 == 1 ? wins[wins.Count / 2] : (wins[(wins.Count / 2) - 1] + wins[wins.Count / 2]) / 2.0).ToString("0.#", CultureInfo.InvariantCulture);
        var rate = (double)wins.Count / seeds;
        table.Add([name, f.Name, $"{wins.Count}/{seeds} ({rate:P0})", median, $"{clock.Elapsed.TotalSeconds:0.0} s"]);
        Console.WriteLine($"  {name} × {f.Name}: {wins.Count}/{seeds} within 1 % in ≤ {budget} trials, median {median} trials ({clock.Elapsed.TotalSeconds:0.0} s)");
    }
}
if (table.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"Samplers: success = best-ranked trial within 1 % of the optimum in ≤ {budget} trials, {seeds} seeds");
    Console.WriteLine();
    Console.WriteLine("| sampler | function | success rate | median trials to success | wall time |");
    Console.WriteLine("|---|---|---|---|---|");
    foreach (var row in table)
    {
        Console.WriteLine($"| {string.Join(" | ", row)} |");
    }
}

// Part 3 (only with `--only basins`): why Hartmann-6 fails. Per seed, the basin of the best point of the bayesian sampler's
// initial design (the local minimum that gradient descent on the true function reaches from it) against whether that seed's
// sweep succeeds within the budget — the evidence behind the README's "the first basin decides" (sweep quality section).
if (only?.Contains("basins") == true)
{
    var h6 = functions.Single(f => f.Name == "hartmann6");
    var rows = new ConcurrentBag<(int Seed, double Start, double Basin, int? Trials)>();
    Parallel.For(1, seeds + 1, new ParallelOptions { MaxDegreeOfParallelism = 2 }, seed =>
    {
        var sampler = (BayesianSampler)SweepSampler.Create(h6.Space.Select(p => KeyValuePair.Create(p.Name, p.Distribution)), SamplingAlgorithm.Bayesian, Goal.Minimize, seed);
        var history = new List<SweepObservation>();
        while (history.Count < sampler.InitialPoints)
        {
            var point = sampler.Next(1, history)[0];
            history.Add(new SweepObservation(point, h6.Evaluate(h6.Space.Select(p => (double)point[p.Name]).ToArray())));
        }
        var best = history.MinBy(h => h.Metric)!;
        var start = h6.Space.Select(p => (double)best.Parameters[p.Name]).ToArray();
        rows.Add((seed, best.Metric!.Value, h6.Evaluate(Descend(h6.Evaluate, start)), TrialsToSuccess(h6, SamplingAlgorithm.Bayesian, seed, budget, false)));
    });
    bool Global((int Seed, double Start, double Basin, int? Trials) r) => Math.Abs(r.Basin - h6.Optimum) <= 0.01 * Math.Abs(h6.Optimum);
    Console.WriteLine();
    Console.WriteLine($"Hartmann-6 basins: the best of the bayesian sampler's initial design, descended on the true function ({seeds} seeds, success = within 1 % in ≤ {budget} trials)");
    Console.WriteLine();
    Console.WriteLine("| seed | best initial value | its basin's minimum | sweep |");
    Console.WriteLine("|---|---|---|---|");
    foreach (var r in rows.OrderBy(r => r.Seed))
    {
        Console.WriteLine($"| {r.Seed} | {r.Start:0.00} | {r.Basin:0.000} | {(r.Trials is { } t ? $"success in {t}" : "failure")} |");
    }
    var inGlobal = rows.Where(Global).ToList();
    var elsewhere = rows.Where(r => !Global(r)).ToList();
    Console.WriteLine();
    Console.WriteLine($"First basin global: {inGlobal.Count}/{seeds} seeds, {inGlobal.Count(r => r.Trials is not null)} of them succeed; first basin another: {elsewhere.Count}/{seeds}, {elsewhere.Count(r => r.Trials is not null)} of them succeed.");
    // The same question for larger space-filling designs (`rule: sobol` sampler): how often the best of n points lies in the
    // optimum's basin, whatever model then descends from it.
    foreach (var n in new[] { 8, 16, 32, 64 })
    {
        var hits = 0;
        for (var seed = 1; seed <= seeds; seed++)
        {
            var sampler = SweepSampler.Create(h6.Space.Select(p => KeyValuePair.Create(p.Name, p.Distribution)), new RandomSamplingAlgorithm { Seed = seed, Rule = RandomSamplingRule.Sobol }, Goal.Minimize, seed);
            var points = sampler.Next(n, []).Select(point => h6.Space.Select(p => (double)point[p.Name]).ToArray());
            var start = points.MinBy(h6.Evaluate)!;
            hits += Math.Abs(h6.Evaluate(Descend(h6.Evaluate, start)) - h6.Optimum) <= 0.01 * Math.Abs(h6.Optimum) ? 1 : 0;
        }
        Console.WriteLine($"Best of {n} Sobol points in the optimum's basin: {hits}/{seeds} seeds");
    }
}

if (table.Count > 0 && samplers.Any(s => s.Name == "bayesian") && (only is null || !only.Any(o => samplers.Any(s => s.Name == o)) || only.Contains("bayesian")))
{
    Console.WriteLine();
    Console.WriteLine($"Bayesian suggestion time with {budget} results (one sweep of seed 1 run to {budget} trials, then 5 suggestions timed, median; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}):");
    foreach (var f in functions.Where(f => Run(f.Name)))
    {
        var sampler = SweepSampler.Create(f.Space.Select(p => KeyValuePair.Create(p.Name, p.Distribution)), SamplingAlgorithm.Bayesian, Goal.Minimize, 1);
        var history = new List<SweepObservation>();
        while (history.Count < budget)
        {
            var point = sampler.Next(1, history)[0];
            history.Add(new SweepObservation(point, f.Evaluate(f.Space.Select(p => (double)point[p.Name]).ToArray())));
        }
        var times = new List<double>();
        for (var r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            sampler.Next(1, history);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"  {f.Name} ({f.Space.Length}-D): {times.Order().ElementAt(2):0} ms per suggestion");
    }
}

if (Run("et"))
{
    Console.WriteLine();
    Console.WriteLine("Early termination: 60 trials (random sampling, 4 at a time) of 20-epoch synthetic learning curves, 10 seeds");
    Console.WriteLine();
    Console.WriteLine("| policy | trial-epochs (mean) | saved vs none | best trial kept | trials stopped (mean) |");
    Console.WriteLine("|---|---|---|---|---|");
    var policies = new (string Name, EarlyTerminationPolicy? Policy)[]
    {
        ("none", null),
        ("median_stopping (delay 5)", new MedianStoppingPolicy { EvaluationInterval = 1, DelayEvaluation = 5 }),
        ("bandit slack_factor 0.1 (delay 5)", new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 1, DelayEvaluation = 5 }),
        ("bandit slack_factor 0.2 (delay 3)", new BanditPolicy { SlackFactor = 0.2, EvaluationInterval = 1, DelayEvaluation = 3 }),
        ("truncation_selection 20 % (delay 5)", new TruncationSelectionPolicy { TruncationPercentage = 20, EvaluationInterval = 1, DelayEvaluation = 5 }),
    };
    var baseline = new Dictionary<int, (int Epochs, string Best)>();
    foreach (var (name, policy) in policies)
    {
        var epochs = new List<int>();
        var kept = 0;
        var stopped = new List<int>();
        for (var seed = 1; seed <= 10; seed++)
        {
            var (total, best, canceled) = await LearningCurves(policy, seed);
            epochs.Add(total);
            stopped.Add(canceled);
            if (policy is null)
            {
                baseline[seed] = (total, best);
            }
            if (best == baseline[seed].Best)
            {
                kept++;
            }
        }
        var saved = 1 - (epochs.Sum() / (double)baseline.Values.Sum(b => b.Epochs));
        Console.WriteLine($"| {name} | {epochs.Average():0} | {saved:P1} | {kept}/10 | {stopped.Average():0.#} |");
    }
}

static int? TrialsToSuccess(TestFunction f, SamplingAlgorithm algorithm, int seed, int budget, bool verbose)
{
    var sampler = SweepSampler.Create(f.Space.Select(p => KeyValuePair.Create(p.Name, p.Distribution)), algorithm, Goal.Minimize, seed);
    var noise = new Random(seed * 7919);
    var history = new List<SweepObservation>();
    double bestObserved = double.PositiveInfinity, bestTrue = double.PositiveInfinity;
    for (var n = 1; n <= budget; n++)
    {
        var point = sampler.Next(1, history)[0];
        var x = f.Space.Select(p => (double)point[p.Name]).ToArray();
        var truth = f.Evaluate(x);
        var observed = truth + (f.Noise > 0 ? f.Noise * Gaussian(noise) : 0);
        history.Add(new SweepObservation(point, observed));
        if (observed < bestObserved)
        {
            (bestObserved, bestTrue) = (observed, truth);
        }
        if (Math.Abs(bestTrue - f.Optimum) <= 0.01 * Math.Abs(f.Optimum))
        {
            return n;
        }
    }
    if (verbose)
    {
        var best = history.MinBy(h => h.Metric)!;
        if (Environment.GetEnvironmentVariable("SWEEP_TRACE") is not null)
        {
            Console.WriteLine($"    seed {seed} trace: {string.Join(" ", history.Select(h => h.Metric!.Value.ToString("0.00", CultureInfo.InvariantCulture)))}");
        }
        Console.WriteLine($"    seed {seed}: best {bestTrue:G6} at {string.Join(", ", f.Space.Select(p => ((double)best.Parameters[p.Name]).ToString("0.###", CultureInfo.InvariantCulture)))}");
    }
    return null;
}

// Projected gradient descent (central differences) on the unit cube: the local minimum whose basin holds `start`.
static double[] Descend(Func<double[], double> f, double[] start)
{
    var x = (double[])start.Clone();
    for (var iteration = 0; iteration < 20_000; iteration++)
    {
        var moved = 0.0;
        var gradient = new double[x.Length];
        for (var j = 0; j < x.Length; j++)
        {
            var (up, down) = ((double[])x.Clone(), (double[])x.Clone());
            up[j] += 1e-6;
            down[j] -= 1e-6;
            gradient[j] = (f(up) - f(down)) / 2e-6;
        }
        for (var j = 0; j < x.Length; j++)
        {
            var next = Math.Clamp(x[j] - (0.01 * gradient[j]), 0, 1);
            moved += Math.Abs(next - x[j]);
            x[j] = next;
        }
        if (moved < 1e-10)
        {
            break;
        }
    }
    return x;
}

static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

static double Hartmann6(double[] x)
{
    double[] alpha = [1.0, 1.2, 3.0, 3.2];
    double[,] a = { { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 } };
    double[,] p =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 }, { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 }, { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };
    var sum = 0.0;
    for (var i = 0; i < 4; i++)
    {
        var inner = 0.0;
        for (var j = 0; j < 6; j++)
        {
            inner += a[i, j] * Math.Pow(x[j] - p[i, j], 2);
        }
        sum += alpha[i] * Math.Exp(-inner);
    }
    return -sum;
}

// 60 trials, 4 at a time, random sampling of (quality, speed, plateau noise): each logs 20 epochs of
// accuracy(e) = quality · (1 − exp(−e / speed)) + N(0, 0.005). Returns the trial-epochs run, the best trial's name and the number stopped.
static async Task<(int Epochs, string Best, int Stopped)> LearningCurves(EarlyTerminationPolicy? policy, int seed)
{
    var sweep = new SweepJob
    {
        Trial = new CommandJob { Command = "python train.py --q ${{search_space.quality}} --s ${{search_space.speed}}", Environment = "azureml:env@latest" },
        SearchSpace = { ["quality"] = new Uniform(0.5, 0.95), ["speed"] = new Uniform(1, 6) },
        SamplingAlgorithm = new RandomSamplingAlgorithm { Seed = seed },
        Objective = new Objective("accuracy", Goal.Maximize),
        Limits = new SweepLimits { MaxTotalTrials = 60, MaxConcurrentTrials = 4 },
        EarlyTermination = policy,
    };
    var launcher = new CurveLauncher(seed);
    var result = await new SweepEngine(sweep, "curves", launcher).RunAsync();
    return (launcher.Epochs, result.BestTrialName!, result.Trials.Count(t => t.CancelReason is not null));
}

internal sealed record TestFunction(string Name, double Optimum, (string Name, SweepDistribution Distribution)[] Space, Func<double[], double> Evaluate, double Noise);

/// <summary>Runs each trial's learning curve epoch by epoch, in lock-step-free order, stopping when canceled.</summary>
internal sealed class CurveLauncher(int seed) : ISweepTrialLauncher
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancels = new();
    private int _epochs;

    public int Epochs => _epochs;

    public Task StartAsync(SweepTrialRequest trial, ISweepTrialEvents events, CancellationToken cancellationToken)
    {
        var cancel = new CancellationTokenSource();
        _cancels[trial.Name] = cancel;
        var quality = (double)trial.Parameters["quality"];
        var speed = (double)trial.Parameters["speed"];
        var noise = new Random((seed * 100_003) + trial.Index);
        _ = Task.Run(async () =>
        {
            var status = SweepTrialStatus.Completed;
            for (var e = 1; e <= 20; e++)
            {
                await Task.Delay(2, CancellationToken.None);
                if (cancel.IsCancellationRequested)
                {
                    status = SweepTrialStatus.Canceled;
                    break;
                }
                Interlocked.Increment(ref _epochs);
                var accuracy = (quality * (1 - Math.Exp(-e / speed))) + (0.005 * (Math.Sqrt(-2 * Math.Log(1 - noise.NextDouble())) * Math.Cos(2 * Math.PI * noise.NextDouble())));
                events.MetricLogged(trial.Name, accuracy);
            }
            events.Ended(trial.Name, status);
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task CancelAsync(string trialName, string reason, CancellationToken cancellationToken)
    {
        _cancels[trialName].Cancel();
        return Task.CompletedTask;
    }
}
