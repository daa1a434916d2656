namespace AzureMlSdk.Backends.Local;

internal static partial class LocalSchema
{
    // Owned by the pipeline executor (Jobs/PipelineStepReuse.cs): the step-reuse index. reuse_key is the SHA-256 of everything that
    // decides a step's outputs (component, code snapshot, environment, input values and content hashes, settings); job_name is the
    // completed step job that ran with it. Kept in the database so reuse works across processes and agent restarts.
    private const string PipelinesDdl = """
        CREATE TABLE IF NOT EXISTS pipeline_step_reuse (
            reuse_key TEXT PRIMARY KEY,
            job_name TEXT NOT NULL,
            created_ms INTEGER NOT NULL
        );
        """;
}
