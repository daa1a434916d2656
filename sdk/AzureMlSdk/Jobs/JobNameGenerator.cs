using System.Security.Cryptography;

namespace AzureMlSdk.Jobs;

/// <summary>
/// Job names chosen by the client when a definition has none, in azure-ai-ml's style (<c>&lt;adjective&gt;_&lt;noun&gt;_&lt;10 characters&gt;</c>,
/// e.g. <c>calm_lamp_4k2m9x0q7p</c>): the name is fixed before the first request, so a replayed submit names the same job.
/// </summary>
internal static class JobNameGenerator
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "eager", "gentle", "happy", "jolly", "keen", "kind",
        "lively", "loyal", "lucid", "mellow", "neat", "nimble", "plucky", "polite", "quick", "quiet", "shiny", "sincere", "sleek",
        "steady", "sunny", "swift", "tidy", "witty",
    ];

    private static readonly string[] Nouns =
    [
        "apple", "basket", "beach", "bird", "brush", "cactus", "candle", "cloud", "comet", "coral", "engine", "fern", "garden",
        "harbor", "island", "kettle", "lamp", "leaf", "lemon", "maple", "meadow", "moon", "orange", "pear", "pepper", "piano",
        "river", "rocket", "seed", "spoon", "tiger", "tower",
    ];

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new random job name (valid for ARM's <c>jobs/{id}</c> and the local workspace).</summary>
    public static string New() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}_{RandomNumberGenerator.GetString(Alphabet, 10)}";
}
