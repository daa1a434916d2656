namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>Finds the Azure ML REST spec (<c>shared/azure-ml-rest-spec</c>) the conformance tests read.</summary>
internal static class RestSpecFolder
{
    /// <summary>
    /// <c>$AZUREML_REST_SPEC</c> when set, else the first <c>shared/azure-ml-rest-spec</c> beside an ancestor of the test
    /// assembly (the repository sits next to <c>shared/</c> on the team's machines and in CI).
    /// </summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("AZUREML_REST_SPEC") is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured
                : throw new InvalidOperationException($"AZUREML_REST_SPEC names '{configured}', which does not exist.");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "azure-ml-rest-spec");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            "The Azure ML REST spec (shared/azure-ml-rest-spec) was not found in any ancestor of the test assembly's folder; " +
            "clone the repository beside shared/ or set AZUREML_REST_SPEC to the spec folder.");
    }
}
