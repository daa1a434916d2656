namespace AzureMlSdk.Tests.Jobs;

/// <summary>Definition-level checks (issue 10 item 6, the parts that need no engine).</summary>
public sealed class CommandJobValidationTests
{
    private static JobDefinitionException Fails(CommandJob job) => Assert.Throws<JobDefinitionException>(job.Validate);

    [Fact]
    public void An_input_placeholder_naming_no_input_is_rejected_naming_it()
    {
        var e = Fails(new CommandJob { Command = "python t.py ${{inputs.nope}}", Inputs = { ["lr"] = 0.1 } });
        Assert.Contains("${{inputs.nope}}", e.Message, StringComparison.Ordinal);
        Assert.Contains("no input 'nope'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Its inputs: lr", e.Message, StringComparison.Ordinal);
        Assert.Null(e.FilePath);
        Assert.Equal("command", e.Key);
    }

    [Fact]
    public void An_output_placeholder_naming_no_output_is_rejected_even_in_an_optional_part()
    {
        var e = Fails(new CommandJob { Command = "run $[[--o ${{outputs.model}}]]", Outputs = { ["modle"] = Output.UriFolder() } });
        Assert.Contains("no output 'model'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'modle'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_optional_part_may_name_an_input_the_job_does_not_give()
    {
        new CommandJob { Command = "run $[[--epochs ${{inputs.epochs}}]]" }.Validate();
    }

    [Fact]
    public void Search_space_placeholders_belong_to_sweep_trials()
    {
        var e = Fails(new CommandJob { Command = "run --lr ${{search_space.lr}}" });
        Assert.Contains("only a sweep job's trial", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_is_required_and_its_syntax_checked()
    {
        Assert.Contains("needs a 'command'", Fails(new CommandJob()).Message, StringComparison.Ordinal);
        Assert.Contains("unknown placeholder", Fails(new CommandJob { Command = "run ${{input.x}}" }).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("azureml://datastores/workspaceblobstore/paths/../../other")]
    [InlineData("azureml://datastores/workspaceblobstore/paths/a/../../b")]
    [InlineData("../outside")]
    [InlineData("out/../../outside")]
    public void Output_paths_that_escape_their_folder_are_rejected(string path)
    {
        var e = Fails(new CommandJob { Command = "run ${{outputs.o}}", Outputs = { ["o"] = Output.UriFolder(path) } });
        Assert.Equal("outputs.o.path", e.Key);
        Assert.Contains("escapes its folder", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("azureml://datastores/workspaceblobstore/paths/azureml/job1/o/")]
    [InlineData("azureml://datastores/ds/paths/a/../b")]
    [InlineData("outputs/model")]
    public void Output_paths_inside_their_folder_are_fine(string path)
    {
        new CommandJob { Command = "run ${{outputs.o}}", Outputs = { ["o"] = Output.UriFolder(path) } }.Validate();
    }

    [Fact]
    public void Input_and_output_names_must_be_identifiers()
    {
        var e = Fails(new CommandJob { Command = "run", Inputs = { ["my-input"] = 1 }, Outputs = { ["1out"] = Output.UriFolder() } });
        Assert.Contains(e.Problems, p => p.Key == "inputs.my-input");
        Assert.Contains(e.Problems, p => p.Key == "outputs.1out");
    }

    [Fact]
    public void Names_compute_limits_and_resources_are_checked()
    {
        var e = Fails(new CommandJob
        {
            Command = "run",
            Name = "bad name",
            ExperimentName = "-x",
            Compute = "azureml:bad compute",
            Limits = new CommandJobLimits { Timeout = TimeSpan.FromMilliseconds(1500) },
            Resources = new JobResources { InstanceCount = 0, ShmSize = "2 GB" },
        });
        Assert.Equal(["name", "experiment_name", "compute", "limits.timeout", "resources.instance_count", "resources.shm_size"], e.Problems.Select(p => p.Key));
    }

    [Fact]
    public void Data_input_references_need_a_version_or_label()
    {
        var e = Fails(new CommandJob { Command = "run ${{inputs.d}}", Inputs = { ["d"] = Input.UriFolder("azureml:mydata") } });
        Assert.Equal("inputs.d.path", e.Key);
        new CommandJob { Command = "run ${{inputs.d}}", Inputs = { ["d"] = Input.UriFolder("azureml:mydata:3") } }.Validate();
    }

    [Fact]
    public void Outputs_registering_as_assets_need_a_valid_name()
    {
        Assert.Equal("outputs.o.version", Fails(new CommandJob { Command = "run ${{outputs.o}}", Outputs = { ["o"] = Output.Create(OutputType.UriFolder, version: "1") } }).Key);
        new CommandJob { Command = "run ${{outputs.o}}", Outputs = { ["o"] = Output.CustomModel().RegisterAs("my-model", "2") } }.Validate();
    }

    [Fact]
    public void Clone_copies_dictionaries()
    {
        var job = new CommandJob { Command = "run ${{inputs.a}}", Inputs = { ["a"] = 1 }, Tags = { ["t"] = "1" } };
        var copy = job.Clone();
        copy.Inputs["a"] = 2;
        copy.Tags["u"] = "2";
        Assert.Equal(1L, job.Inputs["a"].Value);
        Assert.Single(job.Tags);
        Assert.Equal(job.Command, copy.Command);
    }

    [Fact]
    public void Asset_references_parse_every_az_ml_form()
    {
        Assert.Equal((AssetReferenceKind.Asset, "iris", "3", (string?)null), Parts(AssetReference.Parse("azureml:iris:3")));
        Assert.Equal((AssetReferenceKind.Asset, "iris", (string?)null, "latest"), Parts(AssetReference.Parse("azureml:iris@latest")));
        Assert.Equal((AssetReferenceKind.RegistryAsset, "sklearn-1.5", "2", (string?)null), Parts(AssetReference.Parse("azureml://registries/azureml/environments/sklearn-1.5/versions/2")));
        var arm = AssetReference.Parse("azureml:/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/environments/env1/versions/4");
        Assert.Equal((AssetReferenceKind.ArmId, "env1", "4", (string?)null), Parts(arm));
        Assert.Equal("environments", arm.AssetType);
        var ds = AssetReference.Parse("azureml://subscriptions/s/resourcegroups/rg/workspaces/w/datastores/blob/paths/a/b.csv");
        Assert.Equal((AssetReferenceKind.DatastorePath, "blob", "a/b.csv"), (ds.Kind, ds.Datastore, ds.Path));
        var jo = AssetReference.Parse("azureml://jobs/job1/outputs/model/paths/model.onnx");
        Assert.Equal((AssetReferenceKind.JobOutput, "job1", "model", "model.onnx"), (jo.Kind, jo.Job, jo.Output, jo.Path));
        Assert.Equal(AssetReferenceKind.Url, AssetReference.Parse("wasbs://c@a.blob.core.windows.net/x").Kind);
        Assert.Equal(AssetReferenceKind.Url, AssetReference.Parse("git+https://github.com/a/b").Kind);
        var local = AssetReference.Parse("file:./data");
        Assert.Equal((AssetReferenceKind.LocalPath, "./data"), (local.Kind, local.Path));
        Assert.False(local.IsRemote);

        static (AssetReferenceKind, string?, string?, string?) Parts(AssetReference r) => (r.Kind, r.Name, r.Version, r.Label);
    }
}
