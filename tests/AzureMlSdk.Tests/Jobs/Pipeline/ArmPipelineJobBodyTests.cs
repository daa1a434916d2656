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
            Name = "p-1", DisplayName = "train pipeline", ExperimentName = "iris", Description = "d", Tags = { ["team"] = "ml" },
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
}
