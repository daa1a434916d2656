namespace AzureMlSdk.Tests.Jobs;

/// <summary>Every command-job YAML form of azureml-examples (copied into Jobs/yaml/jobs) read into a <see cref="CommandJob"/>.</summary>
public sealed class JobYamlTests
{
    internal static string Fixture(string relative) => Path.Combine(AppContext.BaseDirectory, "Jobs", "yaml", relative);

    private static CommandJob LoadJob(string name) => Assert.IsType<CommandJob>(Job.Load(Fixture(Path.Combine("jobs", name))));

    [Fact]
    public void Hello_world_has_a_command_and_an_inline_image_environment()
    {
        var job = LoadJob("hello-world.yml");
        Assert.Equal(JobType.Command, job.Type);
        Assert.Equal("echo \"hello world\"", job.Command);
        Assert.Null(job.Environment!.Reference);
        Assert.Equal("library/python:latest", job.Environment.Inline!.Image);
        Assert.Null(job.Compute);
        Assert.Empty(job.Inputs);
        Assert.EndsWith(Path.Combine("jobs", "hello-world.yml"), job.SourcePath, StringComparison.Ordinal);
    }

    [Fact]
    public void Org_fields_tags_display_and_experiment_names_and_a_markdown_description()
    {
        var job = LoadJob("hello-world-org.yml");
        Assert.Equal("hello-world-example", job.DisplayName);
        Assert.Equal("hello-world-example", job.ExperimentName);
        Assert.Equal("world", job.Tags["hello"]);
        Assert.StartsWith("# Azure Machine Learning \"hello world\" job\n\nThis is", job.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_are_read()
    {
        var job = LoadJob("hello-world-env-var.yml");
        Assert.Equal("hello world", job.EnvironmentVariables["hello_env_var"]);
    }

    [Fact]
    public void A_relative_code_folder_resolves_against_the_yaml_folder()
    {
        var job = LoadJob("hello-code.yml");
        Assert.Equal(Fixture(Path.Combine("jobs", "src")), job.Code);
        Assert.True(Path.IsPathRooted(job.Code));
    }

    [Fact]
    public void Literal_inputs_keep_their_yaml_types()
    {
        var job = LoadJob("hello-world-input.yml");
        Assert.Equal(InputType.String, job.Inputs["hello_string"].Type);
        Assert.Equal("hello world", job.Inputs["hello_string"].Value);
        Assert.Equal(InputType.Integer, job.Inputs["hello_number"].Type);
        Assert.Equal(42L, job.Inputs["hello_number"].Value);
    }

    [Fact]
    public void Quoted_numbers_are_text_and_plain_numbers_are_numbers()
    {
        var job = LoadJob("sklearn-iris-docker-context.yml");
        Assert.Equal(0.8, job.Inputs["C"].Value);
        Assert.Equal("rbf", job.Inputs["kernel"].Value);
        var text = Job.LoadFromText("command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}}\ninputs:\n  a: '10'\n  b: 10\n  c: true\n");
        var inputs = ((CommandJob)text).Inputs;
        Assert.Equal(InputType.String, inputs["a"].Type);
        Assert.Equal(InputType.Integer, inputs["b"].Type);
        Assert.Equal(InputType.Boolean, inputs["c"].Type);
        Assert.Equal("True", inputs["c"].LiteralText);
    }

    [Fact]
    public void Yaml_1_1_booleans_read_as_az_ml_reads_them()
    {
        var job = (CommandJob)Job.LoadFromText("command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}}\ninputs:\n  a: yes\n  b: Off\n  c: 'yes'\n");
        Assert.Equal(true, job.Inputs["a"].Value);
        Assert.Equal(false, job.Inputs["b"].Value);
        Assert.Equal("yes", job.Inputs["c"].Value);
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_work_as_in_az_ml()
    {
        var yaml = "command: echo ${{inputs.a}} ${{inputs.b}}\n" +
                   "tags: &common\n  team: ml\n  stage: dev\n" +
                   "properties:\n  <<: *common\n  stage: prod\n" +
                   "inputs:\n  a: &shared 3\n  b: *shared\n";
        var job = (CommandJob)Job.LoadFromText(yaml);
        Assert.Equal(3L, job.Inputs["b"].Value);
        Assert.Equal("ml", job.Properties["team"]);
        Assert.Equal("prod", job.Properties["stage"]);
        Assert.Equal("dev", job.Tags["stage"]);
        Assert.Throws<JobDefinitionException>(() => Job.LoadFromText("command: echo\ntags:\n  <<: 5\n"));
    }

    [Fact]
    public void An_empty_output_is_a_uri_folder_at_the_default_location()
    {
        var job = LoadJob("hello-world-output-data.yml");
        var output = job.Outputs["hello_output"];
        Assert.Equal(OutputType.UriFolder, output.Type);
        Assert.Null(output.Path);
        Assert.Null(output.Mode);
        Assert.Equal("python", job.Environment!.Inline!.Image);
    }

    [Fact]
    public void Datastore_uri_file_input_and_a_registry_environment_label()
    {
        var job = LoadJob("hello-iris-datastore-file.yml");
        var input = job.Inputs["iris_csv"];
        Assert.Equal(InputType.UriFile, input.Type);
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/example-data/iris.csv", input.Path);
        Assert.Equal(AssetReferenceKind.DatastorePath, input.Reference!.Kind);
        Assert.Equal("workspaceblobstore", input.Reference.Datastore);
        Assert.Equal("example-data/iris.csv", input.Reference.Path);
        var env = job.Environment!.ParsedReference!;
        Assert.Equal(AssetReferenceKind.RegistryAsset, env.Kind);
        Assert.Equal(("azureml", "environments", "sklearn-1.5", "latest"), (env.Registry, env.AssetType, env.Name, env.Label));
    }

    [Fact]
    public void Https_input_is_kept_as_a_url()
    {
        var job = LoadJob("hello-iris-file.yml");
        Assert.Equal("https://azuremlexamples.blob.core.windows.net/datasets/iris.csv", job.Inputs["iris_csv"].Path);
        Assert.Equal(AssetReferenceKind.Url, job.Inputs["iris_csv"].Reference!.Kind);
    }

    [Fact]
    public void Literal_form_of_a_url_is_a_text_input_named_as_written()
    {
        // The example puts 'type: uri_file' directly under inputs: az ml reads it as a text input named "type".
        var job = LoadJob("hello-iris-literal.yml");
        Assert.Equal("uri_file", job.Inputs["type"].Value);
        Assert.Equal(InputType.String, job.Inputs["iris_csv"].Type);
    }

    [Fact]
    public void Data_asset_label_reference_with_a_mode()
    {
        var job = LoadJob("hello-dataset.yml");
        var input = job.Inputs["sampledata"];
        Assert.Equal(InputType.UriFolder, input.Type);
        Assert.Equal(InputMode.ReadOnlyMount, input.Mode);
        Assert.Equal(("sampledata", "latest", (string?)null), (input.Reference!.Name, input.Reference.Label, input.Reference.Version));
    }

    [Fact]
    public void Model_input_and_model_output()
    {
        var job = LoadJob("hello-model-as-output.yml");
        Assert.Equal(InputType.MLFlowModel, job.Inputs["input_model"].Type);
        Assert.Equal(Fixture(Path.Combine("jobs", "mlflow-model")), job.Inputs["input_model"].Path);
        Assert.Equal(OutputType.CustomModel, job.Outputs["output_folder"].Type);
        // Folded (>-): each line's trailing space is kept, and the fold adds one.
        Assert.Equal("python hello-model-as-output.py  --input_model ${{inputs.input_model}}  --custom_model_output ${{outputs.output_folder}}", job.Command);
    }

    [Fact]
    public void Services_are_kept()
    {
        var job = LoadJob("hello-interactive.yml");
        Assert.Equal(["my_vscode", "my_jupyter_lab", "my_tensorboard"], job.Services.Keys);
        Assert.Equal("tensor_board", job.Services["my_tensorboard"].Type);
        Assert.Equal("outputs/tblogs", job.Services["my_tensorboard"].LogDir);
        Assert.Equal("AzureML-tensorflow-2.16-cuda12", job.Environment!.ParsedReference!.Name);
    }

    [Fact]
    public void Pytorch_distribution_resources_and_compute()
    {
        var job = LoadJob("pytorch-cifar-distributed.yml");
        Assert.Equal("azureml:gpu-cluster", job.Compute);
        Assert.Equal("gpu-cluster", job.ComputeName);
        Assert.Equal(new PyTorchDistribution { ProcessCountPerInstance = 1 }, job.Distribution);
        Assert.Equal(2, job.Resources!.InstanceCount);
        Assert.Equal(1L, job.Inputs["epochs"].Value);
        Assert.Equal(0.2, job.Inputs["learning_rate"].Value);
        Assert.Equal("azureml:cifar-10-example@latest", job.Inputs["cifar"].Path);
    }

    [Fact]
    public void Tensorflow_distribution()
    {
        var job = LoadJob("tensorflow-mnist-distributed.yml");
        Assert.Equal(new TensorFlowDistribution { WorkerCount = 2 }, job.Distribution);
    }

    [Fact]
    public void Docker_build_context_resolves_against_the_yaml_folder()
    {
        var job = LoadJob("sklearn-iris-docker-context.yml");
        Assert.Equal(Fixture(Path.Combine("jobs", "docker-context")), job.Environment!.Inline!.Build!.Path);
        Assert.Equal("wasbs://datasets@azuremlexamples.blob.core.windows.net/iris.csv", job.Inputs["iris_csv"].Path);
    }

    [Fact]
    public void User_identity_and_image_plus_conda_file()
    {
        var job = LoadJob("on-behalf-of.yaml");
        Assert.IsType<UserIdentityConfiguration>(job.Identity);
        Assert.Equal(Fixture(Path.Combine("jobs", "environment", "conda.yml")), job.Environment!.Inline!.CondaFile);
        Assert.Equal("obo-sample", job.ExperimentName);
    }

    [Fact]
    public void Environment_from_a_file_reference_mpi_distribution_and_explicit_type()
    {
        var job = LoadJob("gpu-perf.yml");
        var env = job.Environment!.Inline!;
        Assert.Equal("nccltests_azureml", env.Name);
        Assert.Equal("openmpi4.1.0-cuda11.1-cudnn8-ubuntu18.04", env.Version);
        Assert.Equal(Fixture(Path.Combine("jobs", "environments", "azureml")), env.Build!.Path);
        Assert.Equal(new MpiDistribution { ProcessCountPerInstance = 1 }, job.Distribution);
        Assert.Equal("INFO", job.EnvironmentVariables["NCCL_DEBUG"]);
    }

    [Fact]
    public void A_data_input_without_type_is_a_uri_folder_with_its_mode()
    {
        var job = LoadJob("word-language-model.yml");
        Assert.Equal(InputType.UriFolder, job.Inputs["corpus"].Type);
        Assert.Equal(InputMode.Download, job.Inputs["corpus"].Mode);
        Assert.Equal(Fixture(Path.Combine("jobs", "data")), job.Inputs["corpus"].Path);
        Assert.Equal("outputs/model.pt", job.Inputs["save"].Value);
    }

    [Fact]
    public void Every_job_fixture_loads()
    {
        var files = Directory.GetFiles(Fixture("jobs"), "*.y*ml").Where(f => !Path.GetFileName(f).Contains("sweep", StringComparison.Ordinal) && !Path.GetFileName(f).Contains("pipeline", StringComparison.Ordinal)).ToList();
        Assert.True(files.Count >= 18, $"only {files.Count} fixtures");
        foreach (var file in files)
        {
            var job = Assert.IsType<CommandJob>(Job.Load(file));
            Assert.False(string.IsNullOrWhiteSpace(job.Command), file);
            job.Validate();
        }
    }

    [Fact]
    public void Pipeline_files_are_read_by_the_pipeline_reader()
    {
        var job = Assert.IsType<PipelineJob>(Job.Load(Fixture(Path.Combine("jobs", "hello-pipeline.yml"))));
        Assert.Equal(["hello_job", "world_job"], job.Jobs.Keys);
        Assert.Equal("cpu-cluster", job.Jobs["world_job"].ComputeName);
    }

    [Fact]
    public void Automl_is_read_by_its_own_reader()
    {
        var e = Assert.Throws<JobDefinitionException>(() => Job.LoadFromText("type: automl\ntask: classification\n"));
        Assert.Contains("needs 'target_column_name'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_overrides_apply_before_reading_with_the_same_typing()
    {
        var job = (CommandJob)Job.Load(Fixture(Path.Combine("jobs", "hello-world-input.yml")), ["inputs.hello_number=7", "compute=local", "limits.timeout=60", "display_name=overridden"]);
        Assert.Equal(7L, job.Inputs["hello_number"].Value);
        Assert.Equal("local", job.Compute);
        Assert.Equal(TimeSpan.FromMinutes(1), job.Limits!.Timeout);
        Assert.Equal("overridden", job.DisplayName);
        var bad = Assert.Throws<JobDefinitionException>(() => Job.Load(Fixture(Path.Combine("jobs", "hello-world-input.yml")), ["limits.timeout=soon"]));
        Assert.Equal("limits.timeout", bad.Key);
    }

    [Fact]
    public void CommandJob_Load_rejects_another_job_type_by_name()
    {
        var e = Assert.Throws<JobDefinitionException>(() => CommandJob.Load(Fixture(Path.Combine("jobs", "hello-sweep.yml"))));
        Assert.Contains("holds a sweep job, not a command job", e.Message, StringComparison.Ordinal);
        Assert.Equal("echo \"hello world\"", CommandJob.Load(Fixture(Path.Combine("jobs", "hello-world.yml"))).Command);
    }

    [Fact]
    public void The_sample_job_loads_and_validates()
    {
        var job = CommandJob.Load(Path.Combine(AppContext.BaseDirectory, "samples", "jobs", "hello.yml"));
        Assert.Equal("local", job.Compute);
        Assert.Equal(InputType.UriFile, job.Inputs["text"].Type);
        Assert.True(File.Exists(job.Inputs["text"].Path));
        Assert.Equal(TimeSpan.FromSeconds(300), job.Limits!.Timeout);
        var template = job.ParseCommand();
        var inputs = new Dictionary<string, string> { ["greeting"] = "hello", ["text"] = "/t/words.txt" };
        var outputs = new Dictionary<string, string> { ["result"] = "/o" };
        Assert.Equal("sh hello.sh hello /t/words.txt /o ", template.Render(inputs, outputs));
        inputs["repeat"] = "3";
        Assert.Equal("sh hello.sh hello /t/words.txt /o --repeat 3", template.Render(inputs, outputs));
    }

    [Fact]
    public void A_job_built_in_code_matches_the_api_sketch()
    {
        var folder = Directory.CreateTempSubdirectory("azml-job-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "src"));
            File.WriteAllText(Path.Combine(folder.FullName, "iris.csv"), "a,b\n");
            var cmd = new CommandJob
            {
                DisplayName = "train",
                ExperimentName = "iris",
                Code = Path.Combine(folder.FullName, "src"),
                Command = "dotnet run train.cs -- --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
                Environment = "azureml:dotnet-10@latest",
                Inputs = { ["lr"] = 0.01, ["data"] = Input.UriFile(Path.Combine(folder.FullName, "iris.csv")) },
                Outputs = { ["model"] = Output.UriFolder() },
                Compute = "local",
            };
            cmd.Validate();
            Assert.Equal("0.01", cmd.Inputs["lr"].LiteralText);
            Assert.Equal("dotnet-10", cmd.Environment!.ParsedReference!.Name);
        }
        finally
        {
            folder.Delete(true);
        }
    }
}
