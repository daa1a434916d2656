using System.Text.RegularExpressions;

namespace AzureMlSdk;

/// <summary>
/// The naming and size rules of Azure ML and MLflow, in one place so every layer and backend
/// rejects the same input with the same message. Each check names the offending value.
/// </summary>
internal static partial class Validate
{
    /// <summary>
    /// Workspace model names. The ARM spec gives the workspace <c>models/{name}</c> path no pattern (registry models, codes and the
    /// like have <c>^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$</c>); the SDK takes that character set plus '.', as azure-ai-ml and MLflow users
    /// write names like <c>iris.classifier</c>, and refuses a trailing '.' (ARM trims it from resource names).
    /// </summary>
    [GeneratedRegex(@"^[a-zA-Z0-9](?:[a-zA-Z0-9\-_.]{0,253}[a-zA-Z0-9\-_])?$")]
    private static partial Regex ModelNameRegex();

    // Letters and digits of any script (MLflow accepts non-ASCII experiment names), '-', '_', '.'.
    [GeneratedRegex(@"^[\p{L}\p{N}][\p{L}\p{M}\p{N}\-_.]{0,254}$")]
    private static partial Regex ExperimentNameRegex();

    // MLflow's _VALID_PARAM_AND_METRIC_NAMES: alphanumerics, underscores, dashes, periods, spaces, colons, slashes.
    [GeneratedRegex(@"^[/\w.\- :]*$")]
    private static partial Regex KeyRegex();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9-]{2,31}$")]
    private static partial Regex EndpointNameRegex();

    [GeneratedRegex(@"^[\w\-]+$")]
    private static partial Regex AliasRegex();

    [GeneratedRegex(@"^[vV]\d+$")]
    private static partial Regex VersionLikeAliasRegex();

    /// <summary>Experiment names: letters and digits (of any script), '-', '_', '.', starting with a letter or digit, at most 255 characters.</summary>
    public static string ExperimentName(string? name, string parameterName = "name")
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("An experiment name is required.", parameterName);
        }
        if (!ExperimentNameRegex().IsMatch(name))
        {
            throw new InvalidInputException($"Experiment name '{Shorten(name)}' is invalid: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit.", parameterName);
        }
        return name;
    }

    /// <summary>Model names: 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit, not ending with '.' (see <see cref="ModelNameRegex"/>).</summary>
    public static string ModelName(string? name, string parameterName = "name")
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("A model name is required.", parameterName);
        }
        if (!ModelNameRegex().IsMatch(name))
        {
            throw new InvalidInputException($"Model name '{Shorten(name)}' is invalid: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit and not ending with '.'.", parameterName);
        }
        return name;
    }

    /// <summary>Online/batch endpoint names (Azure ML rule): 3 to 32 letters, digits or '-', starting with a letter.</summary>
    public static string EndpointName(string? name, string parameterName = "name") => EndpointLikeName(name, "endpoint", parameterName);

    /// <summary>Deployment names follow the endpoint rule: 3 to 32 letters, digits or '-', starting with a letter.</summary>
    public static string DeploymentName(string? name, string parameterName = "name") => EndpointLikeName(name, "deployment", parameterName);

    private static string EndpointLikeName(string? name, string kind, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException($"A{(kind == "endpoint" ? "n" : "")} {kind} name is required.", parameterName);
        }
        if (!EndpointNameRegex().IsMatch(name) || name.EndsWith('-'))
        {
            throw new InvalidInputException($"The {kind} name '{Shorten(name)}' is invalid: use 3 to 32 letters, digits or '-', starting with a letter and not ending with '-'.", parameterName);
        }
        return name;
    }

    /// <summary>Model versions are positive integers.</summary>
    public static int ModelVersion(int version, string parameterName = "version")
    {
        if (version < 1)
        {
            throw new InvalidInputException($"Model version {version} is invalid: versions start at 1.", parameterName);
        }
        return version;
    }

    /// <summary>Aliases: letters, digits, '_' and '-', at most 255 characters, not 'latest' and not shaped like a version ('v3').</summary>
    public static string Alias(string? alias, string parameterName = "alias")
    {
        if (string.IsNullOrWhiteSpace(alias))
        {
            throw new InvalidInputException("An alias is required.", parameterName);
        }
        if (alias.Length > 255 || !AliasRegex().IsMatch(alias))
        {
            throw new InvalidInputException($"Alias '{Shorten(alias)}' is invalid: use 1 to 255 letters, digits, '_' or '-'.", parameterName);
        }
        if (string.Equals(alias, "latest", StringComparison.OrdinalIgnoreCase) || VersionLikeAliasRegex().IsMatch(alias))
        {
            throw new InvalidInputException($"Alias '{alias}' is reserved: 'latest' and version-like names (v1, V2…) cannot be aliases.", parameterName);
        }
        return alias;
    }

    /// <summary>A run's display name (MLflow's <c>run_name</c>): free text, 1 to 250 characters, not only whitespace.</summary>
    public static string RunDisplayName(string? name, string parameterName = "displayName")
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > TrackingLimits.MaxNameLength)
        {
            throw new InvalidInputException($"Run display name '{Shorten(name ?? "")}' is invalid: use 1 to {TrackingLimits.MaxNameLength} characters (any text, not only spaces).", parameterName);
        }
        return name;
    }

    /// <summary>
    /// Metric, param and tag keys: MLflow's character set, at most 250 characters, and, as MLflow's <c>path_not_unique</c>, a
    /// key that a POSIX path normalisation leaves unchanged (keys can become file names).
    /// </summary>
    public static string Key(string? key, string kind)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidInputException($"A {kind} key is required.", kind);
        }
        if (key.Length > TrackingLimits.MaxKeyLength)
        {
            throw new InvalidInputException($"The {kind} key '{Shorten(key)}' is {key.Length} characters long; the limit is {TrackingLimits.MaxKeyLength}.", kind);
        }
        if (!KeyRegex().IsMatch(key) || string.IsNullOrWhiteSpace(key) || !IsNormalizedPath(key))
        {
            throw new InvalidInputException($"The {kind} key '{Shorten(key)}' is invalid: use letters, digits, '_', '-', '.', ' ', ':' and '/', as a path that names itself (no leading or trailing '/', no '//', no '.' or '..' segment).", kind);
        }
        return key;
    }

    /// <summary>True when <c>posixpath.normpath(key) == key</c> and it is neither '.' nor absolute nor climbing ('..').</summary>
    private static bool IsNormalizedPath(string key) =>
        !key.StartsWith('/') && !key.EndsWith('/') && key.Split('/').All(segment => segment is not ("" or "." or ".."));

    /// <summary>A param value: at most 6000 characters.</summary>
    public static string ParamValue(string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(value, nameof(value));
        if (value.Length > TrackingLimits.MaxParamValueLength)
        {
            throw new InvalidInputException($"The value of param '{key}' is {value.Length} characters long; the limit is {TrackingLimits.MaxParamValueLength}.", key);
        }
        return value;
    }

    /// <summary>A tag value: at most 8000 characters.</summary>
    public static string TagValue(string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(value, nameof(value));
        if (value.Length > TrackingLimits.MaxTagValueLength)
        {
            throw new InvalidInputException($"The value of tag '{key}' is {value.Length} characters long; the limit is {TrackingLimits.MaxTagValueLength}.", key);
        }
        return value;
    }

    /// <summary>
    /// A relative artifact path: normalised to '/' separators, no empty, '.' or '..' segments,
    /// not absolute, no drive letters, no control characters.
    /// </summary>
    public static string ArtifactPath(string? path, string parameterName = "name")
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidInputException("An artifact path is required.", parameterName);
        }
        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith('/') || (normalized.Length >= 2 && normalized[1] == ':') || Path.IsPathRooted(path))
        {
            throw new InvalidInputException($"Artifact path '{Shorten(path)}' is absolute; give a path relative to the run, e.g. 'outputs/model.onnx'.", parameterName);
        }
        normalized = normalized.TrimEnd('/');
        foreach (var segment in normalized.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                throw new InvalidInputException($"Artifact path '{Shorten(path)}' is invalid: it may not contain empty, '.' or '..' segments.", parameterName);
            }
            if (segment.Any(char.IsControl))
            {
                throw new InvalidInputException($"Artifact path '{Shorten(path)}' contains control characters.", parameterName);
            }
        }
        return normalized;
    }

    /// <summary>A non-empty, non-blank string argument.</summary>
    public static string Required(string? value, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidInputException($"'{parameterName}' is required.", parameterName);
        }
        return value;
    }

    /// <summary>Keeps messages readable when the bad value is huge.</summary>
    public static string Shorten(string value) => value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 77), "...");
}
