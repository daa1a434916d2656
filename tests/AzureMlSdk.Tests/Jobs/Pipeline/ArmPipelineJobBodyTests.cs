using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>The ARM 2026-07-01 <c>PipelineJob</c> body: the spec's example read and written back, a body built from a pipeline validated against the spec, read back.</summary>
public sealed class ArmPipelineJobBodyTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static JsonElement Serialize(ArmResource<PipelineJobProperties> body) => JsonSerializer.SerializeToElement(body, ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties);

    [Fact]
    public void The_spec_example_request_and_response_are_read_and_written_back_unchanged()
    {
        var file = new[] { "2026-07-01", "2025-09-01-examples" }.Select(f => Path.Combine(SpecRoot, f, "examples", "Job", "PipelineJob", "createOrUpdate.json")).First(File.Exists);
        var example = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
        var bodies = new List<JsonElement> { example.GetProperty("parameters").GetProperty("body") };
        bodies.AddRange(example.GetProperty("responses").EnumerateObject().Select(r => r.Value.GetProperty("body")));
        foreach (var body in bodies)
        {
            var dto = JsonSerializer.Deserialize(body.GetRawText(), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)!;
            var written = Serialize(dto).GetProperty("properties");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("properties").GetRawText()), JsonNode.Parse(written.GetRawText())), $"{file}: not the same JSON after a round trip: {written.GetRawText()}");
            Assert.Equal("Pipeline", dto.Properties!.JobType);
            Assert.True(dto.Properties.Extra is null || dto.Properties.Extra.Count == 0, string.Join(", ", dto.Properties.Extra?.Keys.ToList() ?? []));
            Assert.Empty(Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root));
        }
    }

    [Fact]
    public void A_pipeline_maps_to_the_arm_shapes_validates_and_reads_back()
    {
        var pipeline = new PipelineJob
        {
            Name = "p-1",
            DisplayName = "train pipeline",
            ExperimentName = "iris",
            Description = "d",
            Tags = { ["team"] = "ml" },
            Inputs = { ["epochs"] = 20, ["raw"] = Input.UriFolder("azureml://datastores/workspaceblobstore/paths/raw/", InputMode.Download) },
            Outputs = { ["model"] = Output.UriFolder(mode: OutputMode.Upload) },
            Jobs =
            {
                ["prep"] = new CommandJob
                {
                    Command = "prep ${{inputs.raw}} ${{outputs.clean}}", Compute = "azureml:cpu",
                    Inputs = { ["raw"] = "${{parent.inputs.raw}}", ["extra"] = Input.UriFile("https://example.com/x.csv") },
                    Outputs = { ["clean"] = Output.UriFolder() }, EnvironmentVariables = { ["A"] = "1" },
                    Limits = new CommandJobLimits { Timeout = TimeSpan.FromMinutes(5) },
                },
                ["train"] = new PipelineComponentJob
                {
                    Component = "azureml:train:10",
                    Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}", ["epochs"] = "${{parent.inputs.epochs}}" },
                    Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.model}}") },
                },
            },
            Settings = { DefaultCompute = "azureml:cpu", ContinueOnStepFailure = true, ForceRerun = true, DefaultDatastore = "workspaceblobstore" },
        };
        var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences
        {
            ComponentIds = new Dictionary<string, string> { ["prep"] = $"{Ws}/components/azureml_anonymous/versions/abc", ["train"] = $"{Ws}/components/train/versions/10" },
            ComputeId = n => $"{Ws}/computes/{n}",
            DatastoreId = d => $"{Ws}/datastores/{d}",
        });
        var json = Serialize(body);

        Assert.Empty(Spec.Validate(json, Spec.Definition("JobBase").Schema, Spec.Root));
        var p = json.GetProperty("properties");
        Assert.Equal("Pipeline", p.GetProperty("jobType").GetString());
        var settings = p.GetProperty("settings");
        Assert.Equal($"{Ws}/computes/cpu", settings.GetProperty("default_compute").GetString());
        Assert.True(settings.GetProperty("continue_on_step_failure").GetBoolean());
        Assert.True(settings.GetProperty("force_rerun").GetBoolean());
        var prep = p.GetProperty("jobs").GetProperty("prep");
        Assert.Equal("command", prep.GetProperty("type").GetString());
        Assert.Equal($"{Ws}/computes/cpu", prep.GetProperty("computeId").GetString());
        Assert.Equal("literal", prep.GetProperty("inputs").GetProperty("raw").GetProperty("job_input_type").GetString());
        Assert.Equal("${{parent.inputs.raw}}", prep.GetProperty("inputs").GetProperty("raw").GetProperty("value").GetString());
        Assert.Equal("uri_file", prep.GetProperty("inputs").GetProperty("extra").GetProperty("job_input_type").GetString());
        Assert.Equal("PT5M", prep.GetProperty("limits").GetProperty("timeout").GetString());
        var train = p.GetProperty("jobs").GetProperty("train");
        Assert.Equal("${{parent.outputs.model}}", train.GetProperty("outputs").GetProperty("model").GetProperty("value").GetString());

        var back = ArmPipelineJobMapping.FromArm(JsonSerializer.Deserialize(json.GetRawText(), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)!);
        Assert.Equal("train pipeline", back.DisplayName);
        Assert.Equal("cpu", back.Settings.DefaultCompute);
        Assert.Equal("workspaceblobstore", back.Settings.DefaultDatastore);
        Assert.True(back.Settings.ContinueOnStepFailure);
        Assert.Equal(InputMode.Download, back.Inputs["raw"].Mode);
        var backTrain = Assert.IsType<PipelineComponentJob>(back.Jobs["train"]);
        Assert.Equal("azureml:train:10", backTrain.Component);
        Assert.Equal("${{parent.jobs.prep.outputs.clean}}", backTrain.Inputs["data"].Value);
        Assert.Equal("${{parent.outputs.model}}", backTrain.Outputs["model"].Path);
        Assert.Equal("cpu", back.Jobs["prep"].ComputeName);
        Assert.Equal(["prep"], back.GetStepDependencies()["train"]);
        back.Validate();

        Assert.Throws<JobDefinitionException>(() => ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences { ComponentIds = new Dictionary<string, string>() }));
    }

    [Fact]
    public void A_sweep_step_is_a_sweep_node_as_azure_ai_ml_writes_it_validates_and_reads_back()
    {
        var pipeline = new PipelineJob
        {
            Name = "p-sweep",
            Inputs = { ["data"] = Input.UriFile("https://example.com/iris.csv") },
            Outputs = { ["best"] = Output.UriFolder() },
            Jobs =
            {
                ["sweep_step"] = new SweepJob
                {
                    TrialComponent = "azureml:train_model:1",
                    Inputs = { ["data"] = "${{parent.inputs.data}}", ["degree"] = 3 },
                    Outputs = { ["model_output"] = Output.UriFolder("${{parent.outputs.best}}") },
                    SearchSpace =
                    {
                        ["c_value"] = new Uniform(0.5, 0.9), ["kernel"] = new Choice("rbf", "linear"), ["n"] = new QUniform(1, 9, 2),
                        ["steps"] = new RandInt(5), ["lr"] = new LogNormal(-3, 1),
                    },
                    SamplingAlgorithm = new RandomSamplingAlgorithm { Seed = 42, Rule = RandomSamplingRule.Sobol },
                    Objective = new Objective("training_f1_score", Goal.Minimize),
                    Limits = new SweepLimits { MaxTotalTrials = 5, MaxConcurrentTrials = 3, Timeout = TimeSpan.FromSeconds(7200), TrialTimeout = TimeSpan.FromSeconds(600) },
                    EarlyTermination = new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 2, DelayEvaluation = 1 },
                },
                ["predict"] = new PipelineComponentJob
                {
                    Component = "azureml:predict:1", Inputs = { ["model"] = "${{parent.jobs.sweep_step.outputs.model_output}}" },
                },
            },
            Settings = { DefaultCompute = "cpu" },
        };
        var body = ArmPipelineJobMapping.ToArm(pipeline, new ArmPipelineReferences
        {
            ComponentIds = new Dictionary<string, string> { ["sweep_step"] = $"{Ws}/components/train_model/versions/1", ["predict"] = $"{Ws}/components/predict/versions/1" },
        });
        var json = Serialize(body);

        Assert.Empty(Spec.Validate(json, Spec.Definition("JobBase").Schema, Spec.Root));
        var node = json.GetProperty("properties").GetProperty("jobs").GetProperty("sweep_step");
        Assert.Equal("sweep", node.GetProperty("type").GetString());
        Assert.False(node.TryGetProperty("componentId", out _));
        Assert.Equal($"{Ws}/components/train_model/versions/1", node.GetProperty("trial").GetProperty("componentId").GetString());
        Assert.Equal("${{parent.inputs.data}}", node.GetProperty("inputs").GetProperty("data").GetProperty("value").GetString());
        var space = node.GetProperty("search_space");
        Assert.Equal("""{"type":"uniform","min_value":0.5,"max_value":0.9}""", space.GetProperty("c_value").GetRawText());
        Assert.Equal("""{"type":"choice","values":["rbf","linear"]}""", space.GetProperty("kernel").GetRawText());
        Assert.Equal("""{"type":"quniform","min_value":1,"max_value":9,"q":2}""", space.GetProperty("n").GetRawText());
        Assert.Equal("""{"type":"randint","upper":5}""", space.GetProperty("steps").GetRawText());
        Assert.Equal("""{"type":"lognormal","mu":-3,"sigma":1}""", space.GetProperty("lr").GetRawText());
        Assert.Equal("""{"type":"random","seed":42,"rule":"sobol"}""", node.GetProperty("sampling_algorithm").GetRawText());
        Assert.Equal("""{"goal":"minimize","primary_metric":"training_f1_score"}""", node.GetProperty("objective").GetRawText());
        Assert.Equal("""{"max_total_trials":5,"max_concurrent_trials":3,"timeout":7200,"trial_timeout":600}""", node.GetProperty("limits").GetRawText());
        Assert.Equal("""{"policy_type":"Bandit","evaluation_interval":2,"delay_evaluation":1,"slack_factor":0.1}""", node.GetProperty("early_termination").GetRawText());

        var back = ArmPipelineJobMapping.FromArm(JsonSerializer.Deserialize(json.GetRawText(), ArmPipelineJobJsonContext.Default.ArmResourcePipelineJobProperties)!);
        var sweep = Assert.IsType<SweepJob>(back.Jobs["sweep_step"]);
        Assert.Equal("azureml:train_model:1", sweep.TrialComponent);
        Assert.Equal(pipeline.Jobs["sweep_step"] is SweepJob original ? original.SearchSpace : null, sweep.SearchSpace);
        Assert.Equal(new RandomSamplingAlgorithm { Seed = 42, Rule = RandomSamplingRule.Sobol }, sweep.SamplingAlgorithm);
        Assert.Equal(new Objective("training_f1_score", Goal.Minimize), sweep.Objective);
        Assert.Equal(TimeSpan.FromSeconds(600), sweep.Limits!.TrialTimeout);
        Assert.Equal(new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 2, DelayEvaluation = 1 }, sweep.EarlyTermination);
        Assert.Equal("${{parent.outputs.best}}", sweep.Outputs["model_output"].Path);
        Assert.Equal(["sweep_step"], back.GetStepDependencies()["predict"]);
        back.Validate();
    }
}
