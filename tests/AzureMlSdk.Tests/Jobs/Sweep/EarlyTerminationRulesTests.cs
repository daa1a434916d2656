using AzureMlSdk.Jobs.Sweep;

namespace AzureMlSdk.Tests.Jobs.Sweep;

/// <summary>Azure ML's early-termination policies as pure functions over metric streams.</summary>
public sealed class EarlyTerminationRulesTests
{
    private static readonly Objective Max = new("accuracy", Goal.Maximize);
    private static readonly Objective Min = new("loss", Goal.Minimize);

    private static TrialMetricStream T(string id, params double[] values) => new(id, values, IsRunning: true);

    private static TerminationDecision? Judge(EarlyTerminationPolicy policy, Objective objective, TrialMetricStream trial, params TrialMetricStream[] others) =>
        EarlyTerminationRules.Judge(policy, objective, [trial, .. others], trial, trial.Values.Count);

    [Theory]
    [InlineData(1, 0, new[] { 1, 2, 3, 4 }, new int[0])]
    [InlineData(1, 5, new[] { 5, 6, 7 }, new[] { 1, 4 })]
    [InlineData(2, 5, new[] { 6, 8, 10 }, new[] { 4, 5, 7 })]
    [InlineData(0, 0, new[] { 1, 2 }, new int[0])]
    public void A_policy_applies_at_every_multiple_of_the_interval_from_the_delay_on(int interval, int delay, int[] applies, int[] skips)
    {
        var policy = new MedianStoppingPolicy { EvaluationInterval = interval, DelayEvaluation = delay };
        Assert.All(applies, k => Assert.True(policy.AppliesAt(k), $"interval {k}"));
        Assert.All(skips, k => Assert.False(policy.AppliesAt(k), $"interval {k}"));
    }

    [Fact]
    public void Bandit_slack_factor_maximize_is_azures_example()
    {
        // Best 0.8 at the interval, slack_factor 0.2: trials below 0.8 / 1.2 = 0.667 are stopped.
        var policy = new BanditPolicy { SlackFactor = 0.2 };
        var best = T("best", 0.8);
        var stopped = Judge(policy, Max, T("low", 0.66), best);
        Assert.NotNull(stopped);
        Assert.Contains("best accuracy of 'low' is 0.66, below 0.666667 (the best trial's 0.8 with slack_factor 0.2)", stopped.Reason, StringComparison.Ordinal);
        Assert.Null(Judge(policy, Max, T("ok", 0.67), best));
    }

    [Fact]
    public void Bandit_minimize_and_slack_amount()
    {
        Assert.NotNull(Judge(new BanditPolicy { SlackFactor = 0.2 }, Min, T("t", 0.61), T("best", 0.5)));
        Assert.Null(Judge(new BanditPolicy { SlackFactor = 0.2 }, Min, T("t", 0.59), T("best", 0.5)));
        Assert.NotNull(Judge(new BanditPolicy { SlackAmount = 0.1 }, Max, T("t", 0.69), T("best", 0.8)));
        Assert.Null(Judge(new BanditPolicy { SlackAmount = 0.1 }, Max, T("t", 0.71), T("best", 0.8)));
        Assert.NotNull(Judge(new BanditPolicy { SlackAmount = 0.1 }, Min, T("t", 0.61), T("best", 0.5)));
        Assert.Null(Judge(new BanditPolicy { SlackAmount = 0.1 }, Min, T("t", 0.59), T("best", 0.5)));
    }

    [Fact]
    public void Bandit_compares_with_what_the_others_had_at_the_same_interval_and_the_trials_best_so_far()
    {
        var policy = new BanditPolicy { SlackFactor = 0.1 };
        // The finished trial reached 0.95 only at interval 4; at interval 2 it had 0.6.
        var finished = new TrialMetricStream("done", [0.5, 0.6, 0.9, 0.95], IsRunning: false);
        Assert.Null(Judge(policy, Max, T("slow", 0.3, 0.58), finished));
        Assert.NotNull(Judge(policy, Max, T("slow", 0.3, 0.5, 0.6, 0.7), finished));
        // Its own best so far counts, not its latest value.
        Assert.Null(Judge(policy, Max, T("dip", 0.9, 0.2, 0.2, 0.2), finished));
    }

    [Fact]
    public void Median_stopping_stops_a_trial_worse_than_the_median_of_running_averages()
    {
        var policy = new MedianStoppingPolicy();
        var others = new[] { T("a", 0.5, 0.6), T("b", 0.7, 0.8), T("c", 0.2, 0.3) };
        // Running averages at interval 2: a 0.55, b 0.75, c 0.25, t 0.425 → median 0.4875.
        var stopped = Judge(policy, Max, T("t", 0.4, 0.45), others);
        Assert.NotNull(stopped);
        Assert.Contains("worse than 0.4875, the median of the running averages of the 4 trials that reached interval 2", stopped.Reason, StringComparison.Ordinal);
        Assert.Null(Judge(policy, Max, T("t", 0.4, 0.56), others));
        // Too few trials at the interval to have a median.
        Assert.Null(Judge(policy, Max, T("t", 0.1, 0.1), T("a", 0.9, 0.9)));
        Assert.NotNull(Judge(policy, Min, T("t", 0.9, 0.9), T("a", 0.1, 0.1), T("b", 0.2, 0.2)));
    }

    [Fact]
    public void Truncation_selection_cancels_the_lowest_percentage_at_the_interval()
    {
        var policy = new TruncationSelectionPolicy { TruncationPercentage = 20 };
        var trials = Enumerable.Range(0, 10).Select(i => T($"t{i}", i / 10.0)).ToArray();
        var stopped = EarlyTerminationRules.Evaluate(policy, Max, trials).Select(d => d.TrialId).Order(StringComparer.Ordinal);
        Assert.Equal(["t0", "t1"], stopped);
        Assert.Equal(["t8", "t9"], EarlyTerminationRules.Evaluate(policy, Min, trials).Select(d => d.TrialId).Order(StringComparer.Ordinal));
        // 20 % of 4 trials is less than one: nobody is cut.
        Assert.Empty(EarlyTerminationRules.Evaluate(policy, Max, trials.Take(4).ToArray()));
    }

    [Fact]
    public void Only_running_trials_are_judged_and_not_before_the_delay()
    {
        var policy = new BanditPolicy { SlackAmount = 0, DelayEvaluation = 3 };
        var ended = new TrialMetricStream("ended", [0.1, 0.1, 0.1], IsRunning: false);
        var early = T("early", 0.1, 0.1);
        var best = T("best", 0.9, 0.9, 0.9);
        var decisions = EarlyTerminationRules.Evaluate(policy, Max, [ended, early, best]);
        Assert.Empty(decisions);
        decisions = EarlyTerminationRules.Evaluate(policy, Max, [ended, T("early", 0.1, 0.1, 0.1), best]);
        Assert.Equal("early", Assert.Single(decisions).TrialId);
        Assert.Equal(3, decisions[0].Interval);
    }
}
