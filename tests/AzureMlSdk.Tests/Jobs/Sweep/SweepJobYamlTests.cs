using static AzureMlSdk.Tests.Jobs.JobYamlTests;

namespace AzureMlSdk.Tests.Jobs.Sweep;

/// <summary><c>type: sweep</c> YAML read into a <see cref="SweepJob"/>, and the sweep's load-time checks with file, line and key.</summary>
public sealed class SweepJobYamlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-sweep-");

    public void Dispose() => _dir.Delete(true);

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir.FullName, "sweep.yml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private JobDefinitionException LoadFails(string yaml)
    {
        var path = Write(yaml);
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(path));
        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        return e;
    }

    private const string Trial = """
        trial:
          command: python train.py --lr ${{search_space.lr}} --k ${{search_space.k}}
          environment: azureml:AzureML-sklearn-1.5@latest
        objective:
          goal: minimize
          primary_metric: loss

        """;

    [Fact]
    public void Hello_sweep_loads_with_every_part()
    {
        var job = SweepJob.Load(Fixture(Path.Combine("jobs", "hello-sweep.yml")));
        Assert.Equal(JobType.Sweep, job.Type);
        Assert.Equal("hello-sweep-example", job.DisplayName);
        Assert.Equal("hello-sweep-example", job.ExperimentName);
        Assert.Contains("${{search_space.B}}", job.Trial!.Command, StringComparison.Ordinal);
        Assert.Equal(Fixture(Path.Combine("jobs", "src")), job.Trial.Code);
        Assert.Equal("azureml:AzureML-sklearn-1.5@latest", job.Trial.Environment!.Reference);
        Assert.Equal(0.5, job.Inputs["A"].Value);
        Assert.Equal(0.5, job.TrialInputs["A"].Value);
        Assert.Equal(new Choice("hello", "world", "hello_world"), job.SearchSpace["B"]);
        Assert.Equal(new Uniform(0.1, 1.0), job.SearchSpace["C"]);
        Assert.IsType<RandomSamplingAlgorithm>(job.SamplingAlgorithm);
        Assert.Equal(new Objective("random_metric", Goal.Minimize), job.Objective);
        Assert.Equal(new SweepLimits { MaxTotalTrials = 4, MaxConcurrentTrials = 2, Timeout = TimeSpan.FromHours(1) }, job.Limits);
        Assert.Null(job.EarlyTermination);
        Assert.Empty(job.Warnings);
    }

    [Fact]
    public void Every_distribution_form_and_policy_reads_with_azure_ai_ml_meanings()
    {
        var job = (SweepJob)Job.Load(Write(Trial + """
            type: sweep
            sampling_algorithm: {type: random, seed: 42, rule: sobol}
            search_space:
              lr: {type: loguniform, min_value: -7, max_value: -1}
              k: {type: randint, upper: 5}
              a: {type: quniform, min_value: 0, max_value: 10, q: 2}
              b: {type: qloguniform, min_value: 0, max_value: 3, q: 1}
              c: {type: normal, mu: 10, sigma: 3}
              d: {type: qnormal, mu: 10, sigma: 3, q: 1}
              e: {type: lognormal, mu: 0, sigma: 1}
              f: {type: qlognormal, mu: 0, sigma: 1, q: 1}
              g: {type: Choice, values: [16, 0.5, "x", true]}
            early_termination: {type: bandit, slack_amount: 0.2, evaluation_interval: 2, delay_evaluation: 4}
            limits: {max_total_trials: 20, max_concurrent_trials: 4, timeout: 600, trial_timeout: 60}
            """));
        Assert.Equal(new RandomSamplingAlgorithm { Seed = 42, Rule = RandomSamplingRule.Sobol }, job.SamplingAlgorithm);
        Assert.Equal(new LogUniform(-7, -1), job.SearchSpace["lr"]);
        Assert.Equal(new RandInt(5), job.SearchSpace["k"]);
        Assert.Equal(new QUniform(0, 10, 2), job.SearchSpace["a"]);
        Assert.Equal(new QLogUniform(0, 3, 1), job.SearchSpace["b"]);
        Assert.Equal(new Normal(10, 3), job.SearchSpace["c"]);
        Assert.Equal(new QNormal(10, 3, 1), job.SearchSpace["d"]);
        Assert.Equal(new LogNormal(0, 1), job.SearchSpace["e"]);
        Assert.Equal(new QLogNormal(0, 1, 1), job.SearchSpace["f"]);
        Assert.Equal(new Choice(16L, 0.5, "x", true), job.SearchSpace["g"]);
        Assert.NotEqual<SweepDistribution>(new Uniform(0, 10), new QUniform(0, 10, 2));
        Assert.Equal(new BanditPolicy { SlackAmount = 0.2, EvaluationInterval = 2, DelayEvaluation = 4 }, job.EarlyTermination);
        Assert.Equal(TimeSpan.FromMinutes(1), job.Limits!.TrialTimeout);
        // Parameters the command never uses are allowed, and warned about with their line.
        Assert.Equal(7, job.Warnings.Count);
        Assert.Contains(job.Warnings, w => w.Contains("'a' is never used", StringComparison.Ordinal) && w.Contains("sweep.yml:12:", StringComparison.Ordinal));
    }

    [Fact]
    public void Median_and_truncation_policies_and_bare_words_read()
    {
        var median = (SweepJob)Job.Load(Write(Trial + "type: sweep\nsampling_algorithm: Grid\nsearch_space:\n  lr: {type: choice, values: [0.1, 0.2]}\n  k: {type: choice, values: [1]}\nearly_termination: {type: median_stopping, delay_evaluation: 5}\n"));
        Assert.IsType<GridSamplingAlgorithm>(median.SamplingAlgorithm);
        Assert.Equal(new MedianStoppingPolicy { EvaluationInterval = 1, DelayEvaluation = 5 }, median.EarlyTermination);
        var truncation = (SweepJob)Job.Load(Write(Trial + "type: sweep\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0, max_value: 1}\n  k: {type: choice, values: [1]}\nearly_termination: {type: truncation_selection, truncation_percentage: 20, evaluation_interval: 3}\n"));
        Assert.Equal(new TruncationSelectionPolicy { TruncationPercentage = 20, EvaluationInterval = 3 }, truncation.EarlyTermination);
    }

    [Fact]
    public void Grid_over_a_non_choice_is_an_error_at_the_parameter()
    {
        var e = LoadFails(Trial + "type: sweep\nsampling_algorithm: grid\nsearch_space:\n  lr: {type: uniform, min_value: 0, max_value: 1}\n  k: {type: choice, values: [1, 2]}\n");
        Assert.Equal("search_space.lr", e.Key);
        Assert.Equal(10, e.Line);
        Assert.Contains("grid sampling takes choice parameters only, but 'lr' is uniform (uniform(0, 1))", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bayesian_refuses_an_early_termination_policy_and_other_distributions()
    {
        var e = LoadFails(Trial + "type: sweep\nsampling_algorithm: bayesian\nsearch_space:\n  lr: {type: loguniform, min_value: -5, max_value: 0}\n  k: {type: quniform, min_value: 1, max_value: 9, q: 1}\nearly_termination: {type: bandit, slack_factor: 0.1}\n");
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Key == "early_termination" && p.Reason.Contains("bayesian sampling does not support early termination policies", StringComparison.Ordinal) && p.Line == 12);
        Assert.Contains(e.Problems, p => p.Key == "search_space.lr" && p.Reason.Contains("choice, uniform and quniform parameters only", StringComparison.Ordinal));
    }

    [Fact]
    public void A_placeholder_naming_no_search_space_parameter_is_an_error_on_its_line()
    {
        var e = LoadFails("""
            type: sweep
            trial:
              command: >-
                python train.py
                --lr ${{search_space.learning_rate}}
              environment: azureml:x@latest
            sampling_algorithm: random
            search_space:
              lr: {type: uniform, min_value: 0, max_value: 1}
            objective: {goal: maximize, primary_metric: acc}
            """);
        Assert.Equal("trial.command", e.Key);
        Assert.Contains("${{search_space.learning_rate}}, but the search space has no 'learning_rate'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Its search_space: lr.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_trial_sees_the_sweeps_inputs_and_a_missing_one_is_named()
    {
        var yaml = Trial.Replace("--k ${{search_space.k}}", "--k ${{search_space.k}} --data ${{inputs.data}}", StringComparison.Ordinal)
            + "type: sweep\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0, max_value: 1}\n  k: {type: randint, upper: 3}\n";
        var e = LoadFails(yaml);
        Assert.Equal("trial.command", e.Key);
        Assert.Contains("has no input 'data'", e.Message, StringComparison.Ordinal);
        var ok = (SweepJob)Job.Load(Write(yaml + "inputs:\n  data: {type: uri_file, path: https://example.com/iris.csv}\n"));
        Assert.Equal(InputType.UriFile, ok.TrialInputs["data"].Type);
    }

    [Theory]
    [InlineData("limits: {max_total_trials: 0}", "limits.max_total_trials", "must be between 1 and 1000, not 0")]
    [InlineData("limits: {max_total_trials: 1001}", "limits.max_total_trials", "must be between 1 and 1000, not 1001")]
    [InlineData("limits: {max_concurrent_trials: 101}", "limits.max_concurrent_trials", "must be between 1 and 100, not 101")]
    [InlineData("limits: {timeout: 0}", "limits.timeout", "must be positive")]
    [InlineData("limits: {timeout: 60, trial_timeout: 120}", "limits.trial_timeout", "longer than the whole sweep's")]
    [InlineData("early_termination: {type: bandit}", "early_termination.slack_factor", "needs 'slack_factor' or 'slack_amount'")]
    [InlineData("early_termination: {type: bandit, slack_factor: 0.1, slack_amount: 1}", "early_termination.slack_amount", "not both")]
    [InlineData("early_termination: {type: truncation_selection, truncation_percentage: 100}", "early_termination.truncation_percentage", "between 1 and 99")]
    [InlineData("early_termination: {type: median_stoping}", "early_termination.type", "Did you mean 'median_stopping'?")]
    [InlineData("sampling_algorithm: bayesain", "sampling_algorithm", "Did you mean 'bayesian'?")]
    public void Out_of_range_and_misspelled_settings_are_located_errors(string line, string key, string message)
    {
        var yaml = Trial + "type: sweep\nsearch_space:\n  lr: {type: uniform, min_value: 0, max_value: 1}\n  k: {type: randint, upper: 3}\n" + line + "\n";
        if (!line.StartsWith("sampling_algorithm", StringComparison.Ordinal))
        {
            yaml += "sampling_algorithm: random\n";
        }
        var e = LoadFails(yaml);
        Assert.Contains(e.Problems, p => p.Key == key && p.Reason.Contains(message, StringComparison.Ordinal) && p.Line is not null);
    }

    [Theory]
    [InlineData("lr: {type: uniform, min_value: 2, max_value: 1}", "search_space.lr", "must not be greater than 'max_value'")]
    [InlineData("lr: {type: uniform, min_value: 0}", "search_space.lr.max_value", "needs 'max_value'")]
    [InlineData("lr: {type: randint, upper: 0}", "search_space.lr", "'upper' must be at least 1")]
    [InlineData("lr: {type: quniform, min_value: 0, max_value: 1, q: 0}", "search_space.lr", "'q' must be a positive number")]
    [InlineData("lr: {type: normal, mu: 0, sigma: -1}", "search_space.lr", "'sigma' must be positive")]
    [InlineData("lr: {type: choice, values: []}", "search_space.lr.values", "at least one value")]
    [InlineData("lr: {type: choice, values: 3}", "search_space.lr.values", "must be a list")]
    [InlineData("lr: {type: unifrom, min_value: 0, max_value: 1}", "search_space.lr.type", "Did you mean 'uniform'?")]
    [InlineData("lr: {type: uniform, min_value: 0, max_value: 1, step: 2}", "search_space.lr.step", "unknown key 'step'")]
    [InlineData("2lr: {type: uniform, min_value: 0, max_value: 1}", "search_space.2lr", "search-space name '2lr' is invalid")]
    public void Bad_parameter_expressions_are_located_errors(string parameter, string key, string message)
    {
        var e = LoadFails(Trial.Replace("--lr ${{search_space.lr}} ", "", StringComparison.Ordinal)
            + "type: sweep\nsampling_algorithm: random\nsearch_space:\n  k: {type: randint, upper: 3}\n  " + parameter + "\n");
        Assert.Contains(e.Problems, p => p.Key == key && p.Reason.Contains(message, StringComparison.Ordinal) && p.Line is not null);
    }

    [Fact]
    public void Missing_required_parts_are_all_reported_at_once()
    {
        var e = LoadFails("type: sweep\ndisplay_name: x\n");
        var keys = e.Problems.Select(p => p.Key).ToList();
        Assert.Contains("trial", keys);
        Assert.Contains("search_space", keys);
        Assert.Contains("objective", keys);
        Assert.Contains("sampling_algorithm", keys);
    }

    [Fact]
    public void A_sweep_built_in_code_is_checked_the_same_way()
    {
        var sweep = new SweepJob
        {
            Trial = new CommandJob { Command = "python train.py --lr ${{search_space.lr}} --l2 ${{search_space.l2}}", Environment = "azureml:env@latest" },
            SearchSpace = { ["lr"] = new LogUniform(-7, -1), ["l2"] = new Choice(0.01, 0.1, 1.0), ["unused"] = new RandInt(3) },
            SamplingAlgorithm = SamplingAlgorithm.Bayesian,
            Objective = new Objective("val_loss", Goal.Minimize),
            Limits = new SweepLimits { MaxTotalTrials = 20, MaxConcurrentTrials = 4 },
        };
        var e = Assert.Throws<JobDefinitionException>(sweep.Validate);
        Assert.Equal(["search_space.lr", "search_space.unused"], e.Problems.Select(p => p.Key!).Order(StringComparer.Ordinal));
        Assert.Single(sweep.Warnings);
        Assert.Contains("'unused' is never used", sweep.Warnings[0], StringComparison.Ordinal);

        var ok = new SweepJob
        {
            Trial = sweep.Trial,
            SearchSpace = { ["lr"] = new Uniform(0.001, 0.1), ["l2"] = new Choice(0.01, 0.1, 1.0) },
            SamplingAlgorithm = SamplingAlgorithm.Random,
            Objective = new Objective("val_loss", Goal.Minimize),
            EarlyTermination = new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 1, DelayEvaluation = 5 },
        };
        ok.Validate();
        Assert.Empty(ok.Warnings);
    }

    [Fact]
    public void Set_overrides_reach_sweep_keys()
    {
        var job = SweepJob.Load(Fixture(Path.Combine("jobs", "hello-sweep.yml")), ["limits.max_total_trials=8", "objective.goal=maximize", "search_space.C.max_value=0.5"]);
        Assert.Equal(8, job.Limits!.MaxTotalTrials);
        Assert.Equal(Goal.Maximize, job.Objective!.Goal);
        Assert.Equal(new Uniform(0.1, 0.5), job.SearchSpace["C"]);
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(Fixture(Path.Combine("jobs", "hello-sweep.yml")), ["sampling_algorithm=grid"]));
        Assert.Equal("search_space.C", e.Key);
    }
}
