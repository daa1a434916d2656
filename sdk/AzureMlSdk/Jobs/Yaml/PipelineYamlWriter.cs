using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// <see cref="PipelineJob"/> → az ml v2 <c>type: pipeline</c> YAML that <see cref="PipelineYaml"/> reads back into an equal job:
/// the common keys, pipeline inputs (literals typed by YAML, data as <c>{type, path, mode}</c>), outputs, settings, and steps —
/// registered-component steps (<c>component: azureml:name:version</c>) and inline command steps — with their bindings.
/// A part YAML cannot say, or this writer does not write, is an <see cref="AzureMlNotSupportedException"/> naming it (never dropped).
/// </summary>
internal static class PipelineYamlWriter
{
    public const string Schema = "https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json";

    public static string Write(PipelineJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var root = new YamlMappingNode();
        Add(root, "$schema", Schema);
        Add(root, "type", "pipeline");
        WriteCommon(root, job, "", withExperiment: true);
        if (job.Inputs.Count > 0)
        {
            root.Add("inputs", Inputs(job.Inputs, "inputs"));
        }
        if (job.Outputs.Count > 0)
        {
            root.Add("outputs", Outputs(job.Outputs));
        }
        var settings = new YamlMappingNode();
        if (job.Settings.DefaultCompute is { } compute)
        {
            Add(settings, "default_compute", compute);
        }
        if (job.Settings.DefaultDatastore is { } datastore)
        {
            Add(settings, "default_datastore", "azureml:" + datastore);
        }
        if (job.Settings.ContinueOnStepFailure)
        {
            settings.Add("continue_on_step_failure", Plain("true"));
        }
        if (job.Settings.ForceRerun)
        {
            settings.Add("force_rerun", Plain("true"));
        }
        if (settings.Children.Count > 0)
        {
            root.Add("settings", settings);
        }
        var jobs = new YamlMappingNode();
        foreach (var (name, step) in job.Jobs)
        {
            jobs.Add(Text(name), Step(name, step));
        }
        root.Add("jobs", jobs);

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlDotNet ends a document with "...": not needed for one document.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.EndsWith("...\r\n", StringComparison.Ordinal) ? text[..^5] : text;
    }

    private static YamlMappingNode Step(string name, JobDefinition step)
    {
        var at = $"jobs.{name}";
        var map = new YamlMappingNode();
        switch (step)
        {
            case PipelineComponentJob component:
                Add(map, "type", "command");
                Add(map, "component", component.Component);
                WriteCommon(map, component, at + ".", withExperiment: false);
                AddInputsOutputs(map, component.Inputs, component.Outputs, at);
                AddVariables(map, component.EnvironmentVariables);
                return map;
            case CommandJob { Component: not null }:
                throw new AzureMlNotSupportedException(
                    $"'{at}' runs a component object (CommandComponent.ToJob) that YAML can only name: register the component and use a PipelineComponentJob (component: azureml:<name>:<version>), or write an inline command step.");
            case CommandJob command:
                Add(map, "type", "command");
                WriteCommon(map, command, at + ".", withExperiment: false);
                if (command.Command is { } text)
                {
                    Add(map, "command", text);
                }
                if (command.Code is { } code)
                {
                    Add(map, "code", code);
                }
                if (command.Environment is { } environment)
                {
                    Add(map, "environment", environment.Reference
                        ?? throw new AzureMlNotSupportedException($"'{at}.environment' is an inline environment definition; the pipeline YAML writer writes environment references (azureml:<name>:<version> or @latest)."));
                }
                AddVariables(map, command.EnvironmentVariables);
                AddInputsOutputs(map, command.Inputs, command.Outputs, at);
                if (command.Limits?.Timeout is { } timeout)
                {
                    var limits = new YamlMappingNode();
                    limits.Add("timeout", Plain(((long)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
                    map.Add("limits", limits);
                }
                Unsupported(command.Resources is not null, at, "resources");
                Unsupported(command.Distribution is not null, at, "distribution");
                Unsupported(command.QueueSettings is not null, at, "queue_settings");
                return map;
            default:
                throw new AzureMlNotSupportedException($"'{at}' is a {step?.GetType().Name ?? "null"} step; pipeline YAML steps are command jobs and registered components.");
        }
    }

    private static void WriteCommon(YamlMappingNode map, JobDefinition job, string at, bool withExperiment)
    {
        if (job.Name is { } name)
        {
            Add(map, "name", name);
        }
        if (job.DisplayName is { } displayName)
        {
            Add(map, "display_name", displayName);
        }
        if (withExperiment && job.ExperimentName is { } experiment)
        {
            Add(map, "experiment_name", experiment);
        }
        Unsupported(!withExperiment && job.ExperimentName is not null, at.TrimEnd('.'), "experiment_name");
        if (job.Description is { } description)
        {
            Add(map, "description", description);
        }
        if (job.Tags.Count > 0)
        {
            map.Add("tags", StringMap(job.Tags));
        }
        if (job.Properties.Count > 0)
        {
            map.Add("properties", StringMap(job.Properties));
        }
        if (job.Compute is { } compute)
        {
            Add(map, "compute", compute);
        }
        Unsupported(job.Identity is not null, at.TrimEnd('.'), "identity");
        Unsupported(job.Services.Count > 0, at.TrimEnd('.'), "services");
    }

    private static void Unsupported(bool set, string at, string key)
    {
        if (set)
        {
            throw new AzureMlNotSupportedException($"'{(at.Length == 0 ? key : at + "." + key)}' is set; the pipeline YAML writer does not write it (remove it, or write that part of the YAML by hand).");
        }
    }

    private static void AddInputsOutputs(YamlMappingNode map, IDictionary<string, Input> inputs, IDictionary<string, Output> outputs, string at)
    {
        if (inputs.Count > 0)
        {
            map.Add("inputs", Inputs(inputs, at + ".inputs"));
        }
        if (outputs.Count > 0)
        {
            map.Add("outputs", Outputs(outputs));
        }
    }

    private static void AddVariables(YamlMappingNode map, IDictionary<string, string> variables)
    {
        if (variables.Count > 0)
        {
            map.Add("environment_variables", StringMap(variables));
        }
    }

    private static YamlMappingNode Inputs(IDictionary<string, Input> inputs, string at)
    {
        var map = new YamlMappingNode();
        foreach (var (name, input) in inputs)
        {
            map.Add(Text(name), InputNode(input, $"{at}.{name}"));
        }
        return map;
    }

    /// <summary>A literal as a scalar YAML reads back with the same type; data as <c>{type, path, mode, description}</c>.</summary>
    internal static YamlNode InputNode(Input input, string at)
    {
        if (input.IsLiteral)
        {
            if (input.Description is not null)
            {
                throw new AzureMlNotSupportedException($"'{at}' is a literal with a description; YAML writes a literal input as its value alone.");
            }
            return input.Value switch
            {
                bool b => Plain(b ? "true" : "false"),
                long l => Plain(l.ToString(CultureInfo.InvariantCulture)),
                double d => Plain(Number(d)),
                string s => Text(s),
                _ => throw new AzureMlNotSupportedException($"'{at}' has a literal of type {input.Value?.GetType().Name ?? "null"}."),
            };
        }
        var map = new YamlMappingNode();
        Add(map, "type", YamlNames.Of(input.Type));
        if (input.Path is { } path)
        {
            Add(map, "path", path);
        }
        if (input.Mode is { } mode)
        {
            Add(map, "mode", YamlNames.Of(mode));
        }
        if (input.Description is { } description)
        {
            Add(map, "description", description);
        }
        return map;
    }

    private static YamlMappingNode Outputs(IDictionary<string, Output> outputs)
    {
        var map = new YamlMappingNode();
        foreach (var (name, output) in outputs)
        {
            var o = new YamlMappingNode();
            Add(o, "type", YamlNames.Of(output.Type));
            if (output.Path is { } path)
            {
                Add(o, "path", path);
            }
            if (output.Mode is { } mode)
            {
                Add(o, "mode", YamlNames.Of(mode));
            }
            if (output.Name is { } assetName)
            {
                Add(o, "name", assetName);
            }
            if (output.Version is { } version)
            {
                Add(o, "version", version);
            }
            if (output.Description is { } description)
            {
                Add(o, "description", description);
            }
            map.Add(Text(name), o);
        }
        return map;
    }

    /// <summary>A double as YAML reads back as a double: always with a '.' or an exponent; <c>.inf</c>, <c>-.inf</c>, <c>.nan</c>.</summary>
    internal static string Number(double d)
    {
        if (double.IsNaN(d))
        {
            return ".nan";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? ".inf" : "-.inf";
        }
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static YamlMappingNode StringMap(IDictionary<string, string> values)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in values)
        {
            map.Add(Text(key), Text(value));
        }
        return map;
    }

    private static void Add(YamlMappingNode map, string key, string value) => map.Add(Text(key), Text(value));

    private static YamlScalarNode Plain(string text) => new(text) { Style = ScalarStyle.Plain };

    /// <summary>Text that reads back as this text: plain when YAML reads it so, else double-quoted (<c>"10"</c>, <c>"true"</c>, <c>""</c>).</summary>
    internal static YamlScalarNode Text(string text)
    {
        var plain = new YamlScalarNode(text) { Style = ScalarStyle.Plain };
        var safe = text.Length > 0 && !text.Contains('\n', StringComparison.Ordinal) && YamlScalars.Value(plain) is string s && s == text
            && text.Trim() == text && !text.Contains(": ", StringComparison.Ordinal) && !text.Contains(" #", StringComparison.Ordinal);
        return safe ? plain : new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted };
    }
}
