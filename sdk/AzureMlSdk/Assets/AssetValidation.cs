using System.Text.RegularExpressions;

namespace AzureMlSdk.Assets;

/// <summary>Checks of asset names, versions and labels shared by the object model and the backends.</summary>
internal static partial class AssetValidation
{
    /// <summary>The one label Azure ML resolves for workspace assets.</summary>
    public const string Latest = "latest";

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,29}$")]
    private static partial Regex VersionRegex();

    /// <summary>What the kind is called in messages ("Data asset", "Environment"…).</summary>
    public static string Noun(AssetKind kind) => kind switch
    {
        AssetKind.Data => "Data asset",
        AssetKind.Environment => "Environment",
        AssetKind.Component => "Component",
        _ => "Code asset",
    };

    /// <summary>The kind as ARM's resource type segment and the local store's kind column.</summary>
    public static string Segment(AssetKind kind) => kind switch
    {
        AssetKind.Data => "data",
        AssetKind.Environment => "environments",
        AssetKind.Component => "components",
        _ => "codes",
    };

    public static string Name(AssetKind kind, string? name, string parameterName = "name")
    {
        if (string.IsNullOrWhiteSpace(name) || !Jobs.AssetNames.IsValid(name))
        {
            throw new InvalidInputException(
                $"{Noun(kind)} name '{(global::AzureMlSdk.Validate.Shorten(name ?? ""))}' is invalid: use 1 to 255 letters, digits, '-', '_' or '.', starting with a letter or digit.", parameterName);
        }
        return name;
    }

    public static string? Version(AssetKind kind, string? version, string parameterName = "version")
    {
        if (version is null)
        {
            return null;
        }
        if (!VersionRegex().IsMatch(version) || string.Equals(version, Latest, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidInputException(
                $"{Noun(kind)} version '{(global::AzureMlSdk.Validate.Shorten(version))}' is invalid: use 1 to 30 letters, digits, '-', '_' or '.' (and not '{Latest}', which is a label).", parameterName);
        }
        return version;
    }

    /// <summary>Checks a version/label pair of a get: at most one of them, and the label is <c>latest</c>.</summary>
    public static void VersionOrLabel(AssetKind kind, string name, string? version, string? label)
    {
        if (version is not null && label is not null)
        {
            throw new InvalidInputException($"Give a version or a label for {Noun(kind).ToLowerInvariant()} '{name}', not both (got version '{version}' and label '{label}').", "label");
        }
        Version(kind, version);
        if (label is not null && !string.Equals(label, Latest, StringComparison.Ordinal))
        {
            throw new InvalidInputException($"Label '{(global::AzureMlSdk.Validate.Shorten(label))}' is not supported for {Noun(kind).ToLowerInvariant()} '{name}': workspace assets have the label '{Latest}' only.", "label");
        }
    }
}
