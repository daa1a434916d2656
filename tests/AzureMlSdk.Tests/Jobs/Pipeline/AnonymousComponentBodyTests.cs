using System.Text.Json;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Jobs;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>
/// The anonymous component versions the Remote backend creates for a pipeline's command steps (as azure-ai-ml does): each body validates
/// against the 2026-07-01 <c>ComponentVersion</c> schema, is anonymous, declares the step's inputs typed from what they bind, and its
/// version is a content hash of at most 30 characters that changes exactly when the component does.
/// </summary>
public sealed class AnonymousComponentBodyTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    private const string Ws = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";

    private static PipelineJob Pipeline(string command = "tr a-z A-Z < ${{inputs.i}}/w.txt > ${{outputs.o}}/w.txt $[[--n ${{inputs.n}}]]") => new()
    {
        Inputs = { ["word"] = "hi", ["epochs"] = 3, ["raw"] = Input.UriFile("azureml://datastores/workspaceblobstore/paths/raw.csv") },
        Jobs =
        {
            ["make"] = new CommandJob
            {
                Command = "echo ${{inputs.w}} ${{inputs.e}} ${{inputs.r}} > ${{outputs.o}}/w.txt",
                Inputs = { ["w"] = "${{parent.inputs.word}}", ["e"] = "${{parent.inputs.epochs}}", ["r"] = "${{parent.inputs.raw}}" },
                Outputs = { ["o"] = Output.UriFolder() },
            },
            ["shout"] = new CommandJob
            {
                Command = command, Inputs = { ["i"] = "${{parent.jobs.make.outputs.o}}" }, Outputs = { ["o"] = Output.UriFile() },
            },
        },
    };

    private static CommandComponent Anonymous(PipelineJob pipeline, string step)
    {
        var source = RemoteJobBackend.StepComponent(pipeline, pipeline.Jobs.AsReadOnly(), (CommandJob)pipeline.Jobs[step]);
        var resolved = new CommandComponent(source)
        {
            Name = RemoteJobBackend.AnonymousComponentName,
            Version = null,
            Environment = JobEnvironment.FromReference($"{Ws}/environments/CliV2AnonymousEnvironment/versions/0123456789abcdef0123456789abcd"),
        };
        return new CommandComponent(resolved) { Version = RemoteJobBackend.AnonymousVersion(resolved) };
    }

    [Fact]
    public void A_steps_component_version_body_validates_is_anonymous_and_declares_the_bound_types()
    {
        var make = Anonymous(Pipeline(), "make");
        var shout = Anonymous(Pipeline(), "shout");

        foreach (var component in new[] { make, shout })
        {
            var body = RemoteAssetStore.AnonymousComponentBody(component);
            body.Name = component.Version;
            var json = JsonSerializer.SerializeToElement(body, ArmJsonContext.Default.ArmResourceComponentVersionProperties);
            Assert.Empty(Spec.Validate(json, Spec.Definition("ComponentVersion").Schema, Spec.Root));
            Assert.True(json.GetProperty("properties").GetProperty("isAnonymous").GetBoolean());
            var spec = json.GetProperty("properties").GetProperty("componentSpec");
            Assert.Equal("azureml_anonymous", spec.GetProperty("name").GetString());
            Assert.Equal("command", spec.GetProperty("type").GetString());
            Assert.StartsWith($"{Ws}/environments/", spec.GetProperty("environment").GetString(), StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{30}$", component.Version);
        }
        Assert.Equal(InputType.String, make.Inputs["w"].Type);
        Assert.Equal(InputType.Integer, make.Inputs["e"].Type);
        Assert.Equal(InputType.UriFile, make.Inputs["r"].Type);
        Assert.Equal(InputType.UriFolder, shout.Inputs["i"].Type);                    // a step output's type
        Assert.True(shout.Inputs["n"].Optional);                                      // named only in an optional part
        Assert.Equal(OutputType.UriFile, shout.Outputs["o"].Type);
        shout.Validate();                                                             // what the service checks when it stores it
    }

    [Fact]
    public void The_version_names_the_content_the_same_step_again_the_same_version_another_command_another()
    {
        var first = Anonymous(Pipeline(), "shout");
        var again = Anonymous(Pipeline(), "shout");
        var changed = Anonymous(Pipeline("tr a-z A-Z < ${{inputs.i}}/w.txt > ${{outputs.o}}/other.txt"), "shout");

        Assert.Equal(first.Version, again.Version);
        Assert.NotEqual(first.Version, changed.Version);
        Assert.NotEqual(first.Version, Anonymous(Pipeline(), "make").Version);
    }
}
