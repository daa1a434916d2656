namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the model registry (LocalModelRegistry).
    // model_names keeps the last version ever assigned per name, so a deleted version's number is never reused.
    // model_files references content by SHA-256; the bytes live once under models/blobs/sha256/<aa>/<hash>.
    // Times are Unix milliseconds (UTC).
    private const string RegistryDdl = """

        CREATE TABLE IF NOT EXISTS model_names (
            name TEXT NOT NULL PRIMARY KEY,
            last_version INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS model_versions (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            description TEXT NULL,
            framework TEXT NOT NULL,
            run_id TEXT NULL,
            stage TEXT NULL,
            is_archived INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE IF NOT EXISTS model_tags (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, version, key),
            FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS model_tags_key_value ON model_tags (key, value);
        CREATE TABLE IF NOT EXISTS model_properties (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (name, version, key),
            FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
        );
        CREATE TABLE IF NOT EXISTS model_files (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            path TEXT NOT NULL,
            length INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (name, version, path),
            FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS model_files_sha256 ON model_files (sha256);
        CREATE TABLE IF NOT EXISTS model_aliases (
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (name, alias),
            FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS model_aliases_version ON model_aliases (name, version);

        """;
}
