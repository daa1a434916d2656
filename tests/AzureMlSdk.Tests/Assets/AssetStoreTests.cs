using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Jobs.Yaml;
using NSubstitute;

namespace AzureMlSdk.Tests.Assets;

/// <summary>The local asset store and the preparation every backend shares, with a substitute datastore and code store.</summary>
public sealed class AssetStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-assets-" + Guid.NewGuid().ToString("N"));
    private readonly IDatastoreBackend _datastore = Substitute.For<IDatastoreBackend>();
    private readonly LocalDatastore _local;
    private readonly LocalAssetBackend _store;

    public AssetStoreTests()
    {
        Directory.CreateDirectory(_root);
        _datastore.DefaultDatastoreName.Returns("workspaceblobstore");
        _datastore.ListFilesAsync(Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException<IReadOnlyList<DatastoreFile>>(new ResourceNotFoundException("nothing there")));
        _datastore.UploadAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<string?>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(c => AssetPreparation.DatastoreUri(c.ArgAt<string?>(2) ?? "workspaceblobstore", c.ArgAt<string>(1)));
        var ws = Path.Combine(_root, "ws");
        _local = new LocalDatastore(ws);
        _store = new LocalAssetBackend(new LocalDatabase(ws), ws, _local, TimeProvider.System);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Folder(string name, params (string Path, string Content)[] files)
    {
        var folder = Path.Combine(_root, "src", name);
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Directory.CreateDirectory(folder);
        return folder;
    }

    [Fact]
    public async Task Local_folder_data_is_uploaded_under_LocalUpload_and_its_hash_and_stored_as_a_datastore_uri()
    {
        var folder = Folder("iris", ("train.csv", "a,b\n1,2\n"), ("nested/test.csv", "a,b\n3,4\n"));
        var hash = await ContentHash.ComputeAsync(folder, default);

        var stored = await _store.CreateDataAsync(new DataAsset { Name = "iris", Path = folder }, null, default);

        var expected = $"azureml://datastores/workspaceblobstore/paths/LocalUpload/{hash}/iris/";
        Assert.Equal(expected, stored.Definition.Path);
        Assert.Equal("azureml:iris:1", stored.Id);
        var there = _local.TryGetLocalPath(expected);
        Assert.Equal("a,b\n3,4\n", File.ReadAllText(Path.Combine(there!, "nested", "test.csv")));
        Assert.Equal(expected, (await _store.GetDataAsync("iris", null, "latest", default)).Definition.Path);
    }

    [Fact]
    public async Task Upload_goes_to_LocalUpload_hash_and_name_of_the_datastore()
    {
        var folder = Folder("up", ("a.txt", "1"));
        var hash = await ContentHash.ComputeAsync(folder, default);

        var uri = await AssetPreparation.UploadAsync(folder, null, _datastore, null, default);

        Assert.Equal($"azureml://datastores/workspaceblobstore/paths/LocalUpload/{hash}/up/", uri);
        await _datastore.Received(1).UploadAsync(folder, $"LocalUpload/{hash}/up", "workspaceblobstore", Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Content_already_in_the_datastore_is_not_uploaded_again()
    {
        var folder = Folder("same", ("a.txt", "12345"), ("b/c.txt", "xy"));
        _datastore.ListFilesAsync(Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns([new DatastoreFile("a.txt", 5), new DatastoreFile("b/c.txt", 2)]);

        var uri = await AssetPreparation.UploadAsync(folder, null, _datastore, null, default);

        Assert.EndsWith("/same/", uri, StringComparison.Ordinal);
        await _datastore.DidNotReceiveWithAnyArgs().UploadAsync(default!, default!, default, default, default);
    }

    [Fact]
    public async Task A_partial_upload_is_uploaded_again()
    {
        var folder = Folder("partial", ("a.txt", "12345"), ("b.txt", "xy"));
        _datastore.ListFilesAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns([new DatastoreFile("a.txt", 5)]);

        await AssetPreparation.UploadAsync(folder, null, _datastore, null, default);

        await _datastore.ReceivedWithAnyArgs(1).UploadAsync(default!, default!, default, default, default);
    }

    [Fact]
    public async Task A_uri_file_goes_to_the_named_datastore_and_keeps_its_file_name()
    {
        var folder = Folder("files", ("iris.csv", "x"));
        var file = Path.Combine(folder, "iris.csv");

        var prepared = await AssetPreparation.PrepareDataAsync(new DataAsset { Name = "f", Type = InputType.UriFile, Path = file, Datastore = "other" }, _datastore, null, default);

        Assert.StartsWith("azureml://datastores/other/paths/LocalUpload/", prepared.Path, StringComparison.Ordinal);
        Assert.EndsWith("/iris.csv", prepared.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_local_uri_file_is_stored_and_readable_in_the_local_datastore()
    {
        var folder = Folder("one", ("iris.csv", "x,y"));

        var stored = await _store.CreateDataAsync(new DataAsset { Name = "one", Type = InputType.UriFile, Path = Path.Combine(folder, "iris.csv") }, null, default);

        Assert.EndsWith("/iris.csv", stored.Definition.Path, StringComparison.Ordinal);
        Assert.Equal("x,y", File.ReadAllText(_local.TryGetLocalPath(stored.Definition.Path)!));
    }

    [Fact]
    public async Task The_same_local_data_created_again_under_its_version_is_idempotent()
    {
        var folder = Folder("again", ("a.txt", "1"));

        var first = await _store.CreateDataAsync(new DataAsset { Name = "again", Version = "1", Path = folder }, null, default);
        var second = await _store.CreateDataAsync(new DataAsset { Name = "again", Version = "1", Path = folder }, null, default);
        File.WriteAllText(Path.Combine(folder, "a.txt"), "changed");
        var ex = await Assert.ThrowsAsync<ResourceExistsException>(() => _store.CreateDataAsync(new DataAsset { Name = "again", Version = "1", Path = folder }, null, default));

        Assert.Equal(first.Definition.Path, second.Definition.Path);
        Assert.Contains("'again' version '1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_compare_case_insensitively_and_keep_their_first_spelling()
    {
        await _store.CreateEnvironmentAsync(new EnvironmentAsset { Name = "Trainer", Image = "python:3.11" }, default);
        var second = await _store.CreateEnvironmentAsync(new EnvironmentAsset { Name = "trainer", Image = "python:3.12" }, default);

        Assert.Equal("2", second.Version);
        Assert.Equal("Trainer", second.Name);
    }

    [Fact]
    public async Task A_local_build_context_is_uploaded_and_recorded_by_uri()
    {
        var context = Folder("ctx", ("Dockerfile", "FROM python:3.11\n"), ("requirements.txt", "numpy\n"));

        var stored = await _store.CreateEnvironmentAsync(new EnvironmentAsset { Name = "built", Build = new BuildContext { Path = context } }, default);

        Assert.StartsWith("azureml://datastores/workspaceblobstore/paths/LocalUpload/", stored.Definition.Build!.Path, StringComparison.Ordinal);
        Assert.EndsWith("/ctx/", stored.Definition.Build.Path, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_local.TryGetLocalPath(stored.Definition.Build.Path)!, "Dockerfile")));
    }

    [Fact]
    public async Task Listing_pages_through_every_version()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.CreateEnvironmentAsync(new EnvironmentAsset { Name = "paged", Image = $"python:3.{i}" }, default);
        }

        var versions = new List<string>();
        string? token = null;
        do
        {
            var page = await _store.ListAsync(new AssetQuery(AssetKind.Environment, "paged", MaxResults: 2, PageToken: token), default);
            Assert.True(page.Items.Count <= 2);
            versions.AddRange(page.Items.Select(i => i.Version));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(["5", "4", "3", "2", "1"], versions);
        await Assert.ThrowsAsync<InvalidInputException>(() => _store.ListAsync(new AssetQuery(AssetKind.Environment, "paged", PageToken: "bogus"), default));
    }

    [Fact]
    public async Task A_component_code_folder_is_snapshotted_with_its_additional_includes()
    {
        var code = Folder("code", ("train.py", "print(1)"));
        var shared = Folder("shared", ("util.py", "x = 1"));
        var assets = Substitute.For<IAssetBackend>();
        string? snapshotted = null;
        assets.CreateCodeAsync(Arg.Any<string>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>()).Returns(c =>
        {
            var dir = c.ArgAt<string>(0);
            Assert.True(File.Exists(Path.Combine(dir, "train.py")));
            Assert.True(File.Exists(Path.Combine(dir, "shared", "util.py")));
            snapshotted = dir;
            return new CodeSnapshot("azureml:abc:1", "abc", "1", "abc", "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/code", 2, 13, true);
        });

        var prepared = await AssetPreparation.PrepareComponentAsync(
            new CommandComponent { Name = "c", Command = "python train.py", Code = code, AdditionalIncludes = [shared] }, assets, _datastore, null, default);

        Assert.Equal("azureml:abc:1", prepared.Code);
        Assert.Empty(prepared.AdditionalIncludes);
        Assert.False(Directory.Exists(snapshotted), "the staging copy is removed after the snapshot");
    }

    [Fact]
    public async Task A_component_code_folder_without_includes_is_snapshotted_in_place()
    {
        var code = Folder("inplace", ("train.py", "print(1)"));
        var assets = Substitute.For<IAssetBackend>();
        assets.CreateCodeAsync(code, Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(new CodeSnapshot("id-1", "h", "1", "h", "uri", 1, 8, false));

        var prepared = await AssetPreparation.PrepareComponentAsync(new CommandComponent { Name = "c", Command = "python train.py", Code = code }, assets, _datastore, null, default);

        Assert.Equal("id-1", prepared.Code);
    }

    [Fact]
    public void Next_version_follows_the_highest_integer()
    {
        Assert.Equal("1", AssetPreparation.NextVersion([]));
        Assert.Equal("1", AssetPreparation.NextVersion(["beta"]));
        Assert.Equal("11", AssetPreparation.NextVersion(["2", "10", "beta", "9"]));
    }

    [Fact]
    public async Task Content_hash_depends_on_paths_and_bytes()
    {
        var a = Folder("ha", ("x.txt", "1"));
        var b = Folder("hb", ("x.txt", "1"));
        var c = Folder("hc", ("y.txt", "1"));

        Assert.Equal(await ContentHash.ComputeAsync(a, default), await ContentHash.ComputeAsync(b, default));
        Assert.NotEqual(await ContentHash.ComputeAsync(a, default), await ContentHash.ComputeAsync(c, default));
        await Assert.ThrowsAsync<InvalidInputException>(() => ContentHash.ComputeAsync(Path.Combine(_root, "none"), default));
    }
}

/// <summary>Definitions as az ml spec JSON and back.</summary>
public sealed class AssetSpecTests
{
    [Fact]
    public void A_component_round_trips_through_its_spec()
    {
        var component = new CommandComponent
        {
            Name = "full",
            Version = "3",
            DisplayName = "Full",
            Description = "every field",
            Tags = new Dictionary<string, string> { ["a"] = "b" },
            Inputs = new Dictionary<string, ComponentInput>
            {
                ["data"] = new() { Type = InputType.UriFolder, Mode = InputMode.Download },
                ["lr"] = new() { Type = InputType.Number, Default = 1e-5, Min = 0, Max = 1 },
                ["n"] = new() { Type = InputType.Integer, Default = 3L },
                ["flag"] = new() { Type = InputType.Boolean, Default = true, Optional = true },
                ["text"] = new() { Type = InputType.String, Default = "10", Enum = ["10", "20"], Description = "quoted number" },
            },
            Outputs = new Dictionary<string, ComponentOutput> { ["model"] = new() { Type = OutputType.MLFlowModel, Mode = OutputMode.Upload } },
            Command = "python train.py --data ${{inputs.data}} --lr ${{inputs.lr}} -n ${{inputs.n}} $[[--flag ${{inputs.flag}}]] ${{inputs.text}} ${{outputs.model}}",
            Code = "azureml:/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/z/codes/abc/versions/1",
            Environment = new EnvironmentAsset { Image = "python:3.11", CondaSpecification = "dependencies:\n- python=3.11\n- pip:\n  - numpy" },
            EnvironmentVariables = new Dictionary<string, string> { ["MODE"] = "fast" },
            Resources = new JobResources { InstanceCount = 2, InstanceType = "Standard_DS3_v2", ShmSize = "2g" },
            Distribution = new PyTorchDistribution { ProcessCountPerInstance = 4 },
            IsDeterministic = false,
        };

        var spec = AssetSpecs.ToSpec(component);
        var back = AssetSpecs.ComponentFromSpec(JsonNode.Parse(spec.ToJsonString())!.AsObject(), "test");

        Assert.Equal(AssetSpecs.Canonical(spec), AssetSpecs.Canonical(AssetSpecs.ToSpec(back)));
        Assert.Equal(1e-5, back.Inputs["lr"].Default);
        Assert.Equal(3L, back.Inputs["n"].Default);
        Assert.Equal("10", back.Inputs["text"].Default);
        Assert.Equal(true, back.Inputs["flag"].Default);
        Assert.Equal(InputMode.Download, back.Inputs["data"].Mode);
        Assert.Contains("numpy", back.Environment!.Inline!.CondaSpecification, StringComparison.Ordinal);
        Assert.Equal(4, Assert.IsType<PyTorchDistribution>(back.Distribution).ProcessCountPerInstance);
        Assert.Equal(2, back.Resources!.InstanceCount);
        Assert.False(back.IsDeterministic);
        Assert.Equal("command", spec["type"]!.GetValue<string>());
    }

    [Fact]
    public void A_spec_with_an_unknown_key_is_rejected_naming_it_but_azure_ai_ml_private_keys_are_ignored()
    {
        var spec = new JsonObject { ["name"] = "c", ["command"] = "echo", ["_source"] = "YAML.COMPONENT" };
        Assert.Equal("c", AssetSpecs.ComponentFromSpec(spec, "spec").Name);

        spec["comand"] = "typo";
        var ex = Assert.Throws<JobDefinitionException>(() => AssetSpecs.ComponentFromSpec(spec, "spec"));
        Assert.Contains("comand", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_and_environments_round_trip()
    {
        var data = new DataAsset { Name = "d", Version = "1", Type = InputType.MLTable, Path = "azureml://datastores/ws/paths/t/", Properties = new Dictionary<string, string> { ["p"] = "q" } };
        var env = new EnvironmentAsset
        {
            Name = "e",
            Version = "2",
            Build = new BuildContext { Path = "https://example/ctx", DockerfilePath = "docker/Dockerfile" },
            OsType = "linux",
            InferenceConfig = new Dictionary<string, object?> { ["scoring_route"] = new Dictionary<string, object?> { ["port"] = 5001L, ["path"] = "/score" } },
        };

        var data2 = AssetSpecs.DataFromSpec(AssetSpecs.ToSpec(data));
        var env2 = AssetSpecs.EnvironmentFromSpec(AssetSpecs.ToSpec(env));

        Assert.Equal(InputType.MLTable, data2.Type);
        Assert.Equal("q", data2.Properties["p"]);
        Assert.Equal("docker/Dockerfile", env2.Build!.DockerfilePath);
        Assert.Equal(AssetSpecs.Canonical(AssetSpecs.ToSpec(env)), AssetSpecs.Canonical(AssetSpecs.ToSpec(env2)));
    }
}
