using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Emulator.Mlflow;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.IntegrationTests;

/// <summary>A data folder from an Emulator that kept run inputs/outputs and logged models in <c>mlflow.db</c> opens with them in the workspace store.</summary>
public sealed class SideStoreImportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "azureml-sidestore-" + Guid.NewGuid().ToString("N"));

    public SideStoreImportTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by the OS; temp folders are cleaned by it
        }
    }

    private static void Exec(string file, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task An_old_side_database_is_imported_once_keeping_model_ids_and_renamed()
    {
        await using IWorkspaceBackend backend = new LocalWorkspaceBackend(Path.Combine(_folder, "local"));
        var experiment = await backend.Tracking.CreateExperimentAsync("old", null, CancellationToken.None);
        var run = await backend.Tracking.CreateRunAsync(new NewRun(experiment.ExperimentId, "r", DateTimeOffset.UtcNow), CancellationToken.None);
        var file = Path.Combine(_folder, SideStoreImport.FileName);
        // The schema and rows as MlflowSideStore wrote them.
        Exec(file, $$$"""
            CREATE TABLE run_dataset_inputs (run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, body TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (run_id, name, digest));
            CREATE TABLE run_model_inputs (run_id TEXT NOT NULL, model_id TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (run_id, model_id));
            CREATE TABLE run_model_outputs (run_id TEXT NOT NULL, model_id TEXT NOT NULL, step INTEGER NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (run_id, model_id, step));
            CREATE TABLE logged_models (model_id TEXT NOT NULL PRIMARY KEY, experiment_id TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
            INSERT INTO logged_models VALUES ('m-0123456789abcdef0123456789abcdef', '{{{experiment.ExperimentId}}}',
                '{"name":"clf","status":"LOGGED_MODEL_READY","model_type":"sklearn","source_run_id":"{{{run.RunId}}}","tags":{"env":"prod"},"params":{"alpha":"0.5"}}', 1, 2);
            INSERT INTO run_dataset_inputs VALUES ('{{{run.RunId}}}', 'iris', 'd1',
                '{"tags":[{"key":"mlflow.data.context","value":"training"}],"dataset":{"name":"iris","digest":"d1","source_type":"local","source":"{}"}}', 1);
            INSERT INTO run_model_inputs VALUES ('{{{run.RunId}}}', 'm-0123456789abcdef0123456789abcdef', 2);
            INSERT INTO run_model_outputs VALUES ('{{{run.RunId}}}', 'm-0123456789abcdef0123456789abcdef', 7, 3);
            INSERT INTO run_model_outputs VALUES ('00000000000000000000000000000000', 'm-gone', 1, 4);
            """);

        SideStoreImport.Run(_folder, backend.Tracking);
        SideStoreImport.Run(_folder, backend.Tracking); // nothing left to import

        var model = await backend.Tracking.GetLoggedModelAsync("m-0123456789abcdef0123456789abcdef", CancellationToken.None);
        Assert.Equal(("clf", LoggedModelStatus.Ready, "sklearn", run.RunId), (model.Name, model.Status, model.ModelType, model.SourceRunId));
        Assert.Equal("prod", model.Tags["env"]);
        Assert.Equal("0.5", model.Params["alpha"]);
        var io = await backend.Tracking.GetRunInputsOutputsAsync(run.RunId, CancellationToken.None);
        Assert.Equal("iris", Assert.Single(io.DatasetInputs).Dataset.Name);
        Assert.Equal("training", io.DatasetInputs[0].Tags.Single().Value);
        Assert.Equal(["m-0123456789abcdef0123456789abcdef"], io.ModelInputs);
        Assert.Equal([new RunModelOutput("m-0123456789abcdef0123456789abcdef", 7)], io.ModelOutputs);
        Assert.False(File.Exists(file));
        Assert.True(File.Exists(file + ".imported"));
    }

    [Fact]
    public async Task An_unreadable_side_database_is_left_in_place_and_does_not_stop_the_workspace()
    {
        await using IWorkspaceBackend backend = new LocalWorkspaceBackend(Path.Combine(_folder, "local"));
        var file = Path.Combine(_folder, SideStoreImport.FileName);
        await File.WriteAllTextAsync(file, "not a database, just text that is long enough to have a header page of its own......");

        SideStoreImport.Run(_folder, backend.Tracking);

        Assert.True(File.Exists(file));
        Assert.NotNull(await backend.Tracking.EnsureDefaultExperimentAsync(CancellationToken.None));
    }
}
