namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the local job engine: code snapshots (LocalAssetBackend.Code.cs), computes (LocalComputeBackend) and jobs
    // (Jobs/LocalJobStore). Times are Unix milliseconds.
    // jobs.seq orders submissions (first in, first out per compute); heartbeat_ms is written by the supervisor that runs the job,
    // so a reader can tell a job whose supervisor died (LocalJobStore.FailOrphans).
    private const string JobsDdl = """
        CREATE TABLE IF NOT EXISTS code_snapshots (
            name TEXT PRIMARY KEY,
            version TEXT NOT NULL,
            uri TEXT NOT NULL,
            file_count INTEGER NOT NULL,
            total_bytes INTEGER NOT NULL,
            created_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS computes (
            name TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            min_instances INTEGER NOT NULL,
            max_instances INTEGER NOT NULL,
            size TEXT NULL,
            description TEXT NULL,
            tags_json TEXT NOT NULL,
            idle_seconds INTEGER NULL,
            tier TEXT NULL,
            location TEXT NULL,
            created_ms INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            definition_json TEXT NOT NULL,
            display_name TEXT NULL,
            experiment_name TEXT NOT NULL,
            parent_name TEXT NULL,
            compute TEXT NOT NULL,
            description TEXT NULL,
            tags_json TEXT NOT NULL,
            properties_json TEXT NOT NULL,
            output_uris_json TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            started_ms INTEGER NULL,
            ended_ms INTEGER NULL,
            error_code TEXT NULL,
            error_message TEXT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            supervisor_id TEXT NULL,
            heartbeat_ms INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, compute, seq);
        CREATE INDEX IF NOT EXISTS jobs_by_parent ON jobs (parent_name, seq DESC);

        """;
}
