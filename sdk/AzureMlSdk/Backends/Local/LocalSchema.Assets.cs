namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the asset backend (LocalAssetBackend.Versions.cs): data, environment and component versions (kind 'data', 'environment', 'component').
    // spec is the version as az ml's YAML keys in JSON (AssetSpecs); canonical is its sorted form, compared when a version is created again.
    // seq orders versions by creation across the workspace: the newest non-archived one is the 'latest' label.
    // Names compare case-insensitively, as ARM resource names do. Times are Unix milliseconds (UTC).
    private const string AssetsDdl = """

        CREATE TABLE IF NOT EXISTS asset_versions (
            kind TEXT NOT NULL,
            name TEXT NOT NULL COLLATE NOCASE,
            version TEXT NOT NULL,
            seq INTEGER NOT NULL,
            spec TEXT NOT NULL,
            canonical TEXT NOT NULL,
            description TEXT NULL,
            tags TEXT NOT NULL,
            is_archived INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (kind, name, version)
        );
        CREATE INDEX IF NOT EXISTS asset_versions_seq ON asset_versions (kind, name, seq);

        """;
}
