using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Tests.Backends.Remote;
using static AzureMlSdk.Tests.Jobs.JobYamlTests;

namespace AzureMlSdk.Tests.Jobs.Sweep;

/// <summary>The ARM 2026-07-01 <c>SweepJob</c> body: the spec's example read and written back, bodies built from definitions validated against the spec, read back.</summary>
public sealed class ArmSweepJobBodyTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static readonly ArmJobReferences References = new()
    {
        EnvironmentId = $"{Ws}/environments/sklearn/versions/3",
        CodeId = $"{Ws}/codes/5b0f0a2c-code/versions/1",
        ComputeId = $"{Ws}/computes/cpu-cluster",
    };

    private static JsonElement Serialize(ArmResource<SweepJobProperties> body) => JsonSerializer.SerializeToElement(body, ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties);

    private static List<string> SpecProblems(JsonElement body) => Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);

    private static SweepJob FullSweep() => new()
    {
        Name = "sweep-1",
        DisplayName = "tune",
        ExperimentName = "iris",
        Description = "a sweep",
        Tags = { ["team"] = "ml" },
        Properties = { ["p"] = "v" },
        Compute = "azureml:cpu-cluster",
        Identity = new UserIdentityConfiguration(),
        Trial = new CommandJob
        {
            Command = "python train.py --lr ${{search_space.lr}} --k ${{search_space.k}} --data ${{inputs.data}} --out ${{outputs.model}}",
            Environment = "azureml:sklearn:3",
            Code = "azureml:5b0f0a2c-code:1",
            EnvironmentVariables = { ["A"] = "1" },
            Resources = new JobResources { InstanceCount = 2 },
            Distribution = new PyTorchDistribution { ProcessCountPerInstance = 2 },
            Inputs = { ["data"] = Input.UriFile("https://example.com/iris.csv") },
        },
        Inputs = { ["epochs"] = 10 },
        Outputs = { ["model"] = Output.UriFolder() },
        SearchSpace =
        {
            ["lr"] = new LogUniform(-7, -1), ["k"] = new Choice("rbf", "linear", 3L, 0.5, true), ["n"] = new RandInt(10),
            ["u"] = new Uniform(0.1, 0.9), ["qu"] = new QUniform(1, 9, 2), ["qlu"] = new QLogUniform(0, 4, 1),
            ["no"] = new Normal(10, 3), ["qn"] = new QNormal(10, 3, 1), ["ln"] = new LogNormal(0, 1), ["qln"] = new QLogNormal(0, 1, 0.5),
        },
        SamplingAlgorithm = new RandomSamplingAlgorithm { Seed = 7, Rule = RandomSamplingRule.Sobol },
        Objective = new Objective("accuracy", Goal.Maximize),
        Limits = new SweepLimits { MaxTotalTrials = 20, MaxConcurrentTrials = 4, Timeout = TimeSpan.FromHours(2), TrialTimeout = TimeSpan.FromMinutes(10) },
        EarlyTermination = new BanditPolicy { SlackFactor = 0.1, EvaluationInterval = 2, DelayEvaluation = 5 },
        QueueSettings = new QueueSettings { JobTier = "spot" },
    };

    [Fact]
    public void The_spec_example_request_and_response_are_read_and_written_back_unchanged()
    {
        var file = new[] { "2026-07-01", "2025-09-01-examples" }.Select(f => Path.Combine(SpecRoot, f, "examples", "Job", "SweepJob", "createOrUpdate.json")).First(File.Exists);
        var example = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
        var bodies = new List<JsonElement> { example.GetProperty("parameters").GetProperty("body") };
        bodies.AddRange(example.GetProperty("responses").EnumerateObject().Select(r => r.Value.GetProperty("body")));
        foreach (var body in bodies)
        {
            var dto = JsonSerializer.Deserialize(body.GetRawText(), ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties)!;
            var written = Serialize(dto).GetProperty("properties");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("properties").GetRawText()), JsonNode.Parse(written.GetRawText())), $"{file}: not the same JSON after a round trip: {written.GetRawText()}");
            Assert.Equal("Sweep", dto.Properties!.JobType);
            Assert.Equal("Grid", dto.Properties.SamplingAlgorithm!.SamplingAlgorithmType);
            Assert.Equal("MedianStopping", dto.Properties.EarlyTermination!.PolicyType);
            Assert.Equal("PT1S", dto.Properties.Limits!.TrialTimeout);
            Assert.Equal("Mpi", dto.Properties.Trial!.Distribution!.DistributionType);
            Assert.True(dto.Properties.Extra is null || dto.Properties.Extra.Count == 0, string.Join(", ", dto.Properties.Extra?.Keys.ToList() ?? []));
        }
    }

    [Fact]
    public void A_full_sweep_maps_to_the_arm_shapes_and_validates()
    {
        var json = Serialize(ArmSweepJobMapping.ToArm(FullSweep(), References));
        Assert.Empty(SpecProblems(json));
        var p = json.GetProperty("properties");
        Assert.Equal("Sweep", p.GetProperty("jobType").GetString());
        Assert.Equal(References.ComputeId, p.GetProperty("computeId").GetString());
        Assert.Equal("""{"samplingAlgorithmType":"Random","rule":"Sobol","seed":7}""", p.GetProperty("samplingAlgorithm").GetRawText());
        Assert.Equal("""{"jobLimitsType":"Sweep","timeout":"PT2H","maxTotalTrials":20,"maxConcurrentTrials":4,"trialTimeout":"PT10M"}""", p.GetProperty("limits").GetRawText());
        Assert.Equal("""{"policyType":"Bandit","evaluationInterval":2,"delayEvaluation":5,"slackFactor":0.1}""", p.GetProperty("earlyTermination").GetRawText());
        Assert.Equal("""{"primaryMetric":"accuracy","goal":"Maximize"}""", p.GetProperty("objective").GetRawText());
        // azure-ai-ml's list encoding of the search space.
        var space = p.GetProperty("searchSpace");
        Assert.Equal("""["loguniform",[-7,-1]]""", space.GetProperty("lr").GetRawText());
        Assert.Equal("""["choice",[["rbf","linear",3,0.5,true]]]""", space.GetProperty("k").GetRawText());
        Assert.Equal("""["randint",[10]]""", space.GetProperty("n").GetRawText());
        Assert.Equal("""["uniform",[0.1,0.9]]""", space.GetProperty("u").GetRawText());
        Assert.Equal("""["quniform",[1,9,2]]""", space.GetProperty("qu").GetRawText());
        Assert.Equal("""["qloguniform",[0,4,1]]""", space.GetProperty("qlu").GetRawText());
        Assert.Equal("""["normal",[10,3]]""", space.GetProperty("no").GetRawText());
        Assert.Equal("""["qnormal",[10,3,1]]""", space.GetProperty("qn").GetRawText());
        Assert.Equal("""["lognormal",[0,1]]""", space.GetProperty("ln").GetRawText());
        Assert.Equal("""["qlognormal",[0,1,0.5]]""", space.GetProperty("qln").GetRawText());
        // The trial carries the command; inputs and outputs (the trial's and the sweep's) are the sweep's.
        var trial = p.GetProperty("trial");
        Assert.Equal(References.EnvironmentId, trial.GetProperty("environmentId").GetString());
        Assert.Equal(References.CodeId, trial.GetProperty("codeId").GetString());
        Assert.Contains("${{search_space.lr}}", trial.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.False(trial.TryGetProperty("inputs", out _));
        Assert.Equal("""{"jobInputType":"uri_file","uri":"https://example.com/iris.csv"}""", p.GetProperty("inputs").GetProperty("data").GetRawText());
        Assert.Equal("""{"jobInputType":"literal","value":"10"}""", p.GetProperty("inputs").GetProperty("epochs").GetRawText());
        Assert.Equal("""{"jobOutputType":"uri_folder"}""", p.GetProperty("outputs").GetProperty("model").GetRawText());
        Assert.Equal("Spot", p.GetProperty("queueSettings").GetProperty("jobTier").GetString());
    }

    [Theory]
    [InlineData(typeof(MedianStoppingPolicy))]
    [InlineData(typeof(TruncationSelectionPolicy))]
    [InlineData(null)]
    public void Every_policy_and_sampling_algorithm_validates(Type? policyType)
    {
        EarlyTerminationPolicy? policy = policyType == typeof(MedianStoppingPolicy) ? new MedianStoppingPolicy { DelayEvaluation = 5 }
            : policyType == typeof(TruncationSelectionPolicy) ? new TruncationSelectionPolicy { TruncationPercentage = 20 } : null;
        foreach (var sampling in new SamplingAlgorithm[] { SamplingAlgorithm.Grid, SamplingAlgorithm.Random, SamplingAlgorithm.Bayesian })
        {
            var full = FullSweep();
            var job = new SweepJob
            {
                Trial = full.Trial,
                Objective = full.Objective,
                SamplingAlgorithm = sampling,
                EarlyTermination = policy,
                SearchSpace = { ["lr"] = new Choice(0.1, 0.01), ["k"] = new Choice("rbf") },
            };
            var json = Serialize(ArmSweepJobMapping.ToArm(job, References));
            Assert.Empty(SpecProblems(json));
            Assert.Equal(sampling.Type.ToString(), json.GetProperty("properties").GetProperty("samplingAlgorithm").GetProperty("samplingAlgorithmType").GetString());
        }
    }

    [Fact]
    public void Hello_sweep_validates_against_the_spec()
    {
        var job = SweepJob.Load(Fixture(Path.Combine("jobs", "hello-sweep.yml")));
        var json = Serialize(ArmSweepJobMapping.ToArm(job, References));
        Assert.Empty(SpecProblems(json));
        Assert.Equal("""{"B":["choice",[["hello","world","hello_world"]]],"C":["uniform",[0.1,1]]}""", json.GetProperty("properties").GetProperty("searchSpace").GetRawText());
        Assert.Equal("""{"jobInputType":"literal","value":"0.5"}""", json.GetProperty("properties").GetProperty("inputs").GetProperty("A").GetRawText());
    }

    [Fact]
    public void The_spec_check_catches_a_broken_sweep_body()
    {
        var body = ArmSweepJobMapping.ToArm(FullSweep(), References);
        body.Properties!.Objective = null;
        body.Properties.SamplingAlgorithm!.SamplingAlgorithmType = "Hyperband";
        var problems = SpecProblems(Serialize(body));
        Assert.Contains(problems, p => p.Contains("objective", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Hyperband", StringComparison.Ordinal));
    }

    [Fact]
    public void The_body_sent_through_the_jobs_client_is_the_sweep_body_unchanged_and_reads_back()
    {
        // The Remote backend PUTs a sweep through the one jobs/{id} client (CommandJobProperties + extension data) and reads it back so.
        var body = ArmSweepJobMapping.ToArm(FullSweep(), References);
        var wire = ArmSweepJobMapping.ToWire(body);
        Assert.True(ArmSweepJobMapping.IsSweep(wire));
        var sent = JsonSerializer.SerializeToElement(wire, ArmJobJsonContext.Default.ArmResourceCommandJobProperties);
        Assert.Empty(SpecProblems(sent));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Serialize(body).GetRawText()), JsonNode.Parse(sent.GetRawText())), sent.GetRawText());
        Assert.Equal(4, sent.GetProperty("properties").GetProperty("limits").GetProperty("maxConcurrentTrials").GetInt32());
        var back = ArmSweepJobMapping.FromArm(ArmSweepJobMapping.FromWire(wire));
        Assert.Equal(FullSweep().Limits, back.Limits);
        Assert.Equal(FullSweep().SearchSpace, back.SearchSpace);
        Assert.False(ArmSweepJobMapping.IsSweep(JsonSerializer.Deserialize("""{"properties":{"jobType":"Command"}}""", ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!));
    }

    [Fact]
    public void Definition_to_body_to_definition_keeps_every_field()
    {
        var job = FullSweep();
        var json = Serialize(ArmSweepJobMapping.ToArm(job, References));
        var back = ArmSweepJobMapping.FromArm(JsonSerializer.Deserialize(json.GetRawText(), ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties)!);
        Assert.Equal((job.Name, job.DisplayName, job.ExperimentName, job.Description), (back.Name, back.DisplayName, back.ExperimentName, back.Description));
        Assert.Equal(job.Tags, back.Tags);
        Assert.Equal("cpu-cluster", back.Compute);
        Assert.Equal(job.Identity, back.Identity);
        Assert.Equal(job.SearchSpace, back.SearchSpace);
        Assert.Equal(job.SamplingAlgorithm, back.SamplingAlgorithm);
        Assert.Equal(job.Objective, back.Objective);
        Assert.Equal(job.Limits, back.Limits);
        Assert.Equal(job.EarlyTermination, back.EarlyTermination);
        Assert.Equal(job.QueueSettings, back.QueueSettings);
        Assert.Equal(job.Trial!.Command, back.Trial!.Command);
        Assert.Equal("azureml:sklearn:3", back.Trial.Environment!.Reference);
        Assert.Equal("azureml:5b0f0a2c-code:1", back.Trial.Code);
        Assert.Equal(job.Trial.Distribution, back.Trial.Distribution);
        Assert.Equal(job.Trial.EnvironmentVariables, back.Trial.EnvironmentVariables);
        Assert.Equal(["data", "epochs"], back.Inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(job.Outputs, back.Outputs);
        var again = Serialize(ArmSweepJobMapping.ToArm(back, References));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json.GetRawText()), JsonNode.Parse(again.GetRawText())), again.GetRawText());
    }

    [Fact]
    public void An_unknown_search_space_encoding_is_a_clear_error()
    {
        using var doc = JsonDocument.Parse("""["hyperband",[1]]""");
        var e = Assert.Throws<InvalidInputException>(() => ArmSweepJobMapping.DistributionFromJson("lr", doc.RootElement));
        Assert.Contains("unknown type 'hyperband'", e.Message, StringComparison.Ordinal);
    }
}
