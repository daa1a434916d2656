using System.Text.RegularExpressions;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>
/// A compute cluster definition (az ml's <c>amlCompute.schema.json</c>, <c>az ml compute create --type amlcompute</c>).
/// On the local workspace and the Emulator a cluster is a local pool of <see cref="MaxInstances"/> slots: jobs beyond it
/// wait <c>Queued</c>, first in first out. <c>local</c> always exists and needs no definition.
/// </summary>
public sealed partial class ComputeDefinition
{
    internal static readonly string[] YamlKeys =
        ["$schema", "name", "type", "description", "tags", "size", "min_instances", "max_instances", "idle_time_before_scale_down", "tier", "location"];

    /// <summary>Keys az ml accepts for clusters that AzureMlSdk does not support (reported as such, not as unknown).</summary>
    internal static readonly string[] UnsupportedKeys =
        ["identity", "ssh_public_access_enabled", "admin_username", "admin_password", "ssh_key_value", "network_settings", "enable_node_public_ip"];

    /// <summary>The compute's name: 3 to 24 letters, digits or '-', starting with a letter (Azure ML's rule).</summary>
    public required string Name { get; init; }

    /// <summary>The compute type; <c>amlcompute</c> (a cluster) is the one supported.</summary>
    public string Type { get; init; } = "amlcompute";

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The VM size (<c>size</c>, e.g. <c>STANDARD_DS3_v2</c>); recorded locally.</summary>
    public string? Size { get; init; }

    /// <summary>Nodes kept when idle (<c>min_instances</c>, default 0).</summary>
    public int MinInstances { get; init; }

    /// <summary>The most nodes (<c>max_instances</c>, default 1): locally, how many jobs run at once.</summary>
    public int MaxInstances { get; init; } = 1;

    /// <summary>Idle time before scaling down (<c>idle_time_before_scale_down</c>, seconds in YAML).</summary>
    public TimeSpan? IdleTimeBeforeScaleDown { get; init; }

    /// <summary><c>dedicated</c> (default) or <c>low_priority</c> (<c>tier</c>).</summary>
    public string? Tier { get; init; }

    /// <summary>The Azure region (<c>location</c>); null for the workspace's.</summary>
    public string? Location { get; init; }

    /// <summary>The YAML file it was loaded from, or null.</summary>
    public string? SourcePath => Source?.FilePath;

    internal SourceMap? Source { get; init; }

    [GeneratedRegex(@"^[a-zA-Z](?![a-zA-Z0-9-]*-\d+$)[a-zA-Z0-9\-]{2,23}$")]
    private static partial Regex NameRegex();

    /// <summary>Reads a compute YAML file (<c>az ml compute create -f</c>).</summary>
    public static ComputeDefinition Load(string path)
    {
        var (context, root) = YamlContext.Open(path);
        var compute = AssetYaml.ReadCompute(context, root);
        context.ThrowIfProblems();
        compute!.Validate();
        return compute;
    }

    /// <summary>Checks the name (Azure ML's rule; <c>local</c> is reserved), the type and the instance counts.</summary>
    public void Validate()
    {
        var problems = new Problems(Source);
        if (string.Equals(Name, "local", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("name", "'local' is the built-in local compute; give the cluster another name.");
        }
        else if (string.IsNullOrEmpty(Name) || !NameRegex().IsMatch(Name))
        {
            problems.Add("name", $"compute name '{Name}' is invalid: use 3 to 24 letters, digits or '-', starting with a letter and not ending in '-' and digits.");
        }
        if (Type != "amlcompute")
        {
            problems.Add("type", $"compute type '{Type}' is not supported by AzureMlSdk; use amlcompute (a cluster).");
        }
        if (MinInstances < 0)
        {
            problems.Add("min_instances", $"'min_instances' must not be negative, not {MinInstances}.");
        }
        if (MaxInstances < 1)
        {
            problems.Add("max_instances", $"'max_instances' must be at least 1, not {MaxInstances}.");
        }
        else if (MinInstances > MaxInstances)
        {
            problems.Add("min_instances", $"'min_instances' ({MinInstances}) is more than 'max_instances' ({MaxInstances}).");
        }
        if (Tier is not null and not ("dedicated" or "low_priority"))
        {
            problems.Add("tier", $"'tier' must be dedicated or low_priority, not '{Tier}'.");
        }
        problems.ThrowIfAny();
    }

    /// <summary><c>name (type, max N)</c>.</summary>
    public override string ToString() => $"{Name} ({Type}, max {MaxInstances})";
}
