using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs.Yaml;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.Tests.Assets;

/// <summary>Every body the remote asset and compute stores send, validated against the 2026-07-01 spec, and read back.</summary>
public sealed class AssetArmBodyTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private static List<string> Problems<T>(T body, JsonTypeInfo<T> type, string definition) =>
        Spec.Validate(JsonSerializer.SerializeToElement(body, type), Spec.Definition(definition).Schema, Spec.Root);

    [Fact]
    public void Data_version_body_validates_and_reads_back()
    {
        var data = new DataAsset
        {
            Name = "iris",
            Version = "3",
            Type = InputType.MLTable,
            Path = "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/iris/",
            Description = "table",
            Tags = new Dictionary<string, string> { ["team"] = "a" },
        };

        var body = RemoteAssetStore.DataBody(data, archived: false);

        Assert.Empty(Problems(body, ArmJsonContext.Default.ArmResourceDataVersionProperties, "DataVersionBase"));
        Assert.Equal("mltable", body.Properties!.DataType);
        body.Name = "3";
        var back = RemoteAssetStore.DataFromArm("iris", body);
        Assert.Equal(AssetSpecs.ImmutableCanonical(AssetSpecs.ToSpec(data)), AssetSpecs.ImmutableCanonical(AssetSpecs.ToSpec(back)));
    }

    [Fact]
    public void Environment_version_bodies_validate_and_read_back()
    {
        var image = new EnvironmentAsset
        {
            Name = "sk",
            Version = "1",
            Image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04",
            CondaSpecification = "dependencies:\n- python=3.11",
            OsType = "linux",
            InferenceConfig = new Dictionary<string, object?>
            {
                ["liveness_route"] = new Dictionary<string, object?> { ["path"] = "/live", ["port"] = 5001L },
                ["scoring_route"] = new Dictionary<string, object?> { ["path"] = "/score", ["port"] = 5001L },
            },
        };
        var build = new EnvironmentAsset { Name = "built", Version = "2", Build = new BuildContext { Path = "azureml://datastores/workspaceblobstore/paths/LocalUpload/h/ctx/", DockerfilePath = "Dockerfile" } };

        foreach (var env in new[] { image, build })
        {
            var body = new ArmResource<EnvironmentVersionProperties> { Name = env.Version, Properties = RemoteAssetStore.EnvironmentToArm(env) };
            Assert.Empty(Problems(body, ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties, "EnvironmentVersion"));
            var back = RemoteAssetStore.EnvironmentFromArm(env.Name!, body);
            Assert.Equal(AssetSpecs.ImmutableCanonical(AssetSpecs.ToSpec(env)), AssetSpecs.ImmutableCanonical(AssetSpecs.ToSpec(back)));
        }
        Assert.Equal("Linux", RemoteAssetStore.EnvironmentToArm(image).OsType);
        Assert.Equal(5001, RemoteAssetStore.EnvironmentToArm(image).InferenceConfig!.ScoringRoute!.Port);
    }

    [Fact]
    public void An_unknown_inference_route_is_rejected_naming_it()
    {
        var ex = Assert.Throws<InvalidInputException>(() => RemoteAssetStore.InferenceToArm(new Dictionary<string, object?> { ["health_route"] = new Dictionary<string, object?>() }));
        Assert.Contains("health_route", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Component_version_body_validates_and_reads_back()
    {
        var component = new CommandComponent
        {
            Name = "train_model",
            Version = "1",
            DisplayName = "Train",
            Description = "trains",
            Inputs = new Dictionary<string, ComponentInput> { ["data"] = new() { Type = InputType.UriFolder }, ["epochs"] = new() { Type = InputType.Integer, Default = 10L } },
            Outputs = new Dictionary<string, ComponentOutput> { ["model"] = new() { Type = OutputType.MLFlowModel } },
            Command = "python train.py ${{inputs.data}} ${{inputs.epochs}} ${{outputs.model}}",
            Code = "azureml:/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w/codes/abc/versions/1",
            Environment = "azureml:sk:1",
        };
        var spec = AssetSpecs.ToSpec(component);

        var body = RemoteAssetStore.ComponentBody(component, spec, archived: false);
        body.Name = "1";

        Assert.Empty(Problems(body, ArmJsonContext.Default.ArmResourceComponentVersionProperties, "ComponentVersion"));
        var back = RemoteAssetStore.ComponentFromArm("train_model", body);
        Assert.Equal(AssetSpecs.ImmutableCanonical(spec), AssetSpecs.ImmutableCanonical(AssetSpecs.ToSpec(back)));
        Assert.Equal("trains", back.Description);
    }

    [Fact]
    public void Container_archive_bodies_validate()
    {
        Assert.Empty(Problems(new ArmResource<DataContainerProperties> { Properties = new() { DataType = "uri_folder", IsArchived = true } }, ArmJsonContext.Default.ArmResourceDataContainerProperties, "DataContainer"));
        Assert.Empty(Problems(new ArmResource<EnvironmentContainerProperties> { Properties = new() { IsArchived = true } }, ArmJsonContext.Default.ArmResourceEnvironmentContainerProperties, "EnvironmentContainer"));
        Assert.Empty(Problems(new ArmResource<ComponentContainerProperties> { Properties = new() { IsArchived = false } }, ArmJsonContext.Default.ArmResourceComponentContainerProperties, "ComponentContainer"));
    }

    [Fact]
    public void Compute_body_is_an_amlcompute_with_its_scale_settings()
    {
        var compute = new ComputeDefinition { Name = "cpu-cluster", MaxInstances = 4, MinInstances = 1, Size = "STANDARD_D2_V3", Tier = "low_priority", IdleTimeBeforeScaleDown = TimeSpan.FromMinutes(3), Description = "pool" };

        var body = RemoteComputes.ToArm(compute, "westeurope");

        Assert.Empty(Problems(body, ArmJsonContext.Default.ArmResourceComputeProperties, "ComputeResource"));
        Assert.Equal("AmlCompute", body.Properties!.ComputeType);
        Assert.Equal(4, body.Properties.Properties!.ScaleSettings!.MaxNodeCount);
        Assert.Equal("PT3M", body.Properties.Properties.ScaleSettings.NodeIdleTimeBeforeScaleDown);
        Assert.Equal("LowPriority", body.Properties.Properties.VmPriority);
        body.Name = "cpu-cluster";
        body.Properties.ProvisioningState = "Succeeded";
        var data = RemoteComputes.FromArm(body);
        Assert.Equal(("cpu-cluster", "amlcompute", 1, 4, "STANDARD_D2_V3", "Succeeded"), (data.Name, data.Type, data.MinInstances, data.MaxInstances, data.Size, data.State));
    }

    [Fact]
    public void Code_version_body_validates()
    {
        var body = new ArmResource<CodeVersionProperties>
        {
            Properties = new CodeVersionProperties
            {
                CodeUri = "https://account.blob.core.windows.net/azureml-blobstore-x/LocalUpload/abc/src",
                IsAnonymous = true,
                IsArchived = false,
                Properties = new Dictionary<string, string?> { ["azureml.sdk.fileCount"] = "3" },
            },
        };
        Assert.Empty(Problems(body, ArmJsonContext.Default.ArmResourceCodeVersionProperties, "CodeVersion"));
    }

    [Fact]
    public void The_spec_examples_of_environment_data_and_code_versions_read_into_definitions()
    {
        string Example(string path) => new[] { "2026-07-01", "2025-09-01-examples" }
            .Select(f => Path.Combine(SpecRoot, f, "examples", "Workspace", path, "createOrUpdate.json")).First(File.Exists);
        JsonElement Body(string path) => JsonDocument.Parse(File.ReadAllText(Example(path))).RootElement.GetProperty("parameters").GetProperty("body");

        var env = JsonSerializer.Deserialize(Body("EnvironmentVersion").GetRawText(), ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties)!;
        env.Name = "1";
        var definition = RemoteAssetStore.EnvironmentFromArm("env", env);
        Assert.NotNull(definition.Image ?? definition.Build?.Path);

        var data = JsonSerializer.Deserialize(Body("DataVersionBase").GetRawText(), ArmJsonContext.Default.ArmResourceDataVersionProperties)!;
        Assert.False(string.IsNullOrEmpty(RemoteAssetStore.DataFromArm("d", data).Path));
    }
}
