namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the tracking store (LocalTrackingStore.LoggedModels.cs): run inputs/outputs and MLflow 3 logged models.
    // Added after the first release; CREATE … IF NOT EXISTS adds them to an existing workspace database when it is opened.
    // Inputs and outputs keep the order they were first logged in (position); a replay hits the primary key and changes nothing.
    private const string LoggedModelsDdl = """
        CREATE TABLE IF NOT EXISTS run_dataset_inputs (
            run_key INTEGER NOT NULL REFERENCES runs(run_key),
            name TEXT NOT NULL,
            digest TEXT NOT NULL,
            source_type TEXT NOT NULL,
            source TEXT NOT NULL,
            schema TEXT NULL,
            profile TEXT NULL,
            tags TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (run_key, name, digest)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS run_model_inputs (
            run_key INTEGER NOT NULL REFERENCES runs(run_key),
            model_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (run_key, model_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS run_model_outputs (
            run_key INTEGER NOT NULL REFERENCES runs(run_key),
            model_id TEXT NOT NULL,
            step INTEGER NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (run_key, model_id, step)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS logged_models (
            model_id TEXT NOT NULL PRIMARY KEY,
            experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            model_type TEXT NULL,
            source_run_id TEXT NULL,
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS logged_models_by_experiment ON logged_models (experiment_id, creation_time);
        CREATE TABLE IF NOT EXISTS logged_model_tags (
            model_id TEXT NOT NULL REFERENCES logged_models(model_id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (model_id, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS logged_model_params (
            model_id TEXT NOT NULL REFERENCES logged_models(model_id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (model_id, key)
        ) WITHOUT ROWID;

        """;
}
