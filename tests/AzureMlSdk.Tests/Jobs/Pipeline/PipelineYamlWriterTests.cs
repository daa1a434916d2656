namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary><see cref="PipelineJob.ToYaml"/>: the YAML az ml reads, and that <see cref="Job.LoadFromText"/> reads back into an equal pipeline.</summary>
public sealed class PipelineYamlWriterTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-pipeline-writer-");

    public void Dispose() => _dir.Delete(true);

    private PipelineJob RoundTrip(PipelineJob job, out string yaml)
    {
        yaml = job.ToYaml();
        return Assert.IsType<PipelineJob>(Job.LoadFromText(yaml, _dir.FullName));
    }

    private static PipelineJob Designed() => new()
    {
        DisplayName = "prep then train",
        ExperimentName = "designer-exp",
        Description = "two steps: <script>alert('x')</script>\nsecond line",
        Tags = { ["owner"] = "me: you", ["empty"] = "" },
        Properties = { ["n"] = "10" },
        Inputs =
        {
            ["raw"] = Input.UriFolder("azureml:raw-data:3", InputMode.Download),
            ["lr"] = 0.5,
            ["whole"] = 2.0,
            ["tiny"] = 1e-7,
            ["epochs"] = 10L,
            ["verbose"] = true,
            ["ten_as_text"] = "10",
            ["yes_as_text"] = "yes",
            ["blank"] = "",
            ["hash"] = "a #b",
        },
        Outputs = { ["model"] = Output.CustomModel() },
        Jobs =
        {
            ["prep"] = new PipelineComponentJob
            {
                Component = "azureml:prep:1",
                DisplayName = "Prepare",
                Inputs = { ["raw"] = "${{parent.inputs.raw}}", ["fraction"] = 0.25 },
                Outputs = { ["clean"] = Output.UriFolder(mode: OutputMode.Upload) },
                EnvironmentVariables = { ["SEED"] = "42" },
            },
            ["train"] = new PipelineComponentJob
            {
                Component = "azureml:train@latest",
                Compute = "azureml:gpu",
                Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}", ["lr"] = "${{parent.inputs.lr}}", ["epochs"] = 3L, ["shuffle"] = false },
                Outputs = { ["model"] = Output.Create(OutputType.CustomModel, "${{parent.outputs.model}}") },
            },
        },
        Settings = { DefaultCompute = "local", DefaultDatastore = "workspaceblobstore", ContinueOnStepFailure = true, ForceRerun = true },
    };

    [Fact]
    public void A_pipeline_of_registered_components_round_trips_through_yaml_with_bindings_literals_and_settings()
    {
        var job = Designed();
        var back = RoundTrip(job, out var yaml);
        PipelineAssert.Equal(job, back);
        // Literal types survive: "10" stays text, 2.0 stays a number, 10 an integer.
        Assert.Equal("10", back.Inputs["ten_as_text"].Value);
        Assert.IsType<double>(back.Inputs["whole"].Value);
        Assert.IsType<long>(back.Inputs["epochs"].Value);
        Assert.Equal("yes", back.Inputs["yes_as_text"].Value);
        Assert.Equal(new[] { "prep" }, back.GetStepDependencies()["train"]);
        Assert.StartsWith("$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json\ntype: pipeline\n", yaml, StringComparison.Ordinal);
        Assert.Contains("component: azureml:prep:1", yaml, StringComparison.Ordinal);
        Assert.Contains("data: ${{parent.jobs.prep.outputs.clean}}", yaml, StringComparison.Ordinal);
        Assert.Contains("default_compute: local", yaml, StringComparison.Ordinal);
        Assert.Contains("default_datastore: azureml:workspaceblobstore", yaml, StringComparison.Ordinal);
        Assert.Contains("continue_on_step_failure: true", yaml, StringComparison.Ordinal);
        Assert.Contains("ten_as_text: \"10\"", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("...", yaml, StringComparison.Ordinal);
        // The written YAML is a fixed point.
        Assert.Equal(yaml, back.ToYaml());
    }

    [Fact]
    public async Task SaveAsync_writes_a_file_that_PipelineJob_Load_reads_back()
    {
        var path = Path.Combine(_dir.FullName, "pipeline.yml");
        var job = Designed();
        await job.SaveAsync(path);
        var back = PipelineJob.Load(path);
        PipelineAssert.Equal(job, back);
        Assert.Equal(path, back.SourcePath);
    }

    [Fact]
    public void An_inline_command_step_round_trips_with_code_environment_local_data_and_limits()
    {
        var code = _dir.CreateSubdirectory("src").FullName;
        var data = _dir.CreateSubdirectory("data").FullName;
        var job = new PipelineJob
        {
            Inputs = { ["data"] = Input.UriFolder(data) },
            Outputs = { ["out"] = Output.UriFolder() },
            Jobs =
            {
                ["hello"] = new CommandJob
                {
                    Command = "echo ${{inputs.data}} > ${{outputs.result}}/x.txt && echo 'a: b' # not a comment",
                    Code = code,
                    Environment = "azureml:dotnet-10@latest",
                    EnvironmentVariables = { ["A"] = "1" },
                    Inputs = { ["data"] = "${{parent.inputs.data}}" },
                    Outputs = { ["result"] = Output.Create(OutputType.UriFolder, "${{parent.outputs.out}}") },
                    Limits = new CommandJobLimits { Timeout = TimeSpan.FromSeconds(90) },
                },
            },
        };
        PipelineAssert.Equal(job, RoundTrip(job, out _));
    }

    [Fact]
    public void What_the_writer_cannot_say_is_a_clear_error_naming_the_step_not_dropped()
    {
        var component = new CommandComponent { Name = "echo", Command = "echo ${{inputs.x}}", Inputs = { ["x"] = new ComponentInput { Type = InputType.String } } };
        var fromObject = new PipelineJob { Jobs = { ["step"] = component.ToJob(inputs: new() { ["x"] = "hi" }) } };
        var e = Assert.Throws<AzureMlNotSupportedException>(fromObject.ToYaml);
        Assert.Contains("'jobs.step'", e.Message, StringComparison.Ordinal);
        Assert.Contains("register the component", e.Message, StringComparison.Ordinal);

        var withIdentity = new PipelineJob { Jobs = { ["s"] = new PipelineComponentJob { Component = "azureml:c:1", Identity = new UserIdentityConfiguration() } } };
        Assert.Contains("'jobs.s.identity'", Assert.Throws<AzureMlNotSupportedException>(withIdentity.ToYaml).Message, StringComparison.Ordinal);
    }
}
