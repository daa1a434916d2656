using System.Text.RegularExpressions;

namespace AzureMlSdk.Jobs;

/// <summary>Names of data, environment, component and code assets (azure-ai-ml's rule: letters, digits, '-', '_', '.').</summary>
internal static partial class AssetNames
{
    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$")]
    private static partial Regex NameRegex();

    public static bool IsValid(string name) => NameRegex().IsMatch(name);
}
