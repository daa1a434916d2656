using static AzureMlSdk.Tests.Jobs.JobYamlTests;

namespace AzureMlSdk.Tests.Jobs;

/// <summary>Data, environment, component and compute YAML from azureml-examples (Jobs/yaml/{data,environment,component,compute}).</summary>
public sealed class AssetYamlTests
{
    [Fact]
    public void Local_file_data_asset()
    {
        var data = DataAsset.Load(Fixture("data/local-file.yml"));
        Assert.Equal("local-file-example-titanic", data.Name);
        Assert.Equal(InputType.UriFile, data.Type);
        Assert.Equal(Fixture(Path.Combine("data", "sample-data", "titanic.csv")), data.Path);
        Assert.Equal("Data asset created from local file.", data.Description);
        Assert.Null(data.Version);
        Assert.Equal("azureml:local-file-example-titanic@latest", data.ToInput().Path);
    }

    [Fact]
    public void Local_folder_cloud_folder_and_mltable_data_assets()
    {
        Assert.Equal(InputType.UriFolder, DataAsset.Load(Fixture("data/local-folder.yml")).Type);
        var cloud = DataAsset.Load(Fixture("data/cloud-mltable.yml"));
        Assert.Equal((InputType.MLTable, "azureml://datastores/workspaceblobstore/paths/example-data/mltable-sample"), (cloud.Type, cloud.Path));
        var local = DataAsset.Load(Fixture("data/local-mltable.yml"));
        Assert.Equal(Fixture(Path.Combine("data", "local-mltable")), local.Path);
        Assert.Equal(AssetReferenceKind.Url, AssetReference.Parse(DataAsset.Load(Fixture("data/cloud-file-https.yml")).Path).Kind);
    }

    [Fact]
    public void Data_asset_checks_type_against_the_local_path()
    {
        var dir = Directory.CreateTempSubdirectory("azml-data-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "d.yml"), "name: d\ntype: uri_file\npath: .\n");
            var e = Assert.Throws<JobDefinitionException>(() => DataAsset.Load(Path.Combine(dir.FullName, "d.yml")));
            Assert.Equal(("path", 3), (e.Key, e.Line));
            Assert.Contains("is a folder", e.Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "m.yml"), "name: m\ntype: mltable\npath: .\n");
            Assert.Contains("no MLTable file", Assert.Throws<JobDefinitionException>(() => DataAsset.Load(Path.Combine(dir.FullName, "m.yml"))).Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "n.yml"), "type: uri_folder\npath: .\n");
            Assert.Contains("a data asset needs 'name'", Assert.Throws<JobDefinitionException>(() => DataAsset.Load(Path.Combine(dir.FullName, "n.yml"))).Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir.FullName, "t.yml"), "name: t\ntype: custom_model\npath: .\n");
            Assert.Contains("must be one of uri_file, uri_folder, mltable", Assert.Throws<JobDefinitionException>(() => DataAsset.Load(Path.Combine(dir.FullName, "t.yml"))).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Environment_assets_image_conda_and_build_context()
    {
        var image = EnvironmentAsset.Load(Fixture("environment/docker-image.yml"));
        Assert.Equal(("docker-image-example", "pytorch/pytorch:latest"), (image.Name, image.Image));
        var conda = EnvironmentAsset.Load(Fixture("environment/docker-image-plus-conda.yaml"));
        Assert.Equal(Fixture(Path.Combine("environment", "conda-yamls", "pydata.yml")), conda.CondaFile);
        Assert.Equal("Environment created from a Docker image plus Conda environment.", conda.Description);
        var build = EnvironmentAsset.Load(Fixture("environment/docker-context.yml"));
        Assert.Equal(Fixture(Path.Combine("environment", "docker-contexts", "python-and-pip")), build.Build!.Path);
        Assert.Null(build.Image);
    }

    [Fact]
    public void An_inline_conda_specification_is_kept_as_yaml_text()
    {
        var job = (CommandJob)Job.LoadFromText("command: echo\nenvironment:\n  image: python\n  conda_file:\n    name: env\n    dependencies:\n      - python=3.11\n      - pip:\n        - numpy\n");
        var spec = job.Environment!.Inline!.CondaSpecification!;
        Assert.Null(job.Environment.Inline.CondaFile);
        Assert.Contains("name: env", spec, StringComparison.Ordinal);
        Assert.Contains("- python=3.11", spec, StringComparison.Ordinal);
        Assert.Contains("numpy", spec, StringComparison.Ordinal);
        Assert.DoesNotContain("...", spec, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_with_both_image_and_build_is_rejected()
    {
        var dir = Directory.CreateTempSubdirectory("azml-env-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "Dockerfile"), "FROM x\n");
            File.WriteAllText(Path.Combine(dir.FullName, "e.yml"), "name: e\nimage: python\nbuild:\n  path: .\n");
            var e = Assert.Throws<JobDefinitionException>(() => EnvironmentAsset.Load(Path.Combine(dir.FullName, "e.yml")));
            Assert.Equal(("build", 4), (e.Key, e.Line));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Command_component_with_optional_inputs_and_defaults()
    {
        var c = CommandComponent.Load(Fixture("component/train-optional.yml"));
        Assert.Equal("train_data_component_cli", c.Name);
        Assert.Equal("train_data", c.DisplayName);
        Assert.Equal("azureml-sdk-team", c.Tags["author"]);
        Assert.Equal(new ComponentInput { Type = InputType.UriFolder }, c.Inputs["training_data"]);
        Assert.Equal(new ComponentInput { Type = InputType.Integer, Optional = true }, c.Inputs["max_epocs"]);
        Assert.Equal(new ComponentInput { Type = InputType.Number, Default = 0.01, Optional = true }, c.Inputs["learning_rate"]);
        Assert.Equal(OutputType.UriFolder, c.Outputs["model_output"].Type);
        Assert.Equal(Fixture(Path.Combine("component", "train_src")), c.Code);
        Assert.True(c.IsDeterministic);
    }

    [Fact]
    public void Component_version_may_be_a_number()
    {
        var c = CommandComponent.Load(Fixture("component/train.yml"));
        Assert.Equal(("train", "10"), (c.Name, c.Version));
    }

    [Fact]
    public void ToJob_applies_defaults_drops_absent_optional_parts_and_checks_types()
    {
        var c = CommandComponent.Load(Fixture("component/train-optional.yml"));
        var job = c.ToJob(new Dictionary<string, Input> { ["training_data"] = "azureml:iris@latest", ["max_epocs"] = 5 });
        Assert.Same(c, job.Component);
        Assert.Equal(Input.UriFolder("azureml:iris@latest"), job.Inputs["training_data"]);
        Assert.Equal(0.01, job.Inputs["learning_rate"].Value);
        Assert.Equal("time-based", job.Inputs["learning_rate_schedule"].Value);
        Assert.Equal(OutputType.UriFolder, job.Outputs["model_output"].Type);
        job.Validate();
        var command = job.ParseCommand().Render(
            job.Inputs.ToDictionary(i => i.Key, i => i.Value.LiteralText ?? "/data"),
            new Dictionary<string, string> { ["model_output"] = "/out" });
        Assert.Equal("python train.py  --training_data /data  --max_epocs 5 --learning_rate 0.01 --learning_rate_schedule time-based --model_output /out", command.Replace("\n", " ", StringComparison.Ordinal));

        var e = Assert.Throws<JobDefinitionException>(() => c.ToJob(new Dictionary<string, Input> { ["training_data"] = Input.UriFile("x.csv"), ["max_epocs"] = "five", ["nope"] = 1 }));
        Assert.Contains(e.Problems, p => p.Key == "inputs.training_data" && p.Message.Contains("uri_folder", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "inputs.max_epocs" && p.Message.Contains("integer", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "inputs.nope");
        var missing = Assert.Throws<JobDefinitionException>(() => c.ToJob());
        Assert.Equal("inputs.training_data", missing.Key);
    }

    [Fact]
    public void ToJob_accepts_pipeline_bindings_for_any_type()
    {
        var c = CommandComponent.Load(Fixture("component/train.yml"));
        var job = c.ToJob(new Dictionary<string, Input> { ["training_data"] = "${{parent.inputs.raw}}", ["max_epocs"] = "${{parent.inputs.epochs}}" });
        Assert.Equal("${{parent.inputs.raw}}", job.Inputs["training_data"].Value);
    }

    [Fact]
    public void ToJob_takes_target_typed_dictionaries_as_the_api_sketch_writes_them()
    {
        var prepComponent = CommandComponent.Load(Fixture("component/train.yml"));
        var step = prepComponent.ToJob(inputs: new() { ["training_data"] = "${{parent.inputs.raw}}", ["max_epocs"] = 3 }, outputs: new() { ["model_output"] = Output.UriFolder(mode: OutputMode.Upload) });
        Assert.True(step.Inputs["training_data"].IsBinding);
        Assert.False(step.Inputs["max_epocs"].IsBinding);
        Assert.Equal(OutputMode.Upload, step.Outputs["model_output"].Mode);
        Assert.Equal("Train", step.DisplayName);
    }

    [Fact]
    public void Component_command_placeholders_must_be_declared()
    {
        var dir = Directory.CreateTempSubdirectory("azml-comp-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "c.yml"), "name: c\ntype: command\ninputs:\n  a:\n    type: integer\n    default: x\ncommand: echo ${{inputs.b}}\n");
            var e = Assert.Throws<JobDefinitionException>(() => CommandComponent.Load(Path.Combine(dir.FullName, "c.yml")));
            Assert.Contains(e.Problems, p => p.Key == "command" && p.Line == 7 && p.Message.Contains("no input 'b'", StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.Key == "inputs.a.default" && p.Line == 6);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Compute_clusters()
    {
        var basic = ComputeDefinition.Load(Fixture("compute/cluster-basic.yml"));
        Assert.Equal(("basic-example", "amlcompute", "STANDARD_DS3_v2", 0, 2), (basic.Name, basic.Type, basic.Size, basic.MinInstances, basic.MaxInstances));
        Assert.Equal(TimeSpan.FromSeconds(120), basic.IdleTimeBeforeScaleDown);
        var minimal = ComputeDefinition.Load(Fixture("compute/cluster-minimal.yml"));
        Assert.Equal(1, minimal.MaxInstances);
        Assert.Equal("low_priority", ComputeDefinition.Load(Fixture("compute/cluster-low-priority.yml")).Tier);
        var identity = Assert.Throws<JobDefinitionException>(() => ComputeDefinition.Load(Fixture("compute/cluster-system-identity.yml")));
        Assert.Equal("identity", identity.Key);
        Assert.Contains("does not support", identity.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_names_and_counts_follow_azure_rules()
    {
        Assert.Equal("name", Assert.Throws<JobDefinitionException>(() => new ComputeDefinition { Name = "local" }.Validate()).Key);
        Assert.Equal("name", Assert.Throws<JobDefinitionException>(() => new ComputeDefinition { Name = "cluster-1" }.Validate()).Key);
        Assert.Equal("min_instances", Assert.Throws<JobDefinitionException>(() => new ComputeDefinition { Name = "cpu", MinInstances = 3, MaxInstances = 2 }.Validate()).Key);
        new ComputeDefinition { Name = "cpu-cluster", MaxInstances = 4 }.Validate();
    }
}
