namespace AzureMlSdk.ContractTests.Assets;

/// <summary>Asset content: local data and code folders uploaded to the workspace's default datastore, once per content.</summary>
public abstract partial class AssetContractTests
{
    private string Files(string folder, params (string Path, string Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            File.WriteAllText(Scratch(Path.Combine(folder, path)), content);
        }
        return Path.GetDirectoryName(Scratch(Path.Combine(folder, "x")))!;
    }

    [Fact]
    public async Task Local_folder_data_is_uploaded_to_the_default_datastore_once_per_content()
    {
        var folder = Files("iris", ("train.csv", "a,b\n1,2\n"), ("test/test.csv", "a,b\n3,4\n"));

        var first = await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris-folder", Path = folder });
        var second = await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris-folder", Path = folder });
        File.WriteAllText(Path.Combine(folder, "train.csv"), "a,b\n5,6\n");
        var third = await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris-folder", Path = folder });

        Assert.StartsWith("azureml://datastores/workspaceblobstore/paths/LocalUpload/", first.Path, StringComparison.Ordinal);
        Assert.EndsWith("/iris/", first.Path, StringComparison.Ordinal);
        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first.Path, third.Path);
        Assert.Equal(["1", "2", "3"], new[] { first.Version!, second.Version!, third.Version! });
        Assert.Equal(first.Path, (await Ws.Data.GetAsync("iris-folder", "1")).Path);
    }

    [Fact]
    public async Task Local_file_and_mltable_data_from_yaml()
    {
        var folder = Files("mlt", ("table/MLTable", "paths:\n  - file: ./iris.csv\ntransformations:\n  - read_delimited:\n      delimiter: ','\n"),
            ("table/iris.csv", "a,b\n1,2\n"), ("one.csv", "x\n1\n"),
            ("table.yml", "$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: iris-table\ntype: mltable\npath: ./table\n"),
            ("file.yml", "name: one-file\nversion: \"5\"\ntype: uri_file\npath: ./one.csv\ndescription: one csv\n"));

        var table = await Ws.Data.CreateOrUpdateAsync(DataAsset.Load(Path.Combine(folder, "table.yml")));
        var file = await Ws.Data.CreateOrUpdateAsync(DataAsset.Load(Path.Combine(folder, "file.yml")));

        Assert.Equal(InputType.MLTable, table.Type);
        Assert.EndsWith("/table/", table.Path, StringComparison.Ordinal);
        Assert.Equal("5", file.Version);
        Assert.Equal(InputType.UriFile, file.Type);
        Assert.EndsWith("/one.csv", file.Path, StringComparison.Ordinal);
        Assert.Equal("one csv", (await Ws.Data.GetAsync("one-file", label: "latest")).Description);
    }

    [Fact]
    public async Task Component_code_folder_is_snapshotted_once_per_content()
    {
        var code = Files("src", ("train.py", "print('hi')\n"), (".amlignore", "*.tmp\n"), ("scratch.tmp", "ignored"));
        CommandComponent Component(string? version = null) => new()
        {
            Name = "coded",
            Version = version,
            Command = "python train.py",
            Code = code,
            Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
        };

        var first = await Ws.Components.CreateOrUpdateAsync(Component("1"));
        var again = await Ws.Components.CreateOrUpdateAsync(Component("1"));
        File.WriteAllText(Path.Combine(code, "scratch.tmp"), "still ignored, same snapshot");
        var next = await Ws.Components.CreateOrUpdateAsync(Component());
        File.WriteAllText(Path.Combine(code, "train.py"), "print('changed')\n");
        var changed = await Ws.Components.CreateOrUpdateAsync(Component());
        var conflict = await Assert.ThrowsAsync<ResourceExistsException>(() => Ws.Components.CreateOrUpdateAsync(Component("1")));

        Assert.NotNull(first.Code);
        Assert.NotEqual(AssetReferenceKind.LocalPath, AssetReference.Parse(first.Code!).Kind);
        Assert.Equal(first.Code, again.Code);
        Assert.Equal(first.Code, next.Code);
        Assert.Equal("2", next.Version);
        Assert.NotEqual(first.Code, changed.Code);
        Assert.Contains("coded", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(first.Code, (await Ws.Components.GetAsync("coded", "1")).Code);
    }
}
