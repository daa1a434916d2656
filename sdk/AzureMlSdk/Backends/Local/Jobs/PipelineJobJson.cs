using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Jobs.Pipeline;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// A pipeline job's stored form (JSON): its common fields, inputs, outputs and settings, and each step as the stored form of a command
/// job (<see cref="CommandJobJson"/>, the ARM 2026-07-01 body) with its component's spec (<see cref="AssetSpecs.ToSpec(CommandComponent)"/>)
/// and its output bindings (<c>${{parent.outputs.x}}</c>) beside it. Steps are stored resolved: registered components looked up, code
/// snapshotted, labels pinned.
/// </summary>
internal static class PipelineJobJson
{
    public static string Write(PipelineJob job)
    {
        var root = new JsonObject
        {
            ["name"] = job.Name,
            ["displayName"] = job.DisplayName,
            ["experimentName"] = job.ExperimentName,
            ["description"] = job.Description,
            ["compute"] = job.Compute,
            ["tags"] = Map(job.Tags),
            ["properties"] = Map(job.Properties),
            ["inputs"] = new JsonObject(job.Inputs.Select(i => KeyValuePair.Create(i.Key, (JsonNode?)WriteInput(i.Value)))),
            ["outputs"] = new JsonObject(job.Outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)WriteOutput(o.Value)))),
            ["settings"] = new JsonObject
            {
                ["default_compute"] = job.Settings.DefaultCompute,
                ["default_datastore"] = job.Settings.DefaultDatastore,
                ["continue_on_step_failure"] = job.Settings.ContinueOnStepFailure,
                ["force_rerun"] = job.Settings.ForceRerun,
            },
        };
        var jobs = new JsonObject();
        foreach (var (name, step) in job.Jobs)
        {
            if (step is SweepJob sweep)
            {
                jobs[name] = WriteSweep(name, sweep);
                continue;
            }
            var command = step as CommandJob ?? throw new InvalidOperationException($"Step '{name}' is stored unresolved.");
            var bindings = new JsonObject();
            var outputs = new Dictionary<string, Output>(StringComparer.Ordinal);
            foreach (var (outputName, output) in command.Outputs)
            {
                if (output.Path is { } path && Binding.Mentions(path))
                {
                    bindings[outputName] = path;
                    outputs[outputName] = output.WithPath(null);
                }
                else
                {
                    outputs[outputName] = output;
                }
            }
            var plain = PipelineSteps.With(command, outputs: outputs);
            var localInputs = plain.Inputs.Where(i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath)
                .ToDictionary(i => i.Key, i => i.Value.Path!, StringComparer.Ordinal);
            jobs[name] = new JsonObject
            {
                ["job"] = JsonNode.Parse(CommandJobJson.Write(plain, name, plain.Code, localInputs, new Dictionary<string, string>(StringComparer.Ordinal))),
                ["component"] = command.Component is { } component ? AssetSpecs.ToSpec(component) : null,
                ["outputBindings"] = bindings,
                ["computeGiven"] = command.Compute is not null,
            };
        }
        root["jobs"] = jobs;
        return root.ToJsonString();
    }

    public static PipelineJob Read(string json)
    {
        var root = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidStateException("A stored pipeline definition is empty.");
        var settings = root["settings"]?.AsObject();
        var jobs = new Dictionary<string, JobDefinition>(StringComparer.Ordinal);
        foreach (var (name, node) in root["jobs"]?.AsObject() ?? [])
        {
            var stepNode = node!.AsObject();
            if (Text(stepNode["kind"]) == "sweep")
            {
                jobs[name] = ReadSweep(name, stepNode);
                continue;
            }
            var command = CommandJobJson.Read(stepNode["job"]!.ToJsonString());
            var outputs = new Dictionary<string, Output>(command.Outputs, StringComparer.Ordinal);
            foreach (var (outputName, binding) in stepNode["outputBindings"]?.AsObject() ?? [])
            {
                if (outputs.TryGetValue(outputName, out var output))
                {
                    outputs[outputName] = output.WithPath(binding!.GetValue<string>());
                }
            }
            var component = stepNode["component"] is JsonObject spec ? AssetSpecs.ComponentFromSpec(spec, $"the component of step '{name}'") : null;
            var computeGiven = stepNode["computeGiven"]?.GetValue<bool>() ?? true;
            jobs[name] = PipelineSteps.With(command, outputs: outputs, component: component, keepName: false, clearCompute: !computeGiven);
        }
        return new PipelineJob
        {
            Name = Text(root["name"]),
            DisplayName = Text(root["displayName"]),
            ExperimentName = Text(root["experimentName"]),
            Description = Text(root["description"]),
            Compute = Text(root["compute"]),
            Tags = ReadMap(root["tags"]),
            Properties = ReadMap(root["properties"]),
            Inputs = (root["inputs"]?.AsObject() ?? []).ToDictionary(i => i.Key, i => ReadInput(i.Value!.AsObject()), StringComparer.Ordinal),
            Outputs = (root["outputs"]?.AsObject() ?? []).ToDictionary(o => o.Key, o => ReadOutput(o.Value!.AsObject()), StringComparer.Ordinal),
            Jobs = jobs,
            Settings = new PipelineSettings
            {
                DefaultCompute = Text(settings?["default_compute"]),
                DefaultDatastore = Text(settings?["default_datastore"]),
                ContinueOnStepFailure = settings?["continue_on_step_failure"]?.GetValue<bool>() ?? false,
                ForceRerun = settings?["force_rerun"]?.GetValue<bool>() ?? false,
            },
        };
    }

    /// <summary>
    /// A sweep step: the stored form of a sweep job (<see cref="SweepJobExecutor"/>: its ARM body and its trial), the trial's component
    /// spec, and the sweep's own inputs and outputs (bindings included) beside it.
    /// </summary>
    private static JsonObject WriteSweep(string name, SweepJob sweep)
    {
        var trial = sweep.Trial ?? throw new InvalidOperationException($"Sweep step '{name}' is stored unresolved.");
        var bare = SweepSteps.With(sweep, trial, new Dictionary<string, Input>(StringComparer.Ordinal), new Dictionary<string, Output>(StringComparer.Ordinal), name: name);
        return new JsonObject
        {
            ["kind"] = "sweep",
            ["sweep"] = JsonNode.Parse(Sweeps.Serialize(bare)),
            ["component"] = trial.Component is { } component ? AssetSpecs.ToSpec(component) : null,
            ["inputs"] = new JsonObject(sweep.Inputs.Select(i => KeyValuePair.Create(i.Key, (JsonNode?)WriteInput(i.Value)))),
            ["outputs"] = new JsonObject(sweep.Outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)WriteOutput(o.Value)))),
            ["compute"] = sweep.Compute,
        };
    }

    private static SweepJob ReadSweep(string name, JsonObject node)
    {
        var stored = (SweepJob)Sweeps.Deserialize(node["sweep"]!.ToJsonString());
        var component = node["component"] is JsonObject spec ? AssetSpecs.ComponentFromSpec(spec, $"the trial component of step '{name}'") : null;
        var trial = component is null ? stored.Trial! : PipelineSteps.With(stored.Trial!, component: component);
        return SweepSteps.With(stored, trial,
            (node["inputs"]?.AsObject() ?? []).ToDictionary(i => i.Key, i => ReadInput(i.Value!.AsObject()), StringComparer.Ordinal),
            (node["outputs"]?.AsObject() ?? []).ToDictionary(o => o.Key, o => ReadOutput(o.Value!.AsObject()), StringComparer.Ordinal),
            compute: Text(node["compute"]), keepName: false, clearCompute: true);
    }

    private static readonly SweepJobExecutor Sweeps = new();

    internal static JsonObject WriteInput(Input input)
    {
        var node = new JsonObject { ["type"] = YamlNames.Of(input.Type) };
        switch (input.Value)
        {
            case string s:
                node["value"] = s;
                break;
            case long l:
                node["value"] = l;
                break;
            case double d:
                node["value"] = d;
                break;
            case bool b:
                node["value"] = b;
                break;
        }
        if (input.Path is not null)
        {
            node["path"] = input.Path;
        }
        if (input.Mode is { } mode)
        {
            node["mode"] = YamlNames.Of(mode);
        }
        if (input.Description is not null)
        {
            node["description"] = input.Description;
        }
        return node;
    }

    internal static Input ReadInput(JsonObject node)
    {
        var type = YamlNames.InputTypes[node["type"]!.GetValue<string>()];
        var description = Text(node["description"]);
        if (Input.IsLiteralType(type))
        {
            var value = node["value"]!;
            var input = type switch
            {
                InputType.Integer => Input.Literal(value.GetValue<long>()),
                InputType.Number => Input.Literal(value.GetValue<double>()),
                InputType.Boolean => Input.Literal(value.GetValue<bool>()),
                _ => Input.Literal(value.GetValue<string>()),
            };
            return description is null ? input : input.WithDescription(description);
        }
        return Input.Data(type, node["path"]!.GetValue<string>(), Text(node["mode"]) is { } mode ? YamlNames.InputModes[mode] : null, description);
    }

    internal static JsonObject WriteOutput(Output output) => new()
    {
        ["type"] = YamlNames.Of(output.Type),
        ["path"] = output.Path,
        ["mode"] = output.Mode is { } mode ? YamlNames.Of(mode) : null,
        ["name"] = output.Name,
        ["version"] = output.Version,
        ["description"] = output.Description,
    };

    internal static Output ReadOutput(JsonObject node) => Output.Create(
        YamlNames.OutputTypes[node["type"]!.GetValue<string>()], Text(node["path"]),
        Text(node["mode"]) is { } mode ? YamlNames.OutputModes[mode] : null, Text(node["name"]), Text(node["version"]), Text(node["description"]));

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static JsonObject Map(IDictionary<string, string> values) => new(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));

    private static Dictionary<string, string> ReadMap(JsonNode? node) =>
        (node?.AsObject() ?? []).ToDictionary(p => p.Key, p => Text(p.Value) ?? Convert.ToString(p.Value?.ToJsonString(), CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal);
}
