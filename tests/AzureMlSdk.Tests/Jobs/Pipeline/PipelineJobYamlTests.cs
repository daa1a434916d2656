using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary><c>type: pipeline</c> YAML read into a <see cref="PipelineJob"/>; the graph's checks (cycles, bindings) with file, line and key.</summary>
public sealed class PipelineJobYamlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-pipeline-");

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

    private const string TrainComponent = """
        $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
        name: train
        version: 10
        type: command
        inputs:
          training_data:
            type: uri_folder
          max_epocs:
            type: integer
          learning_rate:
            type: number
            default: 0.01
        outputs:
          model_output:
            type: uri_folder
        code: ./train_src
        environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
        command: >-
          python train.py --training_data ${{inputs.training_data}} --max_epocs ${{inputs.max_epocs}}
          --learning_rate ${{inputs.learning_rate}} --model_output ${{outputs.model_output}}
        """;

    [Fact]
    public void The_e2e_local_components_example_loads_with_components_bindings_and_settings()
    {
        Write("train.yml", TrainComponent);
        Write("train_src/train.py", "print('hi')");
        Write("data/sample.csv", "a,b\n1,2\n");
        var path = Write("pipeline.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
            type: pipeline
            display_name: 1a_e2e_local_components
            inputs:
              pipeline_job_training_max_epocs: 20
              pipeline_job_training_learning_rate: 1.8
            outputs:
              pipeline_job_trained_model:
                mode: upload
            settings:
              default_compute: azureml:cpu-cluster
              continue_on_step_failure: true
              force_rerun: true
            jobs:
              train_job:
                type: command
                component: ./train.yml
                inputs:
                  training_data:
                    type: uri_folder
                    path: ./data
                  max_epocs: ${{parent.inputs.pipeline_job_training_max_epocs}}
                  learning_rate: ${{parent.inputs.pipeline_job_training_learning_rate}}
                outputs:
                  model_output: ${{parent.outputs.pipeline_job_trained_model}}
              score_job:
                component: azureml:my_score@latest
                compute: azureml:gpu
                inputs:
                  model_input: ${{parent.jobs.train_job.outputs.model_output}}
              hello_job:
                command: echo "hello" && echo "world" > ${{outputs.world_output}}/world.txt
                environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
                outputs:
                  world_output:
              world_job:
                command: cat ${{inputs.world_input}}/world.txt
                inputs:
                  world_input: ${{parent.jobs.hello_job.outputs.world_output}}
            """);

        var job = PipelineJob.Load(path);

        Assert.Equal(JobType.Pipeline, job.Type);
        Assert.Equal("1a_e2e_local_components", job.DisplayName);
        Assert.Equal(20L, job.Inputs["pipeline_job_training_max_epocs"].Value);
        Assert.Equal(OutputMode.Upload, job.Outputs["pipeline_job_trained_model"].Mode);
        Assert.Equal("cpu-cluster", job.Settings.DefaultComputeName);
        Assert.True(job.Settings.ContinueOnStepFailure);
        Assert.True(job.Settings.ForceRerun);

        var train = Assert.IsType<CommandJob>(job.Jobs["train_job"]);
        Assert.Equal("train", train.Component!.Name);
        Assert.Equal(Path.Combine(_dir.FullName, "train_src"), train.Code);
        Assert.Equal(Path.Combine(_dir.FullName, "data"), train.Inputs["training_data"].Path);
        Assert.Equal("${{parent.inputs.pipeline_job_training_max_epocs}}", train.Inputs["max_epocs"].Value);
        Assert.Equal("${{parent.inputs.pipeline_job_training_learning_rate}}", train.Inputs["learning_rate"].Value);
        Assert.Equal("${{parent.outputs.pipeline_job_trained_model}}", train.Outputs["model_output"].Path);

        var score = Assert.IsType<PipelineComponentJob>(job.Jobs["score_job"]);
        Assert.Equal("azureml:my_score@latest", score.Component);
        Assert.Equal("gpu", score.ComputeName);

        Assert.Contains("${{outputs.world_output}}", ((CommandJob)job.Jobs["hello_job"]).Command, StringComparison.Ordinal);
        Assert.Equal(["train_job", "hello_job"], job.GetStepDependencies().Where(d => d.Value.Count > 0).SelectMany(d => d.Value));
        var order = job.GetStepOrder();
        Assert.True(order.ToList().IndexOf("hello_job") < order.ToList().IndexOf("world_job"));
        Assert.True(order.ToList().IndexOf("train_job") < order.ToList().IndexOf("score_job"));
    }

    [Fact]
    public void A_cycle_is_named_step_by_step()
    {
        var e = LoadFails("""
            type: pipeline
            jobs:
              a:
                command: echo ${{inputs.x}} > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.c.outputs.o}}
                outputs:
                  o:
              b:
                command: echo ${{inputs.x}} > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.a.outputs.o}}
                outputs:
                  o:
              c:
                command: echo ${{inputs.x}} > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.b.outputs.o}}
                outputs:
                  o:
            """);
        Assert.Contains("cycle: a → b → c → a", e.Message, StringComparison.Ordinal);
        Assert.Equal("jobs", e.Key);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Bindings_to_missing_steps_outputs_and_inputs_are_named_with_their_line()
    {
        var e = LoadFails("""
            type: pipeline
            inputs:
              lr: 0.1
            outputs:
              model:
            jobs:
              prep:
                command: echo > ${{outputs.clean}}/x
                outputs:
                  clean:
              train:
                command: echo ${{inputs.data}} ${{inputs.rate}} ${{inputs.other}}
                inputs:
                  data: ${{parent.jobs.prep.outputs.cleaned}}
                  rate: ${{parent.inputs.learning_rate}}
                  other: ${{parent.jobs.prepare.outputs.clean}}
                outputs:
                  m: ${{parent.outputs.models}}
            """);
        var problems = e.Problems;
        Assert.Contains(problems, p => p.Key == "jobs.train.inputs.data" && p.Line == 14
            && p.Reason.Contains("step 'prep' has no output 'cleaned'", StringComparison.Ordinal) && p.Reason.Contains("'clean'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "jobs.train.inputs.rate" && p.Line == 15 && p.Reason.Contains("no input 'learning_rate'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "jobs.train.inputs.other" && p.Reason.Contains("no step 'prepare'", StringComparison.Ordinal) && p.Reason.Contains("Its steps: prep, train", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Key == "jobs.train.outputs.m" && p.Line == 18 && p.Reason.Contains("no output 'models'", StringComparison.Ordinal));
    }

    [Fact]
    public void Step_keys_types_and_settings_are_checked_with_file_line_and_key()
    {
        var e = LoadFails("""
            type: pipeline
            settings:
              continue_on_step_failure: maybe
              on_init: setup
            jobs:
              a:
                comand: echo hi
              b:
                type: spark
                command: echo hi
              c:
                command: echo ${{inputs.nope}}
            """);
        Assert.Contains(e.Problems, p => p.Key == "jobs.a.comand" && p.Line == 7 && p.Reason.Contains("Did you mean 'command'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "jobs.b.type" && p.Line == 9 && p.Reason.Contains("spark step", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "settings.continue_on_step_failure" && p.Line == 3);
        Assert.Contains(e.Problems, p => p.Key == "settings.on_init");
    }

    [Fact]
    public void An_inline_step_placeholder_error_points_at_the_step()
    {
        var e = LoadFails("""
            type: pipeline
            jobs:
              c:
                command: echo ${{inputs.nope}}
            """);
        Assert.Equal("jobs.c.command", e.Key);
        Assert.Equal(4, e.Line);
        Assert.Contains("no input 'nope'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_component_file_step_checks_its_inputs_against_the_component()
    {
        Write("train.yml", TrainComponent);
        Write("train_src/train.py", "print('hi')");
        var e = LoadFails("""
            type: pipeline
            jobs:
              train:
                component: ./train.yml
                inputs:
                  max_epochs: 3
            """);
        Assert.Contains(e.Problems, p => p.Key == "jobs.train.inputs.max_epochs" && p.Reason.Contains("max_epocs", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "jobs.train.inputs.training_data" && p.Reason.Contains("required", StringComparison.Ordinal));

        var missing = LoadFails("""
            type: pipeline
            jobs:
              train:
                component: ./nope.yml
            """);
        Assert.Equal("jobs.train.component", missing.Key);
        Assert.Equal(4, missing.Line);
    }

    [Fact]
    public void Empty_pipelines_and_text_that_is_not_a_binding_are_refused()
    {
        Assert.Contains("needs 'jobs'", LoadFails("type: pipeline\ndisplay_name: x\n").Message, StringComparison.Ordinal);
        var e = LoadFails("""
            type: pipeline
            jobs:
              a:
                command: echo ${{inputs.x}}
                inputs:
                  x: prefix-${{parent.inputs.y}}
            """);
        Assert.Equal("jobs.a.inputs.x", e.Key);
        Assert.Contains("not a binding", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pipeline_built_in_code_is_validated_the_same_way()
    {
        var pipeline = new PipelineJob
        {
            Jobs =
            {
                ["a"] = new CommandJob { Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.b.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
                ["b"] = new CommandJob { Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.a.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
            },
        };
        var e = Assert.Throws<JobDefinitionException>(pipeline.Validate);
        Assert.Contains("cycle: a → b → a", e.Message, StringComparison.Ordinal);
        Assert.Throws<JobDefinitionException>(() => pipeline.GetStepOrder());

        var self = new PipelineJob { Jobs = { ["a"] = new CommandJob { Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.a.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } } } };
        Assert.Contains("cycle: a → a", Assert.Throws<JobDefinitionException>(self.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stored_form_round_trips_steps_components_bindings_and_settings()
    {
        Write("train.yml", TrainComponent);
        Write("train_src/train.py", "print('hi')");
        Write("data/sample.csv", "a\n1\n");
        var pipeline = new PipelineJob
        {
            Name = "p1",
            DisplayName = "demo",
            ExperimentName = "exp",
            Inputs = { ["epochs"] = 5, ["lr"] = 0.5, ["flag"] = true, ["raw"] = Input.UriFolder(Path.Combine(_dir.FullName, "data"), InputMode.Download) },
            Outputs = { ["model"] = Output.UriFolder(mode: OutputMode.Upload) },
            Jobs =
            {
                ["train"] = CommandComponent.Load(Path.Combine(_dir.FullName, "train.yml")).ToJob(
                    inputs: new() { ["training_data"] = "${{parent.inputs.raw}}", ["max_epocs"] = "${{parent.inputs.epochs}}" },
                    outputs: new() { ["model_output"] = Output.UriFolder("${{parent.outputs.model}}") }),
                ["eval"] = new CommandJob
                {
                    Command = "cat ${{inputs.m}}/x", Compute = "cpu", Inputs = { ["m"] = "${{parent.jobs.train.outputs.model_output}}" },
                },
            },
            Settings = { DefaultCompute = "local", ContinueOnStepFailure = true, ForceRerun = true },
        };

        var back = PipelineJobJson.Read(PipelineJobJson.Write(pipeline));

        Assert.Equal("demo", back.DisplayName);
        Assert.Equal(5L, back.Inputs["epochs"].Value);
        Assert.Equal(0.5, back.Inputs["lr"].Value);
        Assert.Equal(true, back.Inputs["flag"].Value);
        Assert.Equal(InputMode.Download, back.Inputs["raw"].Mode);
        Assert.Equal(OutputMode.Upload, back.Outputs["model"].Mode);
        Assert.True(back.Settings.ContinueOnStepFailure);
        Assert.True(back.Settings.ForceRerun);
        Assert.Equal("local", back.Settings.DefaultCompute);
        var train = Assert.IsType<CommandJob>(back.Jobs["train"]);
        Assert.Equal("train", train.Component!.Name);
        Assert.Equal("${{parent.outputs.model}}", train.Outputs["model_output"].Path);
        Assert.Equal("${{parent.inputs.epochs}}", train.Inputs["max_epocs"].Value);
        Assert.Null(train.Compute);
        Assert.Null(train.Name);
        Assert.Equal("cpu", ((CommandJob)back.Jobs["eval"]).Compute);
        Assert.Equal(["train"], back.GetStepDependencies()["eval"]);
    }

    [Fact]
    public void The_pipeline_sample_loads_in_prep_train_evaluate_register_order()
    {
        var path = Path.Combine(AzureMlSdk.Tests.ObjectModel.NewcomerTests.RepositoryRoot(), "samples", "pipeline", "pipeline.yml");
        var job = PipelineJob.Load(path, ["inputs.learning_rate=0.4"]);

        Assert.Equal(["prep", "train", "evaluate", "register"], job.GetStepOrder());
        Assert.Equal(0.4, job.Inputs["learning_rate"].Value);
        Assert.All(job.Jobs.Values, s => Assert.NotNull(((CommandJob)s).Component));
        Assert.Equal("pipeline-sample-model", ((CommandJob)job.Jobs["register"]).Outputs["package"].Name);
        Assert.Equal(["prep", "train"], job.GetStepDependencies()["evaluate"]);
    }
}
