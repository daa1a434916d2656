using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;

namespace AzureMlSdk.Jobs.Sweep;

/// <summary>How a trial ended (or that it still runs).</summary>
internal enum SweepTrialStatus
{
    Running,
    Completed,
    Failed,
    Canceled,
}

/// <summary>How a whole sweep ended.</summary>
internal enum SweepOutcome
{
    /// <summary>Every trial ran (or the space was exhausted) and at least one logged the primary metric.</summary>
    Completed,
    /// <summary>No trial logged the primary metric, so there is no best trial.</summary>
    Failed,
    /// <summary>The sweep's timeout was reached or it was canceled; trials still running were canceled.</summary>
    Canceled,
}

/// <summary>One trial to start: a child job of the sweep.</summary>
/// <param name="Index">0-based, in the order trials were sampled.</param>
/// <param name="Name">The child job's name: <c>&lt;sweep&gt;_&lt;index&gt;</c>, as Azure ML names sweep trials.</param>
/// <param name="Parameters">The sampled hyperparameters.</param>
/// <param name="Job">The trial's command job: the sweep's trial with the sweep's inputs, outputs and trial timeout, named <paramref name="Name"/>.</param>
internal sealed record SweepTrialRequest(int Index, string Name, IReadOnlyDictionary<string, object> Parameters, CommandJob Job)
{
    /// <summary>The hyperparameters as <c>${{search_space.x}}</c> gets them (and as they are logged as the trial's params).</summary>
    public IReadOnlyDictionary<string, string> ParameterTexts { get; } =
        Parameters.ToDictionary(p => p.Key, p => SweepValues.Text(p.Value), StringComparer.Ordinal);

    /// <summary>
    /// The trial's command with only its <c>${{search_space.x}}</c> replaced by the hyperparameters: <c>${{inputs.x}}</c>,
    /// <c>${{outputs.x}}</c> and <c>$[[ … ]]</c> optional parts are left for the child job to resolve.
    /// </summary>
    public string TrialCommand
    {
        get
        {
            var command = Job.Command ?? "";
            var text = new System.Text.StringBuilder(command);
            foreach (var p in CommandTemplate.Parse(command).Placeholders.Where(p => p.Kind == PlaceholderKind.SearchSpace).OrderByDescending(p => p.Index))
            {
                if (ParameterTexts.TryGetValue(p.Name, out var value))
                {
                    text.Remove(p.Index, p.Length).Insert(p.Index, value);
                }
            }
            return text.ToString();
        }
    }

    /// <summary>The trial's command with its hyperparameters substituted (inputs and outputs resolved by the caller).</summary>
    public string RenderCommand(IReadOnlyDictionary<string, string> inputs, IReadOnlyDictionary<string, string> outputs) =>
        Job.ParseCommand().Render(inputs, outputs, ParameterTexts);
}

/// <summary>Where a running trial reports back to the sweep (thread-safe; call from any thread).</summary>
internal interface ISweepTrialEvents
{
    /// <summary>The trial logged a value of the sweep's primary metric (one interval).</summary>
    void MetricLogged(string trialName, double value);

    /// <summary>The trial ended.</summary>
    void Ended(string trialName, SweepTrialStatus status, string? error = null);
}

/// <summary>
/// What the sweep needs from a job engine: start a trial as a child job and cancel one. The job engine (<c>ws.Jobs</c>)
/// implements it; the trial's primary-metric values and its end come back through <see cref="ISweepTrialEvents"/>.
/// </summary>
internal interface ISweepTrialLauncher
{
    /// <summary>Starts the trial; returns once it is submitted (not when it ends).</summary>
    Task StartAsync(SweepTrialRequest trial, ISweepTrialEvents events, CancellationToken cancellationToken);

    /// <summary>Cancels a running trial; it then reports <see cref="SweepTrialStatus.Canceled"/> through the events.</summary>
    Task CancelAsync(string trialName, string reason, CancellationToken cancellationToken);
}

/// <summary>A trial's record in the sweep.</summary>
internal sealed class SweepTrialRecord
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyDictionary<string, object> Parameters { get; init; }
    public SweepTrialStatus Status { get; set; } = SweepTrialStatus.Running;
    public List<double> Values { get; } = [];
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Why the sweep canceled it (early termination, timeouts), or null.</summary>
    public string? CancelReason { get; set; }
    public string? Error { get; set; }

    /// <summary>True once the sweep asked for it to be canceled.</summary>
    public bool Stopping { get; set; }
    internal bool WarnedNoMetric { get; set; }
}

/// <summary>The end of a sweep: its outcome, the best trial (<c>best_child_run_id</c>) and every trial.</summary>
internal sealed record SweepResult(SweepOutcome Outcome, string? BestTrialName, double? BestScore, IReadOnlyList<SweepTrialRecord> Trials, string? Error, Objective Objective)
{
    /// <summary>The properties Azure ML sets on a sweep's parent job: <c>best_child_run_id</c>, <c>score</c>, <c>primary_metric_config</c>.</summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get
        {
            var properties = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["primary_metric_config"] = JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["name"] = Objective.PrimaryMetric,
                    ["goal"] = Objective.Goal.ToString().ToLowerInvariant(),
                }, SweepJsonContext.Default.DictionaryStringString),
            };
            if (BestTrialName is not null)
            {
                properties["best_child_run_id"] = BestTrialName;
                properties["score"] = BestScore!.Value.ToString("R", CultureInfo.InvariantCulture);
            }
            return properties;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SweepJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>
/// Runs a sweep against an <see cref="ISweepTrialLauncher"/>: samples points (never more trials running than
/// <c>max_concurrent_trials</c>, never more in all than <c>max_total_trials</c>), starts each as a child job, reads each
/// trial's primary-metric stream as it arrives, applies the early-termination policy, enforces <c>trial_timeout</c> and
/// <c>timeout</c>, picks the best trial, and writes every decision to its log in <c>azureml-logs/hyperdrive.txt</c>'s style
/// (<c>[time][COMPONENT][LEVEL]message</c>).
/// </summary>
internal sealed class SweepEngine : ISweepTrialEvents
{
    private readonly SweepJob _sweep;
    private readonly string _name;
    private readonly ISweepTrialLauncher _launcher;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly SweepSampler _sampler;
    private readonly Objective _objective;
    private readonly int _maxTotal;
    private readonly int _maxConcurrent;
    private readonly Channel<(string Trial, double? Value, SweepTrialStatus? Status, string? Error)> _events =
        Channel.CreateUnbounded<(string, double?, SweepTrialStatus?, string?)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<SweepTrialRecord> _trials = [];
    private readonly Dictionary<string, SweepTrialRecord> _byName = new(StringComparer.Ordinal);
    private readonly Lock _logLock = new();

    /// <param name="sweep">The sweep (validated here).</param>
    /// <param name="name">The sweep job's name; trials are <c>&lt;name&gt;_&lt;index&gt;</c>.</param>
    /// <param name="launcher">Starts and cancels trials.</param>
    /// <param name="log">Where hyperdrive.txt's lines go (null: nowhere).</param>
    /// <param name="time">The clock (tests pass a fake one).</param>
    /// <param name="seed">Seeds Bayesian sampling's initial design (random sampling takes its own seed from the definition).</param>
    public SweepEngine(SweepJob sweep, string name, ISweepTrialLauncher launcher, TextWriter? log = null, TimeProvider? time = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(launcher);
        sweep.Validate();
        _sweep = sweep;
        _name = name;
        _launcher = launcher;
        _log = log ?? TextWriter.Null;
        _time = time ?? TimeProvider.System;
        _objective = sweep.Objective!;
        _sampler = SweepSampler.Create(sweep.SearchSpace, sweep.SamplingAlgorithm, _objective.Goal, seed);
        var limits = sweep.Limits ?? new SweepLimits();
        _maxTotal = limits.EffectiveMaxTotalTrials;
        _maxConcurrent = limits.EffectiveMaxConcurrentTrials;
    }

    void ISweepTrialEvents.MetricLogged(string trialName, double value) => _events.Writer.TryWrite((trialName, value, null, null));

    void ISweepTrialEvents.Ended(string trialName, SweepTrialStatus status, string? error) => _events.Writer.TryWrite((trialName, null, status, error));

    /// <summary>Runs the sweep to its end; canceling <paramref name="cancellationToken"/> cancels the running trials and ends the sweep Canceled.</summary>
    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = _time.GetUtcNow();
        var limits = _sweep.Limits ?? new SweepLimits();
        var deadline = limits.Timeout is { } t ? started + t : (DateTimeOffset?)null;
        Log("API", "INFO", $"Sweep '{_name}' started: {_sweep.SamplingAlgorithm} sampling over {string.Join(", ", _sweep.SearchSpace.Select(p => $"{p.Key}={p.Value}"))}; objective: {_objective.Goal.ToString().ToLowerInvariant()} {_objective.PrimaryMetric}; max_total_trials={_maxTotal}, max_concurrent_trials={_maxConcurrent}{(_sweep.EarlyTermination is { } p ? $"; early termination: {p.TypeName} (evaluation_interval={p.EvaluationInterval}, delay_evaluation={p.DelayEvaluation})" : "")}.");
        foreach (var warning in _sweep.Warnings)
        {
            Log("API", "WARNING", warning);
        }
        var exhausted = false;
        string? stopReason = null;
        var canceled = false;
        while (true)
        {
            if (stopReason is null && !exhausted)
            {
                var free = Math.Min(_maxConcurrent - Running(), _maxTotal - _trials.Count);
                if (free > 0)
                {
                    exhausted = !await LaunchAsync(free, cancellationToken).ConfigureAwait(false);
                }
            }
            if (Running() == 0 && (stopReason is not null || exhausted || _trials.Count >= _maxTotal))
            {
                break;
            }

            // Wait for the next event, or the next deadline (sweep or trial timeout), or cancellation.
            var now = _time.GetUtcNow();
            var next = NextDeadline(stopReason is null ? deadline : null, limits.TrialTimeout);
            if (next is { } due && due <= now)
            {
                await EnforceDeadlinesAsync(deadline, limits, now, stopReason is not null).ConfigureAwait(false);
                if (deadline is { } d && now >= d && stopReason is null)
                {
                    stopReason = $"the sweep's timeout ({limits.Timeout!.Value.TotalSeconds:0} s) was reached";
                }
                continue;
            }
            using var wake = canceled ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var read = _events.Reader.WaitToReadAsync(wake.Token).AsTask();
                if (next is { } due2)
                {
                    var delay = Task.Delay(due2 - now, _time, wake.Token);
                    await Task.WhenAny(read, delay).ConfigureAwait(false);
                }
                else
                {
                    await read.ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !canceled)
            {
            }
            finally
            {
                await wake.CancelAsync().ConfigureAwait(false);
            }
            if (cancellationToken.IsCancellationRequested && !canceled)
            {
                canceled = true;
                stopReason = "the sweep was canceled";
                Log("CONTROLLER", "INFO", "The sweep was canceled: canceling the running trials.");
                await CancelRunningAsync("the sweep was canceled").ConfigureAwait(false);
            }
            while (_events.Reader.TryRead(out var e))
            {
                await HandleAsync(e).ConfigureAwait(false);
            }
        }
        return Finish(stopReason);
    }

    private int Running() => _trials.Count(t => t.Status == SweepTrialStatus.Running);

    /// <summary>The next time something times out (once the sweep stops, its own deadline is passed as null: it only waits for the canceled trials).</summary>
    private DateTimeOffset? NextDeadline(DateTimeOffset? sweepDeadline, TimeSpan? trialTimeout)
    {
        var next = sweepDeadline;
        if (trialTimeout is { } tt)
        {
            foreach (var trial in _trials.Where(t => t.Status == SweepTrialStatus.Running && !t.Stopping))
            {
                var due = trial.StartedAt + tt;
                next = next is null || due < next ? due : next;
            }
        }
        return next;
    }

    private async Task EnforceDeadlinesAsync(DateTimeOffset? deadline, SweepLimits limits, DateTimeOffset now, bool stopping)
    {
        if (deadline is { } d && now >= d && !stopping)
        {
            var reason = $"the sweep's timeout ({limits.Timeout!.Value.TotalSeconds:0} s) was reached";
            Log("CONTROLLER", "INFO", $"Canceling the sweep: {reason}.");
            await CancelRunningAsync(reason).ConfigureAwait(false);
        }
        if (limits.TrialTimeout is { } tt)
        {
            foreach (var trial in _trials.Where(t => t.Status == SweepTrialStatus.Running && !t.Stopping && now >= t.StartedAt + tt).ToList())
            {
                await CancelAsync(trial, $"Trial '{trial.Name}' reached the trial_timeout ({tt.TotalSeconds:0} s).").ConfigureAwait(false);
            }
        }
    }

    private async Task CancelRunningAsync(string reason)
    {
        foreach (var trial in _trials.Where(t => t.Status == SweepTrialStatus.Running && !t.Stopping).ToList())
        {
            await CancelAsync(trial, $"Trial '{trial.Name}' canceled: {reason}.").ConfigureAwait(false);
        }
    }

    private async Task CancelAsync(SweepTrialRecord trial, string reason)
    {
        trial.Stopping = true;
        trial.CancelReason = reason;
        Log("ENFORCER", "INFO", $"Canceling trial '{trial.Name}'. {reason}");
        try
        {
            await _launcher.CancelAsync(trial.Name, reason, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log("ENFORCER", "WARNING", $"Canceling trial '{trial.Name}' failed: {e.Message}");
        }
    }

    /// <summary>Samples and starts up to <paramref name="count"/> trials; false when the space has no more points.</summary>
    private async Task<bool> LaunchAsync(int count, CancellationToken cancellationToken)
    {
        Log("GENERATOR", "INFO", $"Trying to sample '{count}' jobs from the hyperparameter space");
        var history = _trials.Select(t => new SweepObservation(t.Parameters, Score(t), t.Status == SweepTrialStatus.Running)).ToList();
        var points = _sampler.Next(count, history);
        Log("GENERATOR", "INFO", points.Count == count
            ? $"Successfully sampled '{points.Count}' jobs, they will soon be submitted to the execution target."
            : $"Sampled '{points.Count}' of '{count}' jobs: the search space has no more points ({_sampler.Size} in all).");
        foreach (var point in points)
        {
            var index = _trials.Count;
            var name = string.Create(CultureInfo.InvariantCulture, $"{_name}_{index}");
            var record = new SweepTrialRecord { Index = index, Name = name, Parameters = point, StartedAt = _time.GetUtcNow() };
            _trials.Add(record);
            _byName[name] = record;
            var request = new SweepTrialRequest(index, name, point, new CommandJob(_sweep.TrialFor()) { Name = name });
            Log("SCHEDULER", "INFO", $"Scheduling job, id='{name}', hyperparameters: {SweepValues.Describe(point)}");
            try
            {
                await _launcher.StartAsync(request, this, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                record.Status = SweepTrialStatus.Failed;
                record.Error = e.Message;
                record.EndedAt = _time.GetUtcNow();
                Log("SCHEDULER", "ERROR", $"Job '{name}' could not be started: {e.Message}");
            }
        }
        return points.Count == count;
    }

    private async Task HandleAsync((string Trial, double? Value, SweepTrialStatus? Status, string? Error) e)
    {
        if (!_byName.TryGetValue(e.Trial, out var trial) || trial.Status != SweepTrialStatus.Running)
        {
            return;
        }
        if (e.Value is { } value)
        {
            if (!double.IsFinite(value))
            {
                Log("ENFORCER", "WARNING", $"Trial '{trial.Name}' logged {_objective.PrimaryMetric} = {value}; a value that is not a finite number is ignored.");
                return;
            }
            trial.Values.Add(value);
            if (_sweep.EarlyTermination is { } policy && !trial.Stopping)
            {
                var silent = _trials.Where(t => t.Status == SweepTrialStatus.Running && t.Values.Count == 0 && !t.WarnedNoMetric).ToList();
                if (policy.AppliesAt(trial.Values.Count) && silent.Count > 0)
                {
                    foreach (var quiet in silent)
                    {
                        quiet.WarnedNoMetric = true;
                    }
                    Log("ENFORCER", "WARNING", $"Run(s) [{string.Join(", ", silent.Select(q => $"'{q.Name}'"))}] do not contain any metrics with the primary metric name at this moment, policy cannot be applied.");
                }
                var streams = _trials.Where(t => t.Values.Count > 0 || t.Status == SweepTrialStatus.Running)
                    .Select(t => new TrialMetricStream(t.Name, t.Values, t.Status == SweepTrialStatus.Running && !t.Stopping)).ToList();
                var self = streams.First(s => s.TrialId == trial.Name);
                if (EarlyTerminationRules.Judge(policy, _objective, streams, self, trial.Values.Count) is { } decision)
                {
                    await CancelAsync(trial, decision.Reason).ConfigureAwait(false);
                }
            }
            return;
        }
        trial.Status = e.Status ?? SweepTrialStatus.Failed;
        trial.Error = e.Error;
        trial.EndedAt = _time.GetUtcNow();
        var score = Score(trial);
        Log("CONTROLLER", trial.Status == SweepTrialStatus.Failed ? "WARNING" : "INFO",
            $"Job '{trial.Name}' ended {trial.Status}{(score is { } s ? $" with best {_objective.PrimaryMetric} = {F(s)}" : "")}{(e.Error is { } err ? $": {err}" : "")}.");
        if (trial.Values.Count == 0 && trial.Status != SweepTrialStatus.Failed)
        {
            Log("CONTROLLER", "WARNING", $"Run(s) ['{trial.Name}'] do not contain any metrics with the primary metric name ('{_objective.PrimaryMetric}'): the trial is not ranked.");
        }
    }

    /// <summary>A trial's best value of the primary metric, if it has one and is not Failed.</summary>
    private double? Score(SweepTrialRecord trial) =>
        trial.Values.Count == 0 || trial.Status == SweepTrialStatus.Failed ? null : EarlyTerminationRules.Best(_objective, trial.Values, trial.Values.Count);

    private SweepResult Finish(string? stopReason)
    {
        SweepTrialRecord? best = null;
        double bestScore = 0;
        foreach (var trial in _trials)
        {
            if (trial.Status is SweepTrialStatus.Completed or SweepTrialStatus.Canceled && Score(trial) is { } score
                && (best is null || _objective.IsBetter(score, bestScore)))
            {
                (best, bestScore) = (trial, score);
            }
        }
        SweepOutcome outcome;
        string? error = null;
        if (stopReason is not null)
        {
            outcome = SweepOutcome.Canceled;
            error = $"The sweep ended early: {stopReason}.";
        }
        else if (best is null)
        {
            outcome = SweepOutcome.Failed;
            error = $"No trial logged the primary metric '{_objective.PrimaryMetric}' (log it with mlflow.log_metric(\"{_objective.PrimaryMetric}\", value) or Run.GetContext().LogMetric), so the sweep has no best trial.";
        }
        else
        {
            outcome = SweepOutcome.Completed;
        }
        var counts = string.Join(", ", _trials.GroupBy(t => t.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        Log("CONTROLLER", "INFO", $"Sweep '{_name}' ended {outcome}: {_trials.Count} trials ({counts}).");
        Log("CONTROLLER", best is null ? "WARNING" : "INFO", best is null
            ? error ?? "No trial logged the primary metric."
            : $"Best trial: '{best.Name}' with {_objective.PrimaryMetric} = {F(bestScore)}, hyperparameters {SweepValues.Describe(best.Parameters)}.");
        return new SweepResult(outcome, best?.Name, best is null ? null : bestScore, _trials, error, _objective);
    }

    private void Log(string component, string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"[{_time.GetUtcNow().UtcDateTime:yyyy-MM-ddTHH:mm:ss.ffffff}][{component}][{level}]{message}");
        lock (_logLock)
        {
            _log.WriteLine(line);
        }
    }

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
