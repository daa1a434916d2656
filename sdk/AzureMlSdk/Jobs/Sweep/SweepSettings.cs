namespace AzureMlSdk;

/// <summary>The kind of a <see cref="SamplingAlgorithm"/>.</summary>
public enum SamplingAlgorithmType
{
    /// <summary>Every combination of the (choice-only) search space (<c>grid</c>).</summary>
    Grid,
    /// <summary>Independent draws, or a Sobol sequence (<c>random</c>).</summary>
    Random,
    /// <summary>Model-based: each point chosen from the results so far (<c>bayesian</c>).</summary>
    Bayesian,
}

/// <summary>
/// How a sweep picks hyperparameters (<c>sampling_algorithm</c>): <see cref="Grid"/>, <see cref="Random"/> (seedable,
/// <see cref="RandomSamplingRule.Sobol"/> too, through <see cref="RandomSamplingAlgorithm"/>) or <see cref="Bayesian"/>.
/// </summary>
public abstract record SamplingAlgorithm
{
    private protected SamplingAlgorithm() { }

    /// <summary>The algorithm's kind.</summary>
    public abstract SamplingAlgorithmType Type { get; }

    /// <summary>Grid sampling: every combination of the choices, in order. Takes <see cref="Choice"/> parameters only.</summary>
    public static GridSamplingAlgorithm Grid { get; } = new();

    /// <summary>Random sampling, unseeded (use <see cref="RandomSamplingAlgorithm"/> for a seed or Sobol).</summary>
    public static RandomSamplingAlgorithm Random { get; } = new();

    /// <summary>
    /// Bayesian sampling: a Gaussian process with expected improvement over the results so far. Takes <see cref="Choice"/>,
    /// <see cref="Uniform"/> and <see cref="QUniform"/> parameters and no early termination, as Azure ML.
    /// </summary>
    public static BayesianSamplingAlgorithm Bayesian { get; } = new();

    /// <summary>The YAML word: <c>grid</c>, <c>random</c> or <c>bayesian</c>.</summary>
    public override string ToString() => Type.ToString().ToLowerInvariant();
}

/// <summary><c>type: grid</c>.</summary>
public sealed record GridSamplingAlgorithm : SamplingAlgorithm
{
    /// <inheritdoc/>
    public override SamplingAlgorithmType Type => SamplingAlgorithmType.Grid;

    /// <inheritdoc/>
    public override string ToString() => base.ToString();
}

/// <summary>The rule of random sampling (<c>rule</c>).</summary>
public enum RandomSamplingRule
{
    /// <summary>Independent uniform draws (<c>random</c>, the default).</summary>
    Random,
    /// <summary>The Sobol low-discrepancy sequence (<c>sobol</c>): covers the space more evenly; the seed scrambles it.</summary>
    Sobol,
}

/// <summary><c>type: random</c> with an optional <see cref="Seed"/> and <see cref="Rule"/>.</summary>
public sealed record RandomSamplingAlgorithm : SamplingAlgorithm
{
    /// <inheritdoc/>
    public override SamplingAlgorithmType Type => SamplingAlgorithmType.Random;

    /// <summary>The seed (<c>seed</c>): the same seed and space give the same points. Null draws a seed.</summary>
    public int? Seed { get; init; }

    /// <summary><c>rule</c>: <see cref="RandomSamplingRule.Random"/> (default) or <see cref="RandomSamplingRule.Sobol"/>.</summary>
    public RandomSamplingRule Rule { get; init; }

    /// <inheritdoc/>
    public override string ToString() => base.ToString();
}

/// <summary><c>type: bayesian</c>.</summary>
public sealed record BayesianSamplingAlgorithm : SamplingAlgorithm
{
    /// <inheritdoc/>
    public override SamplingAlgorithmType Type => SamplingAlgorithmType.Bayesian;

    /// <inheritdoc/>
    public override string ToString() => base.ToString();
}

/// <summary>Whether the primary metric is to be minimised or maximised.</summary>
public enum Goal
{
    /// <summary>Lower is better (a loss).</summary>
    Minimize,
    /// <summary>Higher is better (an accuracy).</summary>
    Maximize,
}

/// <summary>What a sweep optimises (<c>objective</c>): a metric each trial logs (MLflow <c>log_metric</c> or <c>Run.GetContext()</c>) and its goal.</summary>
/// <param name="PrimaryMetric">The metric's name, as the trials log it (<c>primary_metric</c>).</param>
/// <param name="Goal">Minimize or maximize (<c>goal</c>).</param>
public sealed record Objective(string PrimaryMetric, Goal Goal)
{
    /// <summary>True when <paramref name="candidate"/> is strictly better than <paramref name="incumbent"/> under <see cref="Goal"/>.</summary>
    internal bool IsBetter(double candidate, double incumbent) => Goal == Goal.Maximize ? candidate > incumbent : candidate < incumbent;
}

/// <summary>A sweep's limits (<c>limits</c>).</summary>
public sealed record SweepLimits
{
    /// <summary>Azure ML's range of <see cref="MaxTotalTrials"/>.</summary>
    public const int MaxTotalTrialsLimit = 1000;

    /// <summary>Azure ML's range of <see cref="MaxConcurrentTrials"/>.</summary>
    public const int MaxConcurrentTrialsLimit = 100;

    /// <summary>The most trials to run (<c>max_total_trials</c>, 1 to 1000; Azure ML's default 1000).</summary>
    public int? MaxTotalTrials { get; init; }

    /// <summary>The most trials running at once (<c>max_concurrent_trials</c>, 1 to 100; default: all of them).</summary>
    public int? MaxConcurrentTrials { get; init; }

    /// <summary>The longest the whole sweep may run (<c>timeout</c>, seconds in YAML); then it and its trials are canceled.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The longest one trial may run (<c>trial_timeout</c>, seconds in YAML); then that trial is canceled.</summary>
    public TimeSpan? TrialTimeout { get; init; }

    /// <summary><see cref="MaxTotalTrials"/> or Azure ML's default (1000).</summary>
    internal int EffectiveMaxTotalTrials => MaxTotalTrials ?? MaxTotalTrialsLimit;

    /// <summary><see cref="MaxConcurrentTrials"/> or, as Azure ML, as many as the total.</summary>
    internal int EffectiveMaxConcurrentTrials => Math.Min(MaxConcurrentTrials ?? EffectiveMaxTotalTrials, EffectiveMaxTotalTrials);
}

/// <summary>
/// Stops poorly performing trials early (<c>early_termination</c>): <see cref="BanditPolicy"/>,
/// <see cref="MedianStoppingPolicy"/> or <see cref="TruncationSelectionPolicy"/>. An <em>interval</em> is one report of
/// the primary metric by a trial; the policy is applied at every multiple of <see cref="EvaluationInterval"/> that is at
/// least <see cref="DelayEvaluation"/>, as Azure ML documents.
/// </summary>
public abstract record EarlyTerminationPolicy
{
    private protected EarlyTerminationPolicy() { }

    /// <summary>The YAML <c>type</c>: <c>bandit</c>, <c>median_stopping</c>, <c>truncation_selection</c>.</summary>
    public abstract string TypeName { get; }

    /// <summary>How often the policy is applied, in metric reports (<c>evaluation_interval</c>, default 1; 0 means 1, as Azure ML).</summary>
    public int EvaluationInterval { get; init; } = 1;

    /// <summary>The first reports to skip (<c>delay_evaluation</c>, default 0).</summary>
    public int DelayEvaluation { get; init; }

    /// <summary>True when the policy is applied after a trial's <paramref name="interval"/>-th report (1-based).</summary>
    internal bool AppliesAt(int interval)
    {
        var every = Math.Max(1, EvaluationInterval);
        return interval >= 1 && interval % every == 0 && interval >= DelayEvaluation;
    }

    internal virtual IEnumerable<(string Key, string Message)> Problems()
    {
        if (EvaluationInterval < 0)
        {
            yield return ("evaluation_interval", $"'evaluation_interval' must not be negative, not {EvaluationInterval}.");
        }
        if (DelayEvaluation < 0)
        {
            yield return ("delay_evaluation", $"'delay_evaluation' must not be negative, not {DelayEvaluation}.");
        }
    }
}

/// <summary>
/// <c>bandit</c>: stops a trial whose best metric so far is not within the slack of the best trial's at the same interval.
/// With <see cref="SlackFactor"/> f: maximize stops below <c>best / (1 + f)</c>, minimize above <c>best · (1 + f)</c>; with
/// <see cref="SlackAmount"/> a: below <c>best − a</c> / above <c>best + a</c>. Give exactly one of the two.
/// </summary>
public sealed record BanditPolicy : EarlyTerminationPolicy
{
    /// <inheritdoc/>
    public override string TypeName => "bandit";

    /// <summary>The allowed distance from the best trial as a ratio (<c>slack_factor</c>).</summary>
    public double? SlackFactor { get; init; }

    /// <summary>The allowed distance from the best trial as an absolute amount (<c>slack_amount</c>).</summary>
    public double? SlackAmount { get; init; }

    internal override IEnumerable<(string Key, string Message)> Problems()
    {
        foreach (var p in base.Problems())
        {
            yield return p;
        }
        if (SlackFactor is null && SlackAmount is null)
        {
            yield return ("slack_factor", "a bandit policy needs 'slack_factor' or 'slack_amount'.");
        }
        else if (SlackFactor is not null && SlackAmount is not null)
        {
            yield return ("slack_amount", "a bandit policy takes 'slack_factor' or 'slack_amount', not both.");
        }
        if (SlackFactor is { } f && (!double.IsFinite(f) || f < 0))
        {
            yield return ("slack_factor", $"'slack_factor' must be a non-negative number, not {f}.");
        }
        if (SlackAmount is { } a && (!double.IsFinite(a) || a < 0))
        {
            yield return ("slack_amount", $"'slack_amount' must be a non-negative number, not {a}.");
        }
    }
}

/// <summary><c>median_stopping</c>: stops a trial whose best metric so far is worse than the median of the other trials' running averages at the same interval.</summary>
public sealed record MedianStoppingPolicy : EarlyTerminationPolicy
{
    /// <inheritdoc/>
    public override string TypeName => "median_stopping";
}

/// <summary><c>truncation_selection</c>: at each evaluation, cancels the trials in the lowest <see cref="TruncationPercentage"/> percent at that interval.</summary>
public sealed record TruncationSelectionPolicy : EarlyTerminationPolicy
{
    /// <inheritdoc/>
    public override string TypeName => "truncation_selection";

    /// <summary>The percentage of lowest performing trials to cancel at each evaluation (<c>truncation_percentage</c>, 1 to 99).</summary>
    public int TruncationPercentage { get; init; }

    internal override IEnumerable<(string Key, string Message)> Problems()
    {
        foreach (var p in base.Problems())
        {
            yield return p;
        }
        if (TruncationPercentage is < 1 or > 99)
        {
            yield return ("truncation_percentage", $"'truncation_percentage' must be between 1 and 99, not {TruncationPercentage}.");
        }
    }
}
