namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>Finds the Azure ML REST spec (<c>shared/azure-ml-rest-spec</c>) the conformance tests read.</summary>
internal static class RestSpecFolder
{
    /// <summary>
    /// <c>$AZUREML_REST_SPEC</c> when set; else the first <c>shared/azure-ml-rest-spec</c> beside an ancestor of the test
    /// assembly (the team's source of truth); else the repository's copy in <c>tests/spec/azure-ml-rest-spec</c>, so a
    /// clone without <c>shared/</c> beside it still runs the conformance tests.
    /// </summary>
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("AZUREML_REST_SPEC") is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured
                : throw new InvalidOperationException($"AZUREML_REST_SPEC names '{configured}', which does not exist.");
        }
        foreach (var relative in new[] { Path.Combine("shared", "azure-ml-rest-spec"), Path.Combine("tests", "spec", "azure-ml-rest-spec") })
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new InvalidOperationException(
            "The Azure ML REST spec was found neither in shared/azure-ml-rest-spec beside an ancestor of the test assembly's folder " +
            "nor in the repository's tests/spec/azure-ml-rest-spec; set AZUREML_REST_SPEC to the spec folder.");
    }
}
