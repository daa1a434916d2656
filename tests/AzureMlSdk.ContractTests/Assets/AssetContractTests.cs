namespace AzureMlSdk.ContractTests.Assets;

/// <summary>
/// The contract suite of versioned assets (<c>ws.Data</c>, <c>ws.Environments</c>, <c>ws.Components</c>): every backend runs
/// these same tests through the public object model. az ml semantics: versions immutable, an omitted version is the next
/// integer, <c>latest</c> is the newest non-archived version.
/// </summary>
public abstract partial class AssetContractTests : ContractTestBase
{
    private const string Image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest";

    private EnvironmentAsset Env(string name, string? version = null, string? description = null, string image = Image) =>
        new() { Name = name, Version = version, Image = image, Description = description };

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }
        return list;
    }

    // ---- environments ------------------------------------------------------------------------

    [Fact]
    public async Task Environment_versions_count_up_from_1_when_omitted()
    {
        var first = await Ws.Environments.CreateOrUpdateAsync(Env("trainer"));
        var second = await Ws.Environments.CreateOrUpdateAsync(Env("trainer", image: Image + "-2"));

        Assert.Equal("1", first.Version);
        Assert.Equal("2", second.Version);
        Assert.Equal("trainer", second.Name);
        Assert.NotNull(second.Id);
        Assert.NotNull(second.CreatedAt);
        Assert.Equal(Image + "-2", (await Ws.Environments.GetAsync("trainer")).Image);
        Assert.Equal(Image, (await Ws.Environments.GetAsync("trainer", version: "1")).Image);
    }

    [Fact]
    public async Task Omitted_version_follows_the_highest_integer_version()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("numbered", "7"));
        await Ws.Environments.CreateOrUpdateAsync(Env("numbered", "beta", image: Image + "-b"));

        var next = await Ws.Environments.CreateOrUpdateAsync(Env("numbered", image: Image + "-n"));

        Assert.Equal("8", next.Version);
    }

    [Fact]
    public async Task Environment_conda_file_content_is_recorded_not_its_path()
    {
        var conda = Scratch("env/conda.yml");
        await File.WriteAllTextAsync(conda, "name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - scikit-learn==1.5.0\n");
        var created = await Ws.Environments.CreateOrUpdateAsync(new EnvironmentAsset { Name = "sk", Image = Image, CondaFile = conda });
        File.Delete(conda);

        var got = await Ws.Environments.GetAsync("sk", version: created.Version);

        Assert.Null(got.CondaFile);
        Assert.Contains("scikit-learn==1.5.0", got.CondaSpecification, StringComparison.Ordinal);
        Assert.Contains("python=3.11", got.CondaSpecification, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Environment_from_yaml_round_trips_through_the_workspace()
    {
        var folder = Path.GetDirectoryName(Scratch("yaml/env.yml"))!;
        await File.WriteAllTextAsync(Path.Combine(folder, "conda.yml"), "channels: [conda-forge]\ndependencies: [python=3.10]\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "env.yml"), """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: from-yaml
            version: "3"
            description: an environment from YAML
            tags: {team: vision}
            image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest
            conda_file: conda.yml
            """);

        var created = await Ws.Environments.CreateOrUpdateAsync(EnvironmentAsset.Load(Path.Combine(folder, "env.yml")));
        var got = await Ws.Environments.GetAsync("from-yaml", label: "latest");

        Assert.Equal("3", created.Version);
        Assert.Equal("3", got.Version);
        Assert.Equal("an environment from YAML", got.Description);
        Assert.Equal("vision", got.Tags["team"]);
        Assert.Equal("mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest", got.Image);
        Assert.Contains("python=3.10", got.CondaSpecification, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_version_again_with_the_same_content_is_idempotent_and_updates_description_and_tags()
    {
        var first = await Ws.Environments.CreateOrUpdateAsync(Env("same", "1", "first"));
        var again = await Ws.Environments.CreateOrUpdateAsync(new EnvironmentAsset
        {
            Name = "same",
            Version = "1",
            Image = Image,
            Description = "second",
            Tags = new Dictionary<string, string> { ["stage"] = "prod" },
        });

        Assert.Equal(first.Version, again.Version);
        var got = await Ws.Environments.GetAsync("same", "1");
        Assert.Equal("second", got.Description);
        Assert.Equal("prod", got.Tags["stage"]);
        Assert.Single(await ToListAsync(Ws.Environments.ListAsync("same")));
    }

    [Fact]
    public async Task Creating_a_version_again_with_other_content_is_a_conflict()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("immutable", "1"));

        var ex = await Assert.ThrowsAsync<ResourceExistsException>(() => Ws.Environments.CreateOrUpdateAsync(Env("immutable", "1", image: "python:3.12")));

        Assert.Equal(409, ex.Status);
        Assert.Contains("immutable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Image, (await Ws.Environments.GetAsync("immutable", "1")).Image);
    }

    [Fact]
    public async Task Latest_skips_archived_versions_and_restore_brings_them_back()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("arch", image: Image + "-1"));
        await Ws.Environments.CreateOrUpdateAsync(Env("arch", image: Image + "-2"));

        await Ws.Environments.ArchiveAsync("arch", "2");

        Assert.Equal("1", (await Ws.Environments.GetAsync("arch")).Version);
        var archived = await Ws.Environments.GetAsync("arch", "2");
        Assert.True(archived.IsArchived);
        Assert.Equal(["1"], (await ToListAsync(Ws.Environments.ListAsync("arch"))).Select(e => e.Version));
        Assert.Equal(["2", "1"], (await ToListAsync(Ws.Environments.ListAsync("arch", includeArchived: true))).Select(e => e.Version));

        await Ws.Environments.RestoreAsync("arch", "2");

        Assert.Equal("2", (await Ws.Environments.GetAsync("arch", label: "latest")).Version);
        Assert.False((await Ws.Environments.GetAsync("arch", "2")).IsArchived);
    }

    [Fact]
    public async Task Archiving_every_version_hides_the_name_and_leaves_no_latest()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("gone", image: Image + "-1"));
        await Ws.Environments.CreateOrUpdateAsync(Env("gone", image: Image + "-2"));
        await Ws.Environments.CreateOrUpdateAsync(Env("kept"));

        await Ws.Environments.ArchiveAsync("gone");

        var names = (await ToListAsync(Ws.Environments.ListAsync())).Select(e => e.Name).ToList();
        Assert.Contains("kept", names);
        Assert.DoesNotContain("gone", names);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Environments.GetAsync("gone"));
        Assert.Equal("1", (await Ws.Environments.GetAsync("gone", "1")).Version);
    }

    [Fact]
    public async Task Listing_without_a_name_gives_the_latest_version_of_each_asset()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("alpha", image: Image + "-1"));
        await Ws.Environments.CreateOrUpdateAsync(Env("alpha", image: Image + "-2"));
        await Ws.Environments.CreateOrUpdateAsync(Env("beta"));

        var all = await ToListAsync(Ws.Environments.ListAsync());

        var alpha = Assert.Single(all, e => e.Name == "alpha");
        Assert.Equal("2", alpha.Version);
        Assert.Equal(Image + "-2", alpha.Image);
        Assert.Single(all, e => e.Name == "beta");
    }

    // ---- data ----------------------------------------------------------------------------------

    [Fact]
    public async Task Data_with_a_cloud_path_is_recorded_as_written()
    {
        const string url = "https://azuremlexamples.blob.core.windows.net/datasets/iris.csv";
        var created = await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris-url", Type = InputType.UriFile, Path = url, Description = "iris" });

        var got = await Ws.Data.GetAsync("iris-url", created.Version);

        Assert.Equal("1", got.Version);
        Assert.Equal(url, got.Path);
        Assert.Equal(InputType.UriFile, got.Type);
        Assert.Equal("iris", got.Description);
        Assert.Equal("azureml:iris-url:1", got.ToInput().Path);
    }

    [Fact]
    public async Task Data_versions_and_latest_label()
    {
        await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "folder", Path = "azureml://datastores/workspaceblobstore/paths/a/" });
        await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "folder", Path = "azureml://datastores/workspaceblobstore/paths/b/" });

        Assert.Equal("azureml://datastores/workspaceblobstore/paths/b/", (await Ws.Data.GetAsync("folder", label: "latest")).Path);
        Assert.Equal(InputType.UriFolder, (await Ws.Data.GetAsync("folder", "1")).Type);
        Assert.Equal(["2", "1"], (await ToListAsync(Ws.Data.ListAsync("folder"))).Select(d => d.Version));
    }

    // ---- components --------------------------------------------------------------------------

    [Fact]
    public async Task Component_from_yaml_keeps_its_interface_and_resolves_its_environment_label()
    {
        await Ws.Environments.CreateOrUpdateAsync(Env("comp-env"));
        await Ws.Environments.CreateOrUpdateAsync(Env("comp-env", image: Image + "-2"));
        var folder = Path.GetDirectoryName(Scratch("comp/component.yml"))!;
        await File.WriteAllTextAsync(Path.Combine(folder, "component.yml"), """
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            name: train_model
            display_name: Train
            type: command
            inputs:
              training_data: {type: uri_folder}
              max_epochs: {type: integer, default: 10, min: 1, max: 100}
              learning_rate: {type: number, default: 0.01}
              optimizer: {type: string, default: adam, enum: [adam, sgd]}
              seed: {type: integer, optional: true}
            outputs:
              model_output: {type: mlflow_model}
            command: >-
              echo ${{inputs.training_data}} ${{inputs.max_epochs}} ${{inputs.learning_rate}} ${{inputs.optimizer}}
              $[[--seed ${{inputs.seed}}]] ${{outputs.model_output}}
            environment: azureml:comp-env@latest
            """);

        var created = await Ws.Components.CreateOrUpdateAsync(CommandComponent.Load(Path.Combine(folder, "component.yml")));
        var got = await Ws.Components.GetAsync("train_model", "1");

        Assert.Equal("1", created.Version);
        Assert.Equal("Train", got.DisplayName);
        Assert.Equal("azureml:comp-env:2", got.Environment!.Reference);
        Assert.Equal(InputType.Integer, got.Inputs["max_epochs"].Type);
        Assert.Equal(10L, got.Inputs["max_epochs"].Default);
        Assert.Equal(100d, got.Inputs["max_epochs"].Max);
        Assert.Equal(0.01, got.Inputs["learning_rate"].Default);
        Assert.Equal(["adam", "sgd"], got.Inputs["optimizer"].Enum!);
        Assert.True(got.Inputs["seed"].Optional);
        Assert.Equal(OutputType.MLFlowModel, got.Outputs["model_output"].Type);

        var job = got.ToJob(new() { ["training_data"] = Input.UriFolder("azureml:iris-folder:1"), ["max_epochs"] = 5 });
        Assert.Equal(5L, job.Inputs["max_epochs"].Value);
        Assert.Equal("adam", job.Inputs["optimizer"].Value);
        Assert.Same(got, job.Component);
    }

    [Fact]
    public async Task Component_versions_are_immutable()
    {
        var component = new CommandComponent { Name = "echoer", Version = "1", Command = "echo hello", Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest" };
        await Ws.Components.CreateOrUpdateAsync(component);
        await Ws.Components.CreateOrUpdateAsync(component); // same content: idempotent

        var ex = await Assert.ThrowsAsync<ResourceExistsException>(() => Ws.Components.CreateOrUpdateAsync(
            new CommandComponent { Name = "echoer", Version = "1", Command = "echo changed", Environment = component.Environment }));

        Assert.Contains("echoer", ex.Message, StringComparison.Ordinal);
        Assert.Equal("echo hello", (await Ws.Components.GetAsync("echoer")).Command);
        Assert.Equal("azureml://registries/azureml/environments/sklearn-1.5/labels/latest", (await Ws.Components.GetAsync("echoer")).Environment!.Reference);
    }

    [Fact]
    public async Task Component_naming_a_missing_environment_is_rejected_naming_it()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Components.CreateOrUpdateAsync(
            new CommandComponent { Name = "orphan", Command = "echo", Environment = "azureml:no-such-env@latest" }));

        Assert.Contains("no-such-env", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Components.GetAsync("orphan"));
    }

    // ---- errors ------------------------------------------------------------------------------

    [Fact]
    public async Task Missing_assets_are_not_found_naming_them()
    {
        var data = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Data.GetAsync("nowhere"));
        var env = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Environments.GetAsync("nowhere-env", "3"));
        var comp = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Components.GetAsync("nowhere_comp", label: "latest"));

        Assert.Contains("nowhere", data.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere-env", env.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere_comp", comp.Message, StringComparison.Ordinal);
        Assert.Equal(404, data.Status);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Data.ArchiveAsync("nowhere"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Environments.RestoreAsync("nowhere-env", "1"));
    }

    [Fact]
    public async Task Bad_names_versions_and_labels_are_rejected_before_any_call()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Data.GetAsync("has space"));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Data.GetAsync("ok", version: "1", label: "latest"));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Environments.GetAsync("ok", label: "production"));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Environments.CreateOrUpdateAsync(Env("ok", "latest")));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Environments.CreateOrUpdateAsync(new EnvironmentAsset { Image = Image }));
        await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "missing", Path = Scratch("not/there") }));
        await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Components.CreateOrUpdateAsync(new CommandComponent { Name = "bad", Command = "echo ${{inputs.nope}}" }));
    }
}
