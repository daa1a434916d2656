using System.Text.Json;
using AzureMlSdk.Backends.Remote.Arm;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// A command job's stored form: the ARM 2026-07-01 <c>CommandJob</c> body (<see cref="ArmJobMapping"/>), the same JSON the Emulator
/// serves. What the ARM body cannot hold locally rides in its extension data: an output's registration version
/// (<c>azuremlsdk.assetVersion</c>) and an inline environment's image, conda file and description (<c>azuremlsdk.inlineEnvironment</c>).
/// Local input paths are kept as absolute paths (a local job reads them in place).
/// </summary>
internal static class CommandJobJson
{
    private const string AssetVersionKey = "azuremlsdk.assetVersion";
    private const string InlineEnvironmentKey = "azuremlsdk.inlineEnvironment";

    /// <summary>Serializes <paramref name="job"/> as stored: <paramref name="code"/> replaces its code, the URIs its data paths.</summary>
    public static string Write(CommandJob job, string name, string? code, IReadOnlyDictionary<string, string> inputUris, IReadOnlyDictionary<string, string> outputUris)
    {
        var unversioned = job.Outputs.Any(o => o.Value.Version is not null)
            ? CopyWith(job, job.Outputs.ToDictionary(o => o.Key, o => Output.Create(o.Value.Type, o.Value.Path, o.Value.Mode, o.Value.Name, null, o.Value.Description), StringComparer.Ordinal))
            : job;
        var resource = ArmJobMapping.ToArm(unversioned, new ArmJobReferences
        {
            EnvironmentId = job.Environment?.Reference!,
            CodeId = code,
            ComputeId = job.ComputeName ?? LocalComputeBackend.LocalComputeName,
            InputUris = inputUris,
            OutputUris = outputUris,
        });
        resource.Name = name;
        foreach (var (key, output) in job.Outputs.Where(o => o.Value.Version is not null))
        {
            var arm = resource.Properties!.Outputs![key]!;
            arm.Extra = new Dictionary<string, JsonElement> { [AssetVersionKey] = JsonSerializer.SerializeToElement(output.Version, LocalJobsJsonContext.Default.String) };
        }
        if (job.Environment?.Inline is { } inline)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            Add(env, "image", inline.Image);
            Add(env, "condaFile", inline.CondaFile);
            Add(env, "condaSpecification", inline.CondaSpecification);
            Add(env, "description", inline.Description);
            Add(env, "buildPath", inline.Build?.Path);
            Add(env, "dockerfilePath", inline.Build?.DockerfilePath);
            resource.Properties!.Extra = new Dictionary<string, JsonElement> { [InlineEnvironmentKey] = JsonSerializer.SerializeToElement(env, LocalJobsJsonContext.Default.DictionaryStringString) };
        }
        return JsonSerializer.Serialize(resource, ArmJobJsonContext.Default.ArmResourceCommandJobProperties);
    }

    /// <summary>Reads a stored command job back.</summary>
    public static CommandJob Read(string json)
    {
        var resource = JsonSerializer.Deserialize(json, ArmJobJsonContext.Default.ArmResourceCommandJobProperties)
            ?? throw new InvalidStateException("A stored job definition is empty.");
        var job = ArmJobMapping.FromArm(resource);
        var versions = resource.Properties?.Outputs?
            .Where(o => o.Value?.Extra?.ContainsKey(AssetVersionKey) == true)
            .ToDictionary(o => o.Key, o => o.Value!.Extra![AssetVersionKey].GetString(), StringComparer.Ordinal);
        JobEnvironment? environment = job.Environment;
        if (resource.Properties?.Extra?.TryGetValue(InlineEnvironmentKey, out var inlineJson) == true)
        {
            var env = inlineJson.Deserialize(LocalJobsJsonContext.Default.DictionaryStringString) ?? [];
            environment = new EnvironmentAsset
            {
                Image = env.GetValueOrDefault("image"),
                CondaFile = env.GetValueOrDefault("condaFile"),
                CondaSpecification = env.GetValueOrDefault("condaSpecification"),
                Description = env.GetValueOrDefault("description"),
                Build = env.GetValueOrDefault("buildPath") is { } build ? new BuildContext { Path = build, DockerfilePath = env.GetValueOrDefault("dockerfilePath") } : null,
            };
        }
        if ((versions is null || versions.Count == 0) && ReferenceEquals(environment, job.Environment))
        {
            return job;
        }
        var outputs = job.Outputs.ToDictionary(
            o => o.Key,
            o => versions?.TryGetValue(o.Key, out var v) == true ? Output.Create(o.Value.Type, o.Value.Path, o.Value.Mode, o.Value.Name, v, o.Value.Description) : o.Value,
            StringComparer.Ordinal);
        return CopyWith(job, outputs, environment);
    }

    private static void Add(Dictionary<string, string> values, string key, string? value)
    {
        if (value is not null)
        {
            values[key] = value;
        }
    }

    /// <summary>A copy of <paramref name="job"/> with other outputs (and environment).</summary>
    internal static CommandJob CopyWith(CommandJob job, IDictionary<string, Output> outputs, JobEnvironment? environment = null) =>
        new(job) { Outputs = outputs, Environment = environment ?? job.Environment };
}
