using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Tests.Backends.Remote;
using static AzureMlSdk.Tests.Jobs.JobYamlTests;

namespace AzureMlSdk.Tests.Jobs;

/// <summary>The ARM 2026-07-01 <c>CommandJob</c> body: read from the spec's example, built from definitions, validated against the spec, read back.</summary>
public sealed class ArmJobBodyTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static readonly ArmJobReferences References = new()
    {
        EnvironmentId = $"{Ws}/environments/sklearn/versions/3",
        CodeId = $"{Ws}/codes/5b0f0a2c-code/versions/1",
        ComputeId = $"{Ws}/computes/cpu-cluster",
        InputUris = new Dictionary<string, string>
        {
            ["input_model"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/mlflow-model",
            ["corpus"] = "azureml://datastores/workspaceblobstore/paths/LocalUpload/def/data",
        },
    };

    private static JsonElement Serialize(ArmResource<CommandJobProperties> body) => JsonSerializer.SerializeToElement(body, ArmJobJsonContext.Default.ArmResourceCommandJobProperties);

    private static List<string> SpecProblems(JsonElement body) => Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);

    [Fact]
    public void The_spec_example_request_and_response_are_read_and_written_back_unchanged()
    {
        var file = new[] { "2026-07-01", "2025-09-01-examples" }.Select(f => Path.Combine(SpecRoot, f, "examples", "Job", "CommandJob", "createOrUpdate.json")).First(File.Exists);
        var example = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
        var bodies = new List<JsonElement> { example.GetProperty("parameters").GetProperty("body") };
        bodies.AddRange(example.GetProperty("responses").EnumerateObject().Select(r => r.Value.GetProperty("body")));
        foreach (var body in bodies)
        {
            var dto = JsonSerializer.Deserialize(body.GetRawText(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
            // The job's properties exactly (systemData's dates are re-formatted by DateTimeOffset, a concern of ArmDtos' own tests).
            var written = Serialize(dto).GetProperty("properties");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("properties").GetRawText()), JsonNode.Parse(written.GetRawText())), $"{file}: not the same JSON after a round trip: {written.GetRawText()}");
            Assert.Equal("Command", dto.Properties!.JobType);
            Assert.Equal("literal", dto.Properties.Inputs!["string"]!.JobInputType);
            Assert.Equal("PT5M", dto.Properties.Limits!.Timeout);
            Assert.Equal("TensorFlow", dto.Properties.Distribution!.DistributionType);
            // The modelled fields carry everything but the read-only 'parameters'.
            Assert.True(dto.Properties.Extra is null || dto.Properties.Extra.Keys.SequenceEqual(["parameters"]), string.Join(", ", dto.Properties.Extra?.Keys.ToList() ?? []));
        }
    }

    [Theory]
    [InlineData("hello-world-org.yml")]
    [InlineData("hello-world-input.yml")]
    [InlineData("hello-world-output-data.yml")]
    [InlineData("hello-iris-datastore-file.yml")]
    [InlineData("hello-dataset.yml")]
    [InlineData("hello-model-as-output.yml")]
    [InlineData("hello-interactive.yml")]
    [InlineData("pytorch-cifar-distributed.yml")]
    [InlineData("tensorflow-mnist-distributed.yml")]
    [InlineData("gpu-perf.yml")]
    [InlineData("on-behalf-of.yaml")]
    [InlineData("word-language-model.yml")]
    public void Bodies_built_from_the_example_jobs_validate_against_the_spec(string file)
    {
        var job = CommandJob.Load(Fixture(Path.Combine("jobs", file)));
        var json = Serialize(ArmJobMapping.ToArm(job, References));
        Assert.Empty(SpecProblems(json));
        Assert.Equal("Command", json.GetProperty("properties").GetProperty("jobType").GetString());
    }

    [Fact]
    public void A_full_definition_maps_to_the_arm_shapes()
    {
        var job = FullJob();
        var p = Serialize(ArmJobMapping.ToArm(job, References)).GetProperty("properties");
        Assert.Empty(SpecProblems(Serialize(ArmJobMapping.ToArm(job, References))));
        Assert.Equal(References.CodeId, p.GetProperty("codeId").GetString());
        Assert.Equal(References.EnvironmentId, p.GetProperty("environmentId").GetString());
        Assert.Equal(References.ComputeId, p.GetProperty("computeId").GetString());
        Assert.Equal("PT1H30M", p.GetProperty("limits").GetProperty("timeout").GetString());
        Assert.Equal("Command", p.GetProperty("limits").GetProperty("jobLimitsType").GetString());
        Assert.Equal("""{"jobInputType":"literal","value":"0.01"}""", p.GetProperty("inputs").GetProperty("lr").GetRawText());
        Assert.Equal("""{"jobInputType":"literal","value":"True"}""", p.GetProperty("inputs").GetProperty("flag").GetRawText());
        Assert.Equal("""{"jobInputType":"uri_file","uri":"https://example.com/iris.csv","mode":"Download"}""", p.GetProperty("inputs").GetProperty("data").GetRawText());
        Assert.Equal("""{"jobOutputType":"mlflow_model","mode":"Upload","assetName":"iris-model"}""", p.GetProperty("outputs").GetProperty("model").GetRawText());
        Assert.Equal("""{"instanceCount":2,"instanceType":"Standard_NC6","properties":{"gpus":2,"nested":{"a":[1,"x",true]}},"shmSize":"8g"}""", p.GetProperty("resources").GetRawText());
        Assert.Equal("""{"distributionType":"PyTorch","processCountPerInstance":4}""", p.GetProperty("distribution").GetRawText());
        Assert.Equal("""{"identityType":"Managed","clientId":"11111111-2222-3333-4444-555555555555"}""", p.GetProperty("identity").GetRawText());
        Assert.Equal("""{"jobServiceType":"TensorBoard","properties":{"logDir":"outputs/tb"},"nodes":{"nodesValueType":"All"}}""", p.GetProperty("services").GetProperty("tb").GetRawText());
        Assert.Equal("Spot", p.GetProperty("queueSettings").GetProperty("jobTier").GetString());
        Assert.False(p.TryGetProperty("status", out _));
    }

    [Fact]
    public void The_spec_check_catches_a_broken_body()
    {
        var body = ArmJobMapping.ToArm(FullJob(), References);
        body.Properties!.EnvironmentId = null;
        body.Properties.Inputs!["data"]!.Mode = "Mounted";
        var problems = SpecProblems(Serialize(body));
        Assert.Contains(problems, p => p.Contains("environmentId", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Mounted", StringComparison.Ordinal));
    }

    [Fact]
    public void Definition_to_body_to_definition_keeps_every_field()
    {
        var job = FullJob();
        var json = Serialize(ArmJobMapping.ToArm(job, References));
        var back = ArmJobMapping.FromArm(JsonSerializer.Deserialize(json.GetRawText(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!);

        Assert.Equal(job.Name, back.Name);
        Assert.Equal((job.DisplayName, job.ExperimentName, job.Description, job.Command), (back.DisplayName, back.ExperimentName, back.Description, back.Command));
        Assert.Equal(job.Tags, back.Tags);
        Assert.Equal(job.Properties, back.Properties);
        Assert.Equal(job.EnvironmentVariables, back.EnvironmentVariables);
        Assert.Equal("cpu-cluster", back.Compute);
        Assert.Equal("azureml:sklearn:3", back.Environment!.Reference);
        Assert.Equal("azureml:5b0f0a2c-code:1", back.Code);
        // Literals come back as text (the wire has no literal types); their text is what the command gets.
        Assert.Equal(job.Inputs.Keys, back.Inputs.Keys);
        foreach (var (name, input) in job.Inputs)
        {
            Assert.Equal(input.IsLiteral ? input.LiteralText : input.Path, back.Inputs[name].IsLiteral ? back.Inputs[name].LiteralText : back.Inputs[name].Path);
            Assert.Equal(input.IsLiteral ? InputType.String : input.Type, back.Inputs[name].Type);
            Assert.Equal(input.Mode, back.Inputs[name].Mode);
        }
        Assert.Equal(job.Outputs, back.Outputs);
        Assert.Equal(job.Limits, back.Limits);
        Assert.Equal(job.Distribution, back.Distribution);
        Assert.Equal(job.Identity, back.Identity);
        Assert.Equal(job.QueueSettings, back.QueueSettings);
        Assert.Equal((job.Resources!.InstanceCount, job.Resources.InstanceType, job.Resources.ShmSize), (back.Resources!.InstanceCount, back.Resources.InstanceType, back.Resources.ShmSize));
        Assert.Equal(2L, back.Resources.Properties["gpus"]);
        Assert.Equal(job.Services["tb"] with { Properties = back.Services["tb"].Properties }, back.Services["tb"]);

        // And once more: the body of the read-back definition is the same body.
        var again = Serialize(ArmJobMapping.ToArm(back, References));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json.GetRawText()), JsonNode.Parse(again.GetRawText())), again.GetRawText());
    }

    [Fact]
    public void A_local_input_that_was_not_uploaded_is_an_error_naming_it()
    {
        var job = CommandJob.Load(Fixture(Path.Combine("jobs", "hello-model-as-output.yml")));
        var e = Assert.Throws<JobDefinitionException>(() => ArmJobMapping.ToArm(job, References with { InputUris = new Dictionary<string, string>() }));
        Assert.Equal("inputs.input_model.path", e.Key);
        Assert.Contains("upload it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_version_is_refused_for_azure_ml_which_numbers_versions_itself()
    {
        var job = new CommandJob { Command = "run ${{outputs.m}}", Outputs = { ["m"] = Output.CustomModel().RegisterAs("m", "7") } };
        var e = Assert.Throws<AzureMlNotSupportedException>(() => ArmJobMapping.ToArm(job, References));
        Assert.Contains("version '7'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_of_another_job_type_is_refused_and_a_sparse_body_reads()
    {
        var sweep = new ArmResource<CommandJobProperties> { Name = "s", Properties = new CommandJobProperties { JobType = "Sweep" } };
        Assert.Contains("Sweep job", Assert.Throws<InvalidInputException>(() => ArmJobMapping.FromArm(sweep)).Message, StringComparison.Ordinal);
        var sparse = JsonSerializer.Deserialize("""{"name":"j","properties":{"jobType":"Command","command":"echo","environmentId":"azureml://registries/azureml/environments/sklearn-1.5/versions/7","inputs":{"x":{"jobInputType":"uri_folder","uri":"azureml:d:1","mode":"Download"}}}}""", ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        var job = ArmJobMapping.FromArm(sparse);
        Assert.Equal("azureml://registries/azureml/environments/sklearn-1.5/versions/7", job.Environment!.Reference);
        Assert.Equal(Input.UriFolder("azureml:d:1", InputMode.Download), job.Inputs["x"]);
        Assert.Null(job.Compute);
        Assert.Null(job.Limits);
        Assert.Empty(job.Tags);
    }

    [Fact]
    public void Ids_become_az_ml_references()
    {
        Assert.Equal("azureml:env:2", ArmJobMapping.AssetFromId($"{Ws}/environments/env/versions/2"));
        Assert.Equal("azureml://registries/azureml/environments/sklearn-1.5/labels/latest", ArmJobMapping.AssetFromId("azureml://registries/azureml/environments/sklearn-1.5/labels/latest"));
        Assert.Equal("gpu", ArmJobMapping.ComputeFromId($"{Ws}/computes/gpu"));
    }

    private static CommandJob FullJob() => new()
    {
        Name = "job-1",
        DisplayName = "train",
        ExperimentName = "iris",
        Description = "a job",
        Tags = { ["team"] = "ml" },
        Properties = { ["p"] = "1" },
        Compute = "azureml:cpu-cluster",
        Command = "python train.py --lr ${{inputs.lr}} --flag ${{inputs.flag}} --data ${{inputs.data}} --out ${{outputs.model}}",
        Environment = "azureml:sklearn:3",
        EnvironmentVariables = { ["A"] = "1" },
        Inputs = { ["lr"] = 0.01, ["flag"] = true, ["data"] = Input.UriFile("https://example.com/iris.csv", InputMode.Download) },
        Outputs = { ["model"] = Output.MLFlowModel(mode: OutputMode.Upload).RegisterAs("iris-model") },
        Limits = new CommandJobLimits { Timeout = TimeSpan.FromMinutes(90) },
        Resources = new JobResources
        {
            InstanceCount = 2,
            InstanceType = "Standard_NC6",
            ShmSize = "8g",
            Properties = new Dictionary<string, object?> { ["gpus"] = 2L, ["nested"] = new Dictionary<string, object?> { ["a"] = new List<object?> { 1L, "x", true } } },
        },
        Distribution = new PyTorchDistribution { ProcessCountPerInstance = 4 },
        Identity = new ManagedIdentityConfiguration { ClientId = "11111111-2222-3333-4444-555555555555" },
        Services = { ["tb"] = new JobService { Type = "tensor_board", LogDir = "outputs/tb", Nodes = "all" } },
        QueueSettings = new QueueSettings { JobTier = "spot" },
    };
}
