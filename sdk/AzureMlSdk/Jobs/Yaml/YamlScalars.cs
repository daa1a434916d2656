using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AzureMlSdk.Jobs.Yaml;

/// <summary>
/// The YAML core schema for plain scalars: <c>null</c>/<c>~</c>/empty, <c>true</c>/<c>false</c>, integers, floats;
/// anything quoted (or tagged <c>!!str</c>) is text. So <c>epochs: 10</c> is the integer 10 and <c>kernel: "10"</c> the
/// text "10". As az ml reads YAML 1.1 (PyYAML), <c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c> are booleans too.
/// </summary>
internal static partial class YamlScalars
{
    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInt();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    private const string StrTag = "tag:yaml.org,2002:str";

    /// <summary>The scalar's value: null, bool, long, double or string.</summary>
    public static object? Value(YamlScalarNode node)
    {
        var text = node.Value ?? "";
        if (node.Style is not ScalarStyle.Plain and not ScalarStyle.Any || (!node.Tag.IsEmpty && node.Tag.Value == StrTag))
        {
            return text;
        }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return true;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF":
                return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN":
                return double.NaN;
        }
        if (DecimalInt().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }
        return text;
    }

    /// <summary>A scalar's text for fields that take text (tags, environment variables…): numbers and booleans as written.</summary>
    public static string? Text(YamlScalarNode node) => Value(node) is null ? null : node.Value;
}
