using System.Text.Json;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Jobs;
using AzureMlSdk.Jobs.Pipeline;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>
/// A sweep step on Remote, as azure-ai-ml sends it: the trial is an anonymous component version whose command keeps <c>${{inputs.x}}</c>
/// (the swept parameters are its inputs, typed from their distributions), the pipeline's sweep node names it by <c>trial.componentId</c>,
/// both bodies validate against the 2026-07-01 spec, and the trial component bound back as the Emulator binds it is the sweep's trial again.
/// </summary>
public sealed class SweepStepTrialComponentTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static PipelineJob Tuned() => new()
    {
        Inputs = { ["word"] = "hi", ["raw"] = Input.UriFile("azureml://datastores/workspaceblobstore/paths/raw.csv") },
        Outputs = { ["best"] = Output.UriFolder() },
        Jobs =
        {
            ["tune"] = new CommandJob
            {
                Command = "train --w ${{inputs.w}} --data ${{inputs.data}} --lr ${{inputs.lr}} --k ${{inputs.kernel}} --n ${{inputs.n}} --out ${{outputs.model}}",
                EnvironmentVariables = { ["MODE"] = "fast" },
                Inputs = { ["w"] = "${{parent.inputs.word}}", ["data"] = "${{parent.inputs.raw}}", ["lr"] = 0.1, ["kernel"] = "rbf", ["n"] = 3 },
                Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
            }.Sweep("acc", Goal.Maximize, new Dictionary<string, SweepDistribution>
            {
                ["lr"] = new Uniform(0.01, 0.5), ["kernel"] = new Choice("rbf", "linear"), ["n"] = new RandInt(5),
            }, new RandomSamplingAlgorithm { Seed = 3 }, new SweepLimits { MaxTotalTrials = 4, MaxConcurrentTrials = 2, TrialTimeout = TimeSpan.FromMinutes(5) },
                new BanditPolicy { SlackFactor = 0.2, EvaluationInterval = 1 }),
            ["use"] = new CommandJob
            {
                Command = "cat ${{inputs.m}}/model.txt", Inputs = { ["m"] = "${{parent.jobs.tune.outputs.model}}" },
            },
        },
    };

    private static CommandComponent AnonymousTrial(PipelineJob pipeline, string step)
    {
        var source = RemoteJobBackend.TrialComponent(pipeline, pipeline.Jobs.AsReadOnly(), (SweepJob)pipeline.Jobs[step]);
        var resolved = new CommandComponent(source)
        {
            Name = RemoteJobBackend.AnonymousComponentName,
            Version = null,
            Environment = JobEnvironment.FromReference($"{Ws}/environments/CliV2AnonymousEnvironment/versions/0123456789abcdef0123456789abcd"),
        };
        return new CommandComponent(resolved) { Version = RemoteJobBackend.AnonymousVersion(resolved) };
    }

    [Fact]
    public void The_trial_component_keeps_inputs_placeholders_declares_the_swept_parameters_and_validates()
    {
        var trial = AnonymousTrial(Tuned(), "tune");

        Assert.Equal("train --w ${{inputs.w}} --data ${{inputs.data}} --lr ${{inputs.lr}} --k ${{inputs.kernel}} --n ${{inputs.n}} --out ${{outputs.model}}", trial.Command);
        Assert.Equal(InputType.Number, trial.Inputs["lr"].Type);
        Assert.Equal(InputType.String, trial.Inputs["kernel"].Type);
        Assert.Equal(InputType.Integer, trial.Inputs["n"].Type);
        Assert.All(new[] { "lr", "kernel", "n" }, n => Assert.False(trial.Inputs[n].Optional));
        Assert.Equal(InputType.String, trial.Inputs["w"].Type);                 // typed from ${{parent.inputs.word}}
        Assert.Equal(InputType.UriFile, trial.Inputs["data"].Type);             // typed from ${{parent.inputs.raw}}
        Assert.Equal(OutputType.UriFolder, trial.Outputs["model"].Type);
        Assert.Equal("fast", trial.EnvironmentVariables["MODE"]);
        trial.Validate();

        var body = RemoteAssetStore.AnonymousComponentBody(trial);
        body.Name = trial.Version;
        var json = JsonSerializer.SerializeToElement(body, ArmJsonContext.Default.ArmResourceComponentVersionProperties);
        Assert.Empty(Spec.Validate(json, Spec.Definition("ComponentVersion").Schema, Spec.Root));
        Assert.True(json.GetProperty("properties").GetProperty("isAnonymous").GetBoolean());
        Assert.DoesNotContain("search_space", json.GetProperty("properties").GetProperty("componentSpec").GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.Equal(trial.Version, AnonymousTrial(Tuned(), "tune").Version);  // the same sweep again: the same version (reusable)
    }

    [Fact]
    public void The_pipeline_body_names_the_trial_component_in_its_sweep_node_and_validates_against_the_spec()
    {
        var pipeline = Tuned();
        var trialId = $"{Ws}/components/azureml_anonymous/versions/{AnonymousTrial(pipeline, "tune").Version}";
        var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences
        {
            ComponentIds = new Dictionary<string, string> { ["tune"] = trialId, ["use"] = $"{Ws}/components/azureml_anonymous/versions/1" },
        });
        var json = JsonSerializer.SerializeToElement(body, ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties);

        var problems = Spec.Validate(json, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var node = json.GetProperty("properties").GetProperty("jobs").GetProperty("tune");
        Assert.Equal("sweep", node.GetProperty("type").GetString());
        Assert.False(node.TryGetProperty("componentId", out _));
        Assert.Equal(trialId, node.GetProperty("trial").GetProperty("componentId").GetString());
        Assert.Equal(["data", "w"], node.GetProperty("inputs").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)); // the swept ones are not inputs
        Assert.Equal(["kernel", "lr", "n"], node.GetProperty("search_space").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("""{"goal":"maximize","primary_metric":"acc"}""", node.GetProperty("objective").GetRawText());
        Assert.Equal("""{"max_total_trials":4,"max_concurrent_trials":2,"trial_timeout":300}""", node.GetProperty("limits").GetRawText());
        Assert.Equal("""{"type":"random","seed":3,"rule":"random"}""", node.GetProperty("sampling_algorithm").GetRawText());
        Assert.Equal("Bandit", node.GetProperty("early_termination").GetProperty("policy_type").GetString());
        Assert.Equal("${{parent.outputs.best}}", node.GetProperty("outputs").GetProperty("model").GetProperty("value").GetString());
    }

    [Fact]
    public void The_trial_component_bound_back_as_the_Emulator_binds_it_is_the_sweeps_trial_again()
    {
        var pipeline = Tuned();
        var original = (SweepJob)pipeline.Jobs["tune"];
        var trial = AnonymousTrial(pipeline, "tune");
        var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences
        {
            ComponentIds = new Dictionary<string, string> { ["tune"] = $"{Ws}/components/azureml_anonymous/versions/{trial.Version}", ["use"] = $"{Ws}/components/x/versions/1" },
        });
        var read = (SweepJob)ArmPipelineJobMapping.FromArm(JsonSerializer.Deserialize(
            JsonSerializer.Serialize(body, ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)!).Jobs["tune"];
        Assert.Equal($"azureml:azureml_anonymous:{trial.Version}", read.TrialComponent);

        var bound = PipelineJobExecutor.BindSweepTrial("tune", trial, read, pipeline);

        Assert.Equal(original.Trial!.Command, bound.Trial!.Command);            // ${{search_space.x}} again for the swept ones
        Assert.Contains("${{search_space.lr}}", bound.Trial.Command, StringComparison.Ordinal);
        Assert.Contains("${{inputs.w}}", bound.Trial.Command, StringComparison.Ordinal);
        Assert.Equal(original.SearchSpace, bound.SearchSpace);
        Assert.Equal(original.SamplingAlgorithm, bound.SamplingAlgorithm);
        Assert.Equal(original.Limits, bound.Limits);
        Assert.Equal(original.EarlyTermination, bound.EarlyTermination);
        Assert.Equal(["data", "w"], bound.TrialInputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("${{parent.outputs.best}}", bound.TrialOutputs["model"].Path);
        Assert.Equal(trial.Version, bound.Trial.Component!.Version);
        Assert.Equal("fast", bound.Trial.EnvironmentVariables["MODE"]);
        Assert.Empty(bound.Warnings);                                           // every swept parameter is used by the command
    }

    [Fact]
    public void A_trial_from_a_component_is_sent_as_that_component_with_its_command_as_written()
    {
        var component = new CommandComponent
        {
            Name = "train",
            Version = "2",
            Command = "python train.py --lr ${{inputs.lr}} --out ${{outputs.model}}",
            Environment = "azureml:sklearn:1",
            Inputs = { ["lr"] = new ComponentInput { Type = InputType.Number, Default = 0.1 } },
            Outputs = { ["model"] = new ComponentOutput() },
        };
        var pipeline = new PipelineJob
        {
            Jobs = { ["tune"] = component.ToJob().Sweep("acc", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["lr"] = new Uniform(0.01, 0.5) }) },
        };

        var trial = RemoteJobBackend.TrialComponent(pipeline, pipeline.Jobs.AsReadOnly(), (SweepJob)pipeline.Jobs["tune"]);

        Assert.Same(component, trial);
        Assert.Contains("${{inputs.lr}}", trial.Command, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trial_jobs_own_timeout_travels_as_the_nodes_trial_timeout_and_the_sweeps_wins()
    {
        SweepJob Sweep(SweepLimits? limits) => new CommandJob
        {
            Command = "echo ${{inputs.x}}",
            Inputs = { ["x"] = 1.0 },
            Limits = new CommandJobLimits { Timeout = TimeSpan.FromMinutes(3) },
        }.Sweep("m", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice(1.0, 2.0) }, SamplingAlgorithm.Grid, limits);
        JsonElement Limits(SweepJob sweep)
        {
            var pipeline = new PipelineJob { Jobs = { ["tune"] = sweep } };
            var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences { ComponentIds = new Dictionary<string, string> { ["tune"] = $"{Ws}/components/t/versions/1" } });
            var json = JsonSerializer.SerializeToElement(body, ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties);
            Assert.Empty(Spec.Validate(json, Spec.Definition("JobBase").Schema, Spec.Root));
            return json.GetProperty("properties").GetProperty("jobs").GetProperty("tune").GetProperty("limits");
        }

        Assert.Equal("""{"trial_timeout":180}""", Limits(Sweep(null)).GetRawText());
        Assert.Equal("""{"max_total_trials":2,"trial_timeout":180}""", Limits(Sweep(new SweepLimits { MaxTotalTrials = 2 })).GetRawText());
        Assert.Equal("""{"trial_timeout":60}""", Limits(Sweep(new SweepLimits { TrialTimeout = TimeSpan.FromMinutes(1) })).GetRawText());
    }

    [Theory]
    [InlineData("randint", InputType.Integer)]
    [InlineData("choice-int", InputType.Integer)]
    [InlineData("choice-number", InputType.Number)]
    [InlineData("choice-text", InputType.String)]
    [InlineData("choice-mixed", InputType.String)]
    [InlineData("choice-bool", InputType.Boolean)]
    [InlineData("uniform", InputType.Number)]
    [InlineData("qlognormal", InputType.Number)]
    public void A_swept_parameter_is_declared_with_the_type_its_distribution_samples(string kind, InputType expected)
    {
        SweepDistribution distribution = kind switch
        {
            "randint" => new RandInt(4),
            "choice-int" => new Choice(16, 32, 64),
            "choice-number" => new Choice(1, 2.5),
            "choice-text" => new Choice("rbf", "linear"),
            "choice-mixed" => new Choice("auto", 3),
            "choice-bool" => new Choice(true, false),
            "uniform" => new Uniform(0, 1),
            _ => new QLogNormal(0, 1, 2),
        };
        Assert.Equal(expected, SweepSteps.SweptInputType(distribution));
    }
}
