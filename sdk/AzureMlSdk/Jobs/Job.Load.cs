using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>A submitted job's handle (<c>ws.Jobs</c>), and the entry point for reading job definitions from YAML.</summary>
public partial class Job
{
    /// <summary>
    /// Reads an az ml v2 job YAML file (<c>az ml job create -f</c>): <c>type: command</c> (the default) gives a
    /// <see cref="CommandJob"/>, <c>type: sweep</c> a <see cref="SweepJob"/>, <c>type: automl</c> an <see cref="AutoMLJob"/>, <c>type: pipeline</c> a
    /// <see cref="PipelineJob"/> (its local component files read too). Relative paths (code, local inputs, conda
    /// files, build contexts) resolve against the file's folder. Unknown or mistyped keys, values of the wrong type and
    /// invalid placeholders are a <see cref="JobDefinitionException"/> naming the file, line, column and key.
    /// </summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set</c> overrides, <c>key.path=value</c> (e.g. <c>inputs.lr=0.1</c>, <c>compute=local</c>), applied before reading.</param>
    public static JobDefinition Load(string path, IEnumerable<string>? set = null) => JobYaml.Load(path, set);

    /// <summary>
    /// Reads job YAML from text (tests, generated definitions); relative paths resolve against <paramref name="baseDirectory"/>
    /// (default: the current directory), errors name <paramref name="displayName"/>.
    /// </summary>
    public static JobDefinition LoadFromText(string yaml, string? baseDirectory = null, string displayName = "<yaml>", IEnumerable<string>? set = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var (context, root) = YamlContext.FromText(yaml, displayName, baseDirectory ?? Directory.GetCurrentDirectory());
        return JobYaml.Read(context, root, set);
    }
}
