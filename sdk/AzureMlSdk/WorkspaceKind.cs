namespace AzureMlSdk;

/// <summary>Where a workspace lives.</summary>
public enum WorkspaceKind
{
    /// <summary>The embedded local workspace (SQLite + a folder).</summary>
    Local,
    /// <summary>A workspace reached over Azure ML's REST surfaces (Azure, the Emulator, an MLflow server).</summary>
    Remote,
}
