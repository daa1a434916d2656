using System.Globalization;

namespace AzureMlSdk.Jobs.Sweep;

/// <summary>A trial's primary-metric stream as the policies see it.</summary>
/// <param name="TrialId">The trial (child job) name.</param>
/// <param name="Values">Every value of the primary metric it logged, in order; the i-th is interval i + 1.</param>
/// <param name="IsRunning">True while the trial runs (only running trials can be stopped; ended ones still count for comparison).</param>
internal sealed record TrialMetricStream(string TrialId, IReadOnlyList<double> Values, bool IsRunning);

/// <summary>A policy's decision to stop a trial, with the reason written to the sweep's log (<c>azureml-logs/hyperdrive.txt</c>).</summary>
internal sealed record TerminationDecision(string TrialId, int Interval, string Reason);

/// <summary>
/// Azure ML's early-termination policies as pure functions over the trials' metric streams. A trial is judged after its
/// k-th report when the policy applies at interval k (every <c>evaluation_interval</c>-th report, from
/// <c>delay_evaluation</c> on); "its metric" is its best value over intervals 1..k, compared with the other trials' values
/// over the same intervals (running or ended, so a slow trial is compared with what the others had at that point).
/// </summary>
internal static class EarlyTerminationRules
{
    /// <summary>The fewest trials (the judged one included) that must have reached an interval for the median to decide.</summary>
    internal const int MedianMinimumTrials = 3;

    /// <summary>The trials to stop now: each running trial is judged at its latest interval if the policy applies there.</summary>
    public static IReadOnlyList<TerminationDecision> Evaluate(EarlyTerminationPolicy policy, Objective objective, IReadOnlyList<TrialMetricStream> trials)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(trials);
        var decisions = new List<TerminationDecision>();
        foreach (var trial in trials.Where(t => t.IsRunning && t.Values.Count > 0))
        {
            if (Judge(policy, objective, trials, trial, trial.Values.Count) is { } decision)
            {
                decisions.Add(decision);
            }
        }
        return decisions;
    }

    /// <summary>The decision for <paramref name="trial"/> after its <paramref name="interval"/>-th report, or null to let it run.</summary>
    public static TerminationDecision? Judge(EarlyTerminationPolicy policy, Objective objective, IReadOnlyList<TrialMetricStream> trials, TrialMetricStream trial, int interval)
    {
        if (!trial.IsRunning || interval < 1 || interval > trial.Values.Count || !policy.AppliesAt(interval))
        {
            return null;
        }
        var metric = objective.PrimaryMetric;
        var own = Best(objective, trial.Values, interval);
        switch (policy)
        {
            case BanditPolicy bandit:
                {
                    var best = trials.Where(t => t.Values.Count > 0).Select(t => Best(objective, t.Values, interval)).Aggregate((a, b) => objective.IsBetter(b, a) ? b : a);
                    var maximize = objective.Goal == Goal.Maximize;
                    double threshold;
                    string slack;
                    if (bandit.SlackAmount is { } amount)
                    {
                        threshold = maximize ? best - amount : best + amount;
                        slack = $"slack_amount {F(amount)}";
                    }
                    else
                    {
                        var factor = bandit.SlackFactor ?? 0;
                        threshold = maximize ? best - (Math.Abs(best) * factor / (1 + factor)) : best + (Math.Abs(best) * factor);
                        slack = $"slack_factor {F(factor)}";
                    }
                    var outside = maximize ? own < threshold : own > threshold;
                    return outside
                        ? new TerminationDecision(trial.TrialId, interval,
                            $"Bandit policy: at interval {interval} the best {metric} of '{trial.TrialId}' is {F(own)}, {(maximize ? "below" : "above")} {F(threshold)} (the best trial's {F(best)} with {slack}).")
                        : null;
                }
            case MedianStoppingPolicy:
                {
                    var averages = trials.Where(t => t.Values.Count >= interval).Select(t => t.Values.Take(interval).Average()).Order().ToList();
                    if (averages.Count < MedianMinimumTrials)
                    {
                        return null;
                    }
                    var median = averages.Count % 2 == 1 ? averages[averages.Count / 2] : (averages[(averages.Count / 2) - 1] + averages[averages.Count / 2]) / 2;
                    return objective.IsBetter(median, own)
                        ? new TerminationDecision(trial.TrialId, interval,
                            $"Median stopping policy: at interval {interval} the best {metric} of '{trial.TrialId}' is {F(own)}, worse than {F(median)}, the median of the running averages of the {averages.Count} trials that reached interval {interval}.")
                        : null;
                }
            case TruncationSelectionPolicy truncation:
                {
                    var ranked = trials.Where(t => t.Values.Count >= interval)
                        .Select(t => (t.TrialId, Value: Best(objective, t.Values, interval)))
                        .OrderBy(t => objective.Goal == Goal.Maximize ? t.Value : -t.Value)
                        .ThenByDescending(t => t.TrialId, StringComparer.Ordinal)
                        .ToList();
                    var cut = (int)Math.Floor(ranked.Count * truncation.TruncationPercentage / 100.0);
                    var rank = ranked.FindIndex(t => t.TrialId == trial.TrialId);
                    return rank >= 0 && rank < cut
                        ? new TerminationDecision(trial.TrialId, interval,
                            $"Truncation selection policy: at interval {interval} the best {metric} of '{trial.TrialId}' is {F(own)}, in the lowest {truncation.TruncationPercentage}% of the {ranked.Count} trials that reached interval {interval} (rank {ranked.Count - rank} of {ranked.Count}).")
                        : null;
                }
            default:
                return null;
        }
    }

    /// <summary>The best of the first <paramref name="interval"/> values (all of them when there are fewer).</summary>
    internal static double Best(Objective objective, IReadOnlyList<double> values, int interval)
    {
        var best = values[0];
        for (var i = 1; i < Math.Min(interval, values.Count); i++)
        {
            if (objective.IsBetter(values[i], best))
            {
                best = values[i];
            }
        }
        return best;
    }

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
