using System.Text.RegularExpressions;

namespace AzureMlSdk.Cli.Tests;

/// <summary>
/// Table output checked against files in golden/. Times and generated ids are replaced by placeholders of the same width,
/// so column alignment is checked too. AZML_UPDATE_GOLDEN=1 rewrites the files in the source tree.
/// </summary>
public static partial class Golden
{
    public static string Normalize(string text, IReadOnlyDictionary<string, string>? replacements = null)
    {
        if (replacements is not null)
        {
            foreach (var (from, to) in replacements)
            {
                text = text.Replace(from, to.PadRight(from.Length, '_')[..Math.Max(to.Length, from.Length)], StringComparison.Ordinal);
            }
        }
        text = IsoTime().Replace(text, "YYYY-MM-DDTHH:MM:SS.fff+00:00");
        return text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    public static void Check(string name, string actual, IReadOnlyDictionary<string, string>? replacements = null)
    {
        var normalized = Normalize(actual, replacements);
        var file = Path.Combine(AppContext.BaseDirectory, "golden", name);
        if (Environment.GetEnvironmentVariable("AZML_UPDATE_GOLDEN") == "1")
        {
            var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "golden", name));
            File.WriteAllText(source, normalized);
            return;
        }
        Assert.True(File.Exists(file), $"golden/{name} is missing; the output was:\n{normalized}");
        Assert.Equal(File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal), normalized);
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00")]
    private static partial Regex IsoTime();
}
