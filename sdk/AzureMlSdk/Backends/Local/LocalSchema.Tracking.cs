namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the tracking store (LocalTrackingStore). Times are Unix milliseconds, as MLflow keeps them.
    // Runs carry an integer key (their rowid) so the per-point tables index 8 bytes instead of a 32-character id.
    // A metric value is never NULL: NaN is stored as 0 with is_nan = 1 (SQLite turns NaN into NULL, and NULLs
    // would defeat the uniqueness that makes batch replays idempotent); -0.0 has is_nan = 2 (SQLite would read it back
    // as 0); ±Infinity is stored as REAL as is.
    private const string TrackingDdl = """
        CREATE TABLE IF NOT EXISTS experiments (
            experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            is_deleted INTEGER NOT NULL DEFAULT 0,
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS experiment_tags (
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (experiment_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS runs (
            run_key INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NULL,
            parent_run_id TEXT NULL,
            is_deleted INTEGER NOT NULL DEFAULT 0,
            deleted_time INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, start_time DESC);
        CREATE TABLE IF NOT EXISTS run_params (
            run_key INTEGER NOT NULL REFERENCES runs(run_key),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_key, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS run_tags (
            run_key INTEGER NOT NULL REFERENCES runs(run_key),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run_key, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS metrics (
            run_key INTEGER NOT NULL,
            key TEXT NOT NULL,
            step INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            value REAL NOT NULL,
            is_nan INTEGER NOT NULL,
            PRIMARY KEY (run_key, key, step, timestamp, value, is_nan)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS latest_metrics (
            run_key INTEGER NOT NULL,
            key TEXT NOT NULL,
            step INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            value REAL NOT NULL,
            is_nan INTEGER NOT NULL,
            PRIMARY KEY (run_key, key)
        ) WITHOUT ROWID;

        """;
}
