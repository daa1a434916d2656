using AzureMlSdk.Studio.Internal;
using AzureMlSdk.Tests.Jobs.Pipeline;

namespace AzureMlSdk.Studio.Tests;

/// <summary>The designer's graph → <see cref="PipelineJob"/>: the same job the equivalent YAML gives, its YAML round trip, and the problems it names.</summary>
public sealed class DesignerGraphTests
{
    private static readonly CommandComponent Prep = new()
    {
        Name = "prep",
        Version = "1",
        Command = "seq ${{inputs.rows}} > ${{outputs.clean}}/data.txt",
        Inputs = { ["rows"] = new ComponentInput { Type = InputType.Integer, Default = 3L, Min = 1, Max = 1000 } },
        Outputs = { ["clean"] = new ComponentOutput { Type = OutputType.UriFolder } },
    };

    private static readonly CommandComponent Train = new()
    {
        Name = "train",
        Version = "2",
        Command = "cat ${{inputs.data}}/data.txt; echo ${{inputs.lr}} ${{inputs.kernel}} > ${{outputs.model}}/m.txt",
        Inputs =
        {
            ["data"] = new ComponentInput { Type = InputType.UriFolder },
            ["lr"] = new ComponentInput { Type = InputType.Number },
            ["kernel"] = new ComponentInput { Type = InputType.String, Optional = true, Enum = ["rbf", "linear"] },
        },
        Outputs = { ["model"] = new ComponentOutput { Type = OutputType.CustomModel } },
    };

    private static readonly Dictionary<(string, string), CommandComponent> Components = new() { [("prep", "1")] = Prep, [("train", "2")] = Train };

    private const string TwoSteps = """
        {
          "displayName": "designed", "experimentName": "designer-exp", "defaultCompute": "local", "forceRerun": true,
          "inputs": [ { "name": "rate", "type": "number", "value": "0.05" } ],
          "steps": [
            { "name": "prep", "component": "prep", "version": "1", "x": 10, "y": 20,
              "inputs": { "rows": { "kind": "literal", "value": "5" } } },
            { "name": "train", "component": "train", "version": "2", "displayName": "Train it",
              "inputs": { "data": { "kind": "step", "value": "prep.clean" }, "lr": { "kind": "parent", "value": "rate" }, "kernel": { "kind": "literal", "value": "rbf" } },
              "outputs": { "model": { "expose": "trained" } } }
          ]
        }
        """;

    /// <summary>What a user writes by hand for the same pipeline.</summary>
    private const string TwoStepsYaml = """
        $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
        type: pipeline
        display_name: designed
        experiment_name: designer-exp
        inputs:
          rate: 0.05
        outputs:
          trained:
            type: custom_model
        settings:
          default_compute: local
          force_rerun: true
        jobs:
          prep:
            type: command
            component: azureml:prep:1
            inputs:
              rows: 5
          train:
            type: command
            component: azureml:train:2
            display_name: Train it
            inputs:
              data: ${{parent.jobs.prep.outputs.clean}}
              lr: ${{parent.inputs.rate}}
              kernel: rbf
            outputs:
              model:
                type: custom_model
                path: ${{parent.outputs.trained}}
        """;

    private static (PipelineJob? Pipeline, IReadOnlyList<DesignerProblem> Problems) Build(string json) => DesignerGraph.Parse(json).Build(Components);

    private static IReadOnlyList<DesignerProblem> Problems(string json)
    {
        var (pipeline, problems) = Build(json);
        Assert.Null(pipeline);
        Assert.NotEmpty(problems);
        return problems;
    }

    [Fact]
    public void A_designed_graph_builds_the_pipeline_its_yaml_gives_and_round_trips_through_yaml()
    {
        var (pipeline, problems) = Build(TwoSteps);
        Assert.Empty(problems);
        Assert.NotNull(pipeline);
        var handWritten = Assert.IsType<PipelineJob>(Job.LoadFromText(TwoStepsYaml));
        PipelineAssert.Equal(handWritten, pipeline);

        // designer graph → PipelineJob → YAML → PipelineJob: equal.
        var yaml = pipeline.ToYaml();
        var back = Assert.IsType<PipelineJob>(Job.LoadFromText(yaml));
        PipelineAssert.Equal(pipeline, back);
        Assert.Equal(new[] { "prep" }, back.GetStepDependencies()["train"]);
        Assert.Equal(5L, ((PipelineComponentJob)back.Jobs["prep"]).Inputs["rows"].Value);
        Assert.Equal(0.05, back.Inputs["rate"].Value);
    }

    [Fact]
    public void The_graph_survives_the_page_json_both_ways()
    {
        var graph = DesignerGraph.Parse(TwoSteps);
        var again = DesignerGraph.Parse(graph.ToJson().ToJsonString());
        PipelineAssert.Equal(graph.Build(Components).Pipeline!, again.Build(Components).Pipeline!);
        Assert.Equal(10, again.Steps[0].X);
        Assert.Equal(20, again.Steps[0].Y);
    }

    [Fact]
    public void A_cycle_is_named_and_nothing_is_built()
    {
        var problems = Problems("""
            { "steps": [
              { "name": "a", "component": "train", "version": "2", "inputs": { "data": { "kind": "step", "value": "b.clean" }, "lr": { "kind": "literal", "value": "1" } } },
              { "name": "b", "component": "prep", "version": "1" },
              { "name": "c", "component": "train", "version": "2", "inputs": { "data": { "kind": "step", "value": "d.model" }, "lr": { "kind": "literal", "value": "1" } } },
              { "name": "d", "component": "train", "version": "2", "inputs": { "data": { "kind": "step", "value": "c.model" }, "lr": { "kind": "literal", "value": "1" } } }
            ] }
            """);
        var cycle = Assert.Single(problems, p => p.Message.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains("The steps form a cycle: c → d → c.", cycle.Message, StringComparison.Ordinal);
        // The cycle is of custom_model outputs into uri_folder inputs: those mismatches are named too.
        Assert.Contains(problems, p => p.Message.StartsWith("Type mismatch: Step 'c' input 'data' (uri_folder) cannot take 'd.model' (custom_model)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_step_wired_to_itself_is_a_cycle()
    {
        var problems = Problems("""
            { "steps": [ { "name": "p", "component": "prep", "version": "1" },
                         { "name": "t", "component": "train", "version": "2", "inputs": { "data": { "kind": "step", "value": "p.clean" }, "lr": { "kind": "literal", "value": "1" } } },
                         { "name": "u", "component": "train", "version": "2", "inputs": { "data": { "kind": "path", "value": "azureml:d:1" }, "lr": { "kind": "literal", "value": "1" }, "kernel": { "kind": "step", "value": "u.model" } } } ] }
            """);
        Assert.Contains(problems, p => p.Message.Contains("cycle: u → u", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message == "Type mismatch: Step 'u' input 'kernel' (string) cannot take 'u.model' (custom_model).");
    }

    [Fact]
    public void Unconnected_required_inputs_are_named_and_optional_or_defaulted_ones_are_not()
    {
        var problems = Problems("""{ "steps": [ { "name": "t", "component": "train", "version": "2" }, { "name": "p", "component": "prep", "version": "1" } ] }""");
        Assert.Equal(
            ["Step 't' input 'data' (uri_folder) is required and not connected: connect a step output or a pipeline input, or give a data path.",
             "Step 't' input 'lr' (number) is required and not connected: connect a step output or a pipeline input, or give a value."],
            problems.Select(p => p.Message));
        Assert.All(problems, p => Assert.Equal("t", p.Step));
        Assert.Equal(["data", "lr"], problems.Select(p => p.Input));
    }

    [Fact]
    public void Type_mismatches_and_bad_literals_are_clear()
    {
        var problems = Problems("""
            { "inputs": [ { "name": "word", "type": "string", "value": "hi" }, { "name": "n", "type": "integer", "value": "x" } ],
              "steps": [
                { "name": "p", "component": "prep", "version": "1", "inputs": { "rows": { "kind": "literal", "value": "5000" } } },
                { "name": "t", "component": "train", "version": "2", "inputs": {
                    "data": { "kind": "literal", "value": "3" }, "lr": { "kind": "parent", "value": "word" }, "kernel": { "kind": "literal", "value": "poly" } } },
                { "name": "t2", "component": "train", "version": "2", "inputs": {
                    "data": { "kind": "step", "value": "p.nope" }, "lr": { "kind": "literal", "value": "fast" } } }
              ] }
            """);
        var messages = problems.Select(p => p.Message).ToList();
        Assert.Contains("Pipeline input 'n': 'x' is not an integer.", messages);
        Assert.Contains("Step 'p' input 'rows' (integer): 5000 is outside [1, 1000].", messages);
        Assert.Contains("Step 't' input 'data' (uri_folder) takes data, not a literal: connect a step output or a pipeline input, or give a data path.", messages);
        Assert.Contains("Type mismatch: Step 't' input 'lr' (number) cannot take pipeline input 'word' (string).", messages);
        Assert.Contains("Step 't' input 'kernel' (string): 'poly' is not one of rbf, linear.", messages);
        Assert.Contains("Step 't2' input 'data' (uri_folder) is connected to 'p.nope', but step 'p' has no output 'nope'.", messages);
        Assert.Contains("Step 't2' input 'lr' (number): 'fast' is not a number.", messages);
    }

    [Fact]
    public void An_integer_pipeline_input_feeds_a_number_input()
    {
        var (pipeline, problems) = Build("""
            { "inputs": [ { "name": "n", "type": "integer", "value": "2" } ],
              "steps": [ { "name": "t", "component": "train", "version": "2", "inputs": { "data": { "kind": "path", "value": "azureml:raw:1" }, "lr": { "kind": "parent", "value": "n" } } } ] }
            """);
        Assert.Empty(problems);
        Assert.Equal(Input.UriFolder("azureml:raw:1"), ((PipelineComponentJob)pipeline!.Jobs["t"]).Inputs["data"]);
    }

    [Fact]
    public void Names_components_and_shapes_are_checked()
    {
        Assert.Equal("The pipeline has no steps: add a component from the palette.", Assert.Single(Problems("{}")).Message);
        var problems = Problems("""
            { "experimentName": "bad name!",
              "steps": [ { "name": "1st", "component": "prep", "version": "1" }, { "name": "p", "component": "prep", "version": "1" },
                         { "name": "p", "component": "prep", "version": "1" }, { "name": "g", "component": "ghost", "version": "9" } ] }
            """);
        var messages = problems.Select(p => p.Message).ToList();
        Assert.Contains("Step name '1st' is invalid: use letters, digits and '_', not starting with a digit.", messages);
        Assert.Contains("Two steps are named 'p': step names must be unique.", messages);
        Assert.Contains("Step 'g': component 'ghost' version '9' is not registered in this workspace.", messages);

        // The SDK's own checks of the built pipeline come through too.
        var sdk = Problems("""{ "experimentName": "bad name!", "steps": [ { "name": "p", "component": "prep", "version": "1" } ] }""");
        Assert.StartsWith("Experiment: experiment name 'bad name!' is invalid", Assert.Single(sdk).Message, StringComparison.Ordinal);

        Assert.Throws<InvalidInputException>(() => DesignerGraph.Parse("{ not json"));
        Assert.Throws<InvalidInputException>(() => DesignerGraph.Parse("""{ "steps": {} }"""));
        Assert.Throws<InvalidInputException>(() => DesignerGraph.Parse("""{ "steps": [ { "name": "a", "inputs": { "x": { "kind": "magic" } } } ] }"""));
    }
}
