using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>
/// A sweep as a pipeline step (<c>type: sweep</c>, azure-ai-ml's sweep node; <see cref="CommandJob.Sweep"/> in code): read from YAML
/// with its trial component, bindings and sweep settings; its errors named with file, line and key; its stored form.
/// </summary>
public sealed class PipelineSweepStepYamlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-pipeline-sweep-");

    public void Dispose() => _dir.Delete(true);

    private string Write(string file, string text)
    {
        var path = Path.Combine(_dir.FullName, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private JobDefinitionException LoadFails(string yaml)
    {
        var path = Write("pipeline.yml", yaml);
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(path));
        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        return e;
    }

    // The shape of azureml-examples' pipeline_with_hyperparameter_sweep/train.yml (fewer inputs; data is declared uri_file, which the pipeline gives).
    private const string TrainComponent = """
        $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
        type: command
        name: train_model
        version: 1
        inputs:
          data:
            type: uri_file
          c_value:
            type: number
            default: 1.0
          kernel:
            type: string
            default: rbf
          degree:
            type: integer
            default: 3
          coef0:
            type: number
            default: 0
        outputs:
          model_output:
            type: uri_folder
          test_data:
            type: uri_folder
        code: ./train-src
        environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
        command: >-
          python train.py --data ${{inputs.data}} --C ${{inputs.c_value}} --kernel ${{inputs.kernel}}
          --degree ${{inputs.degree}} --coef0 ${{inputs.coef0}} --model_output ${{outputs.model_output}} --test_data ${{outputs.test_data}}
        """;

    private const string Predict = """
        type: command
        name: predict
        version: 1
        inputs:
          model:
            type: uri_folder
          test_data:
            type: uri_folder
        outputs:
          predict_result:
            type: uri_folder
        environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
        command: echo ${{inputs.model}} ${{inputs.test_data}} ${{outputs.predict_result}}
        """;

    private void WriteComponents()
    {
        Write("train.yml", TrainComponent);
        Write("train-src/train.py", "print('hi')");
        Write("predict.yml", Predict);
    }

    private const string ExamplePipeline = """
        $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
        type: pipeline
        display_name: pipeline_with_hyperparameter_sweep
        settings:
            default_compute: azureml:cpu-cluster
        jobs:
          sweep_step:
            type: sweep
            inputs:
              data:
                type: uri_file
                path: wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv
              degree: 3
            outputs:
              model_output:
                type: uri_folder
                mode: upload
              test_data:
                type: uri_folder
                mode: upload
            sampling_algorithm: random
            trial: ./train.yml
            search_space:
              c_value:
                type: uniform
                min_value: 0.5
                max_value: 0.9
              kernel:
                type: choice
                values: ["rbf", "linear", "poly"]
              coef0:
                type: uniform
                min_value: 0.1
                max_value: 1
            objective:
              goal: minimize
              primary_metric: training_f1_score
            limits:
              max_total_trials: 5
              max_concurrent_trials: 3
              timeout: 7200

          predict_step:
            type: command
            inputs:
              model: ${{parent.jobs.sweep_step.outputs.model_output}}
              test_data: ${{parent.jobs.sweep_step.outputs.test_data}}
            outputs:
              predict_result:
            component: ./predict.yml
        """;

    [Fact]
    public void The_azureml_examples_sweep_pipeline_loads_as_a_sweep_step_feeding_a_command_step()
    {
        WriteComponents();
        var job = PipelineJob.Load(Write("pipeline.yml", ExamplePipeline));

        var sweep = Assert.IsType<SweepJob>(job.Jobs["sweep_step"]);
        Assert.Equal(JobType.Sweep, sweep.Type);
        Assert.Equal("train_model", sweep.Trial!.Component!.Name);
        Assert.Equal(Path.Combine(_dir.FullName, "train-src"), sweep.Trial.Code);
        // The swept inputs' ${{inputs.x}} become ${{search_space.x}} (azure-ai-ml's Sweep._to_job); the others stay inputs.
        Assert.Contains("--C ${{search_space.c_value}} --kernel ${{search_space.kernel}}", sweep.Trial.Command, StringComparison.Ordinal);
        Assert.Contains("--degree ${{inputs.degree}} --coef0 ${{search_space.coef0}}", sweep.Trial.Command, StringComparison.Ordinal);
        Assert.Equal(["data", "degree"], sweep.Inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv", sweep.Inputs["data"].Path);
        Assert.Equal(3L, sweep.Inputs["degree"].Value);
        Assert.Equal(OutputMode.Upload, sweep.Outputs["model_output"].Mode);
        Assert.Equal(new Uniform(0.5, 0.9), sweep.SearchSpace["c_value"]);
        Assert.Equal(new Choice("rbf", "linear", "poly"), sweep.SearchSpace["kernel"]);
        Assert.Equal(SamplingAlgorithm.Random, sweep.SamplingAlgorithm);
        Assert.Equal(new Objective("training_f1_score", Goal.Minimize), sweep.Objective);
        Assert.Equal(new SweepLimits { MaxTotalTrials = 5, MaxConcurrentTrials = 3, Timeout = TimeSpan.FromHours(2) }, sweep.Limits);
        Assert.Equal(["sweep_step"], job.GetStepDependencies()["predict_step"]);
        Assert.Equal(["sweep_step", "predict_step"], job.GetStepOrder());
        Assert.Empty(sweep.Warnings);
        job.Validate();
    }

    [Fact]
    public void A_registered_trial_component_is_kept_for_submit()
    {
        Write("predict.yml", Predict);
        var job = PipelineJob.Load(Write("pipeline.yml", ExamplePipeline.Replace("trial: ./train.yml", "trial: azureml:train_model:1", StringComparison.Ordinal)));

        var sweep = Assert.IsType<SweepJob>(job.Jobs["sweep_step"]);
        Assert.Null(sweep.Trial);
        Assert.Equal("azureml:train_model:1", sweep.TrialComponent);
        Assert.Equal(3, sweep.SearchSpace.Count);
        Assert.Equal(["sweep_step"], job.GetStepDependencies()["predict_step"]);
        job.Validate();
    }

    [Fact]
    public void Grid_over_a_non_choice_a_search_space_name_the_component_lacks_and_a_bad_binding_are_named_with_their_line()
    {
        WriteComponents();
        var e = LoadFails(ExamplePipeline
            .Replace("sampling_algorithm: random", "sampling_algorithm: grid", StringComparison.Ordinal)
            .Replace("      coef0:\n        type: uniform", "      coeff0:\n        type: uniform", StringComparison.Ordinal)
            .Replace("outputs.test_data}}", "outputs.test_dta}}", StringComparison.Ordinal));

        Assert.Contains(e.Problems, p => p.Key == "jobs.sweep_step.search_space.c_value" && p.Line is 24 or 25 && p.Reason.Contains("grid sampling takes choice parameters only", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "jobs.sweep_step.search_space.coeff0" && p.Reason.Contains("not an input of the trial's component 'train_model'", StringComparison.Ordinal)
            && p.Reason.Contains("Did you mean 'coef0'?", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "jobs.predict_step.inputs.test_data" && p.Reason.Contains("step 'sweep_step' has no output 'test_dta'", StringComparison.Ordinal)
            && p.Reason.Contains("model_output, test_data", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sweep_step_without_trial_objective_or_search_space_and_with_unknown_keys_is_refused()
    {
        var e = LoadFails("""
            type: pipeline
            jobs:
              tune:
                type: sweep
                comand: echo hi
                sampling_algorithm: bayesian
            """);
        Assert.Contains(e.Problems, p => p.Key == "jobs.tune.comand" && p.Line == 5);
        Assert.Contains(e.Problems, p => p.Key == "jobs.tune.trial" && p.Reason.Contains("needs 'trial'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "jobs.tune.objective");
        Assert.Contains(e.Problems, p => p.Key == "jobs.tune.search_space");
    }

    [Fact]
    public void A_cycle_through_a_sweep_step_is_named()
    {
        var pipeline = new PipelineJob
        {
            Jobs =
            {
                ["prep"] = new CommandJob { Command = "echo ${{inputs.m}} > ${{outputs.o}}/x", Inputs = { ["m"] = "${{parent.jobs.tune.outputs.model}}" }, Outputs = { ["o"] = Output.UriFolder() } },
                ["tune"] = new CommandJob
                {
                    Command = "train ${{inputs.data}} ${{inputs.lr}} ${{outputs.model}}",
                    Inputs = { ["data"] = "${{parent.jobs.prep.outputs.o}}", ["lr"] = 0.1 }, Outputs = { ["model"] = Output.UriFolder() },
                }.Sweep("loss", Goal.Minimize, new Dictionary<string, SweepDistribution> { ["lr"] = new Uniform(0.01, 0.5) }),
            },
        };
        var e = Assert.Throws<JobDefinitionException>(pipeline.Validate);
        Assert.Contains("cycle: prep → tune → prep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_in_code_moves_the_swept_inputs_into_the_search_space_as_azure_ai_ml_does()
    {
        var job = new CommandJob
        {
            DisplayName = "train",
            Compute = "cpu",
            Command = "train --data ${{inputs.data}} --lr ${{ inputs.lr }} --lr2 ${{inputs.lr2}} --out ${{outputs.model}}",
            Inputs = { ["data"] = "${{parent.inputs.raw}}", ["lr"] = 0.1, ["lr2"] = 0.2 },
            Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
        };
        var sweep = job.Sweep("val_loss", Goal.Minimize, new Dictionary<string, SweepDistribution> { ["lr"] = new LogUniform(-7, -1) }, SamplingAlgorithm.Bayesian,
            new SweepLimits { MaxTotalTrials = 10 });

        Assert.Equal("train --data ${{inputs.data}} --lr ${{search_space.lr}} --lr2 ${{inputs.lr2}} --out ${{outputs.model}}", sweep.Trial!.Command);
        Assert.Equal(["data", "lr2"], sweep.Inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(sweep.Trial.Inputs);
        Assert.Equal("${{parent.outputs.best}}", sweep.Outputs["model"].Path);
        Assert.Equal("cpu", sweep.ComputeName);
        Assert.Equal(new Objective("val_loss", Goal.Minimize), sweep.Objective);
        Assert.Equal(0.1, job.Inputs["lr"].Value);   // the job itself is unchanged
        Assert.Contains("--lr ${{ inputs.lr }}", job.Command, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_step_is_reusable_only_when_its_result_is_reproducible()
    {
        CommandJob Trial(bool? deterministic = null) => new()
        {
            Command = "t ${{inputs.x}}",
            Inputs = { ["x"] = 1 },
            Component = deterministic is null ? null : new CommandComponent { Name = "t", Command = "t ${{inputs.x}}", IsDeterministic = deterministic.Value },
        };
        string? Why(SamplingAlgorithm sampling, EarlyTerminationPolicy? policy = null, int? concurrent = null, bool? deterministic = null) =>
            global::AzureMlSdk.Jobs.Pipeline.SweepSteps.NotReusableReason(Trial(deterministic).Sweep("m", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice(1, 2) },
                sampling, new SweepLimits { MaxConcurrentTrials = concurrent }, policy));

        Assert.Null(Why(SamplingAlgorithm.Grid));
        Assert.Null(Why(new RandomSamplingAlgorithm { Seed = 1, Rule = RandomSamplingRule.Sobol }));
        Assert.Contains("without a seed", Why(SamplingAlgorithm.Random), StringComparison.Ordinal);
        Assert.Contains("bayesian", Why(SamplingAlgorithm.Bayesian), StringComparison.Ordinal);
        Assert.Contains("bandit policy", Why(SamplingAlgorithm.Grid, new BanditPolicy { SlackFactor = 0.1 }), StringComparison.Ordinal);
        Assert.Null(Why(SamplingAlgorithm.Grid, new BanditPolicy { SlackFactor = 0.1 }, concurrent: 1));
        Assert.Contains("is_deterministic: false", Why(SamplingAlgorithm.Grid, deterministic: false), StringComparison.Ordinal);
    }

    [Fact]
    public void The_stored_form_round_trips_a_sweep_step()
    {
        WriteComponents();
        var job = PipelineJob.Load(Write("pipeline.yml", ExamplePipeline));
        var stored = new PipelineJob
        {
            Name = "p",
            Jobs = job.Jobs,
            Settings = job.Settings,
        };

        var back = PipelineJobJson.Read(PipelineJobJson.Write(stored));

        var sweep = Assert.IsType<SweepJob>(back.Jobs["sweep_step"]);
        var original = (SweepJob)job.Jobs["sweep_step"];
        Assert.Equal(original.Trial!.Command, sweep.Trial!.Command);
        Assert.Equal("train_model", sweep.Trial.Component!.Name);
        Assert.Equal(original.SearchSpace, sweep.SearchSpace);
        Assert.Equal(original.Limits, sweep.Limits);
        Assert.Equal(original.Objective, sweep.Objective);
        Assert.Equal(original.Inputs["data"].Path, sweep.Inputs["data"].Path);
        Assert.Equal(3L, sweep.Inputs["degree"].Value);
        Assert.Equal(OutputMode.Upload, sweep.Outputs["test_data"].Mode);
        Assert.Null(sweep.Compute);
        Assert.Equal(["sweep_step"], back.GetStepDependencies()["predict_step"]);
    }
}
