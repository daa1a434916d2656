using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Emulator.Jobs;
using AzureMlSdk.Jobs;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.IntegrationTests.Jobs;

/// <summary>
/// The Emulator's conversions of command jobs (<see cref="CommandJobResources"/>): an ARM PUT body becomes a local definition whose references
/// are the local workspace's, a stored job is answered as a spec-valid <c>JobBase</c>, and the immutable-field hash recognises a replayed PUT
/// (and the same job read back and PUT again) while telling a changed definition apart.
/// </summary>
public sealed class CommandJobResourcesTests
{
    private const string Ws = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));

    private static JsonObject Body(string command = "python train.py --lr ${{inputs.lr}} --data ${{inputs.data}}", string tag = "a") => JsonNode.Parse($$$"""
        {
          "properties": {
            "jobType": "Command",
            "experimentName": "exp",
            "displayName": "train",
            "tags": {"team": "{{{tag}}}"},
            "command": "{{{command}}}",
            "codeId": "{{{Ws}}}/codes/abc123/versions/1",
            "environmentId": "{{{Ws}}}/environments/sklearn/versions/3",
            "computeId": "{{{Ws}}}/computes/cpu-cluster",
            "inputs": {
              "lr": {"jobInputType": "literal", "value": "0.01"},
              "data": {"jobInputType": "uri_folder", "uri": "azureml:{{{Ws}}}/data/iris/versions/2", "mode": "ReadOnlyMount"}
            },
            "outputs": {"model": {"jobOutputType": "uri_folder", "mode": "ReadWriteMount"}},
            "environmentVariables": {"A": "1"},
            "limits": {"jobLimitsType": "Command", "timeout": "PT10M"}
          }
        }
        """)!.AsObject();

    [Fact]
    public void A_put_body_becomes_a_local_definition_with_local_references()
    {
        var (job, _) = CommandJobResources.Read(Body(), "job-1");
        Assert.Equal("job-1", job.Name);
        Assert.Equal("azureml:abc123:1", job.Code);
        Assert.Equal("azureml:sklearn:3", job.Environment!.Reference);
        Assert.Equal("cpu-cluster", job.ComputeName);
        Assert.Equal("azureml:iris:2", job.Inputs["data"].Path);
        Assert.Equal("0.01", job.Inputs["lr"].LiteralText);
        Assert.Equal(TimeSpan.FromMinutes(10), job.Limits!.Timeout);
        Assert.True(job.Properties.ContainsKey(CommandJobResources.DefinitionHashProperty));
    }

    [Fact]
    public void Other_job_kinds_are_a_400_naming_the_type()
    {
        var body = Body();
        body["properties"]!["jobType"] = "Pipeline";
        var ex = Assert.Throws<ArmException>(() => CommandJobResources.Read(body, "p"));
        Assert.Equal(400, ex.Status);
        Assert.Contains("Pipeline", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stored_job_is_answered_as_a_spec_valid_job_base_with_this_workspace_ids_and_without_the_emulator_property()
    {
        var (job, _) = CommandJobResources.Read(Body(), "job-1");
        var data = Data(job, JobStatus.Running);
        var arm = CommandJobResources.ToArm(Ws, data, new Uri("http://127.0.0.1:5000/studio/job-1"));
        var problems = Spec.Validate(JsonDocument.Parse(arm.ToJsonString()).RootElement, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var p = arm["properties"]!;
        Assert.Equal($"{Ws}/jobs/job-1", arm["id"]!.GetValue<string>());
        Assert.Equal("Running", p["status"]!.GetValue<string>());
        Assert.Equal($"{Ws}/codes/abc123/versions/1", p["codeId"]!.GetValue<string>());
        Assert.Equal($"{Ws}/environments/sklearn/versions/3", p["environmentId"]!.GetValue<string>());
        Assert.Equal($"{Ws}/computes/cpu-cluster", p["computeId"]!.GetValue<string>());
        Assert.Equal($"azureml:{Ws}/data/iris/versions/2", p["inputs"]!["data"]!["uri"]!.GetValue<string>());
        Assert.Null(p["properties"]![CommandJobResources.DefinitionHashProperty]);
        Assert.Equal("http://127.0.0.1:5000/studio/job-1", p["services"]!["Studio"]!["endpoint"]!.GetValue<string>());
    }

    [Fact]
    public void A_job_without_environment_is_answered_with_the_host_environment_and_read_back_without_one()
    {
        var local = new CommandJob { Name = "j", Command = "echo hi" };
        var arm = CommandJobResources.ToArm(Ws, Data(local, JobStatus.Completed));
        Assert.Equal(CommandJobResources.HostEnvironment, arm["properties"]!["environmentId"]!.GetValue<string>());
        Assert.Null(CommandJobResources.Read(arm, "j").Job.Environment);
    }

    [Fact]
    public void The_immutable_hash_matches_a_replay_and_a_read_back_job_and_ignores_mutable_fields_only()
    {
        var (job, first) = CommandJobResources.Read(Body(), "job-1");
        var hash = CommandJobResources.ImmutableHash(first);
        Assert.Equal(hash, CommandJobResources.ImmutableHash(CommandJobResources.Read(Body(), "job-1").Body));
        Assert.Equal(hash, CommandJobResources.ImmutableHash(CommandJobResources.Read(Body(tag: "b"), "job-1").Body));
        // What a client PUTs after reading the job (an archive): the answered body, ids and all.
        var readBack = CommandJobResources.ToArm(Ws, Data(job, JobStatus.Running));
        readBack["properties"]!["isArchived"] = true;
        Assert.Equal(hash, CommandJobResources.ImmutableHash(CommandJobResources.Read(readBack, "job-1").Body));
        Assert.NotEqual(hash, CommandJobResources.ImmutableHash(CommandJobResources.Read(Body(command: "python other.py"), "job-1").Body));
    }

    private static JsonObject SweepBody() => JsonNode.Parse($$$"""
        {
          "properties": {
            "jobType": "Sweep",
            "experimentName": "exp",
            "computeId": "{{{Ws}}}/computes/cpu-cluster",
            "inputs": {"data": {"jobInputType": "uri_folder", "uri": "azureml:{{{Ws}}}/data/iris/versions/2", "mode": "ReadOnlyMount"}},
            "objective": {"primaryMetric": "accuracy", "goal": "Maximize"},
            "samplingAlgorithm": {"samplingAlgorithmType": "Random", "seed": 3},
            "searchSpace": {"lr": ["uniform", [0.01, 0.1]], "k": ["choice", [["rbf", "linear"]]]},
            "limits": {"jobLimitsType": "Sweep", "maxTotalTrials": 6, "maxConcurrentTrials": 2, "trialTimeout": "PT5M"},
            "earlyTermination": {"policyType": "Bandit", "evaluationInterval": 1, "delayEvaluation": 2, "slackFactor": 0.1},
            "trial": {
              "command": "python train.py --lr ${{search_space.lr}} --k ${{search_space.k}} --data ${{inputs.data}}",
              "codeId": "{{{Ws}}}/codes/abc123/versions/1",
              "environmentId": "{{{Ws}}}/environments/sklearn/versions/3"
            }
          }
        }
        """)!.AsObject();

    [Fact]
    public void A_sweep_put_body_becomes_a_local_sweep_and_is_answered_as_a_spec_valid_sweep_job()
    {
        var (definition, body) = CommandJobResources.ReadAny(SweepBody(), "sweep-1");
        var sweep = Assert.IsType<SweepJob>(definition);
        Assert.Equal("azureml:abc123:1", sweep.Trial!.Code);
        Assert.Equal("azureml:sklearn:3", sweep.Trial.Environment!.Reference);
        Assert.Equal("azureml:iris:2", sweep.Inputs["data"].Path);
        Assert.Equal(new Uniform(0.01, 0.1), sweep.SearchSpace["lr"]);
        Assert.Equal(6, sweep.Limits!.MaxTotalTrials);
        Assert.Equal(CommandJobResources.ImmutableHash(body), sweep.Properties[CommandJobResources.DefinitionHashProperty]);

        var data = new JobData
        {
            Name = "sweep-1",
            Type = JobType.Sweep,
            Status = JobStatus.Running,
            Definition = sweep,
            ExperimentName = "exp",
            RunId = "sweep-1",
            Compute = "cpu-cluster",
            Tags = new Dictionary<string, string>(),
            CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Properties = new Dictionary<string, string>(sweep.Properties) { ["best_child_run_id"] = "sweep-1_3", ["score"] = "0.9" },
        };
        var arm = CommandJobResources.ToArm(Ws, data, new Uri("http://127.0.0.1:5000/studio/sweep-1"));
        var problems = Spec.Validate(JsonDocument.Parse(arm.ToJsonString()).RootElement, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var p = arm["properties"]!;
        Assert.Equal("Sweep", p["jobType"]!.GetValue<string>());
        Assert.Equal("Running", p["status"]!.GetValue<string>());
        Assert.Equal($"{Ws}/codes/abc123/versions/1", p["trial"]!["codeId"]!.GetValue<string>());
        Assert.Equal("""["choice",[["rbf","linear"]]]""", p["searchSpace"]!["k"]!.ToJsonString());
        Assert.Equal("sweep-1_3", p["properties"]!["best_child_run_id"]!.GetValue<string>());
        Assert.Null(p["properties"]![CommandJobResources.DefinitionHashProperty]);
    }

    private static JobData Data(CommandJob job, JobStatus status) => new()
    {
        Name = job.Name!,
        Type = JobType.Command,
        Status = status,
        Definition = job,
        DisplayName = job.DisplayName,
        ExperimentName = job.ExperimentName ?? "Default",
        RunId = job.Name!,
        Compute = job.ComputeName,
        Description = job.Description,
        Tags = job.Tags.ToDictionary(StringComparer.Ordinal),
        Properties = job.Properties.ToDictionary(StringComparer.Ordinal),
        CreatedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };
}
