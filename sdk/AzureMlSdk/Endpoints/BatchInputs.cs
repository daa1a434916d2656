namespace AzureMlSdk.Endpoints;

/// <summary>What a batch endpoint reads: shared by the local batch scorer (AzureMlSdk.Serving) and the remote backend, which uploads the same files.</summary>
internal static class BatchInputs
{
    /// <summary>The .csv and .jsonl files a batch job reads from <paramref name="inputPath"/> (a file or a folder), in ordinal order.</summary>
    internal static List<string> InputFiles(string inputPath)
    {
        string[] files;
        if (File.Exists(inputPath))
        {
            files = [inputPath];
        }
        else if (Directory.Exists(inputPath))
        {
            files = Directory.GetFiles(inputPath, "*", SearchOption.AllDirectories);
        }
        else
        {
            throw new InvalidInputException($"Batch input '{inputPath}' is neither a file nor a folder.", nameof(inputPath));
        }
        var inputs = files.Where(f => Path.GetExtension(f).ToLowerInvariant() is ".csv" or ".jsonl").Order(StringComparer.Ordinal).ToList();
        return inputs.Count > 0 ? inputs
            : throw new InvalidInputException($"Batch input '{inputPath}' holds no .csv or .jsonl file.", nameof(inputPath));
    }
}
