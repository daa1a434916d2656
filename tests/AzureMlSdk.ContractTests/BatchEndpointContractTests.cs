using System.Text.Json.Nodes;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.ContractTests;

/// <summary>
/// The contract suite for batch endpoints, through the public object model, with ONNX models only (custom .NET scorers are a
/// local-only feature). Every backend that runs batch jobs gives the same counts, predictions and per-row errors.
/// </summary>
public abstract partial class BatchEndpointContractTests : ContractTestBase
{
    private async Task<Model> RegisterLinearAsync(float bias)
    {
        var file = Scratch($"linear-{bias}/model.onnx");
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], bias));
        return await Ws.RegisterModelAsync("batch-linear", file);
    }

    /// <summary>A folder of inputs: a.csv (5 rows), sub/b.jsonl (3 lines, the second one unscorable) and a file the job ignores.</summary>
    private string InputFolder()
    {
        var folder = Path.GetDirectoryName(Scratch("inputs/a.csv"))!;
        File.WriteAllText(Path.Combine(folder, "a.csv"), "x1,x2,x3\n0,0,0\n1,0,0\n2,0,0\n3,0,0\n4,0,0\n");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "sub", "b.jsonl"), "{\"x1\": 1, \"x2\": 1, \"x3\": 1}\n{\"x1\": \"abc\", \"x2\": 1, \"x3\": 1}\n{\"x1\": 0, \"x2\": 0, \"x3\": 1}\n");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an input");
        return folder;
    }

    private async Task<List<JsonNode>> ReadLinesAsync(BatchScoringResult result, string artifact)
    {
        var run = await Ws.GetRunAsync(result.RunId);
        var local = Scratch($"out/{Guid.NewGuid():N}");
        await run.DownloadFileAsync(artifact, local);
        return File.ReadAllLines(local).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private static double Prediction(JsonNode line) => line["prediction"]![0]!.GetValue<double>();

    [Fact]
    public async Task An_MLTable_folder_is_scored_as_its_paths_and_read_delimited_settings_say()
    {
        var model = await RegisterLinearAsync(0.5f);
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-mltable"));
        await be.DeployAsync(new BatchDeploymentSpec("onnx", model) { MiniBatchSize = 2 });
        var folder = Path.GetDirectoryName(Scratch("table/MLTable"))!;
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllText(Path.Combine(folder, "data", "p1.txt"), "x1;x2;x3\n1;0;0\n");
        File.WriteAllText(Path.Combine(folder, "data", "p2.txt"), "2;0;0\n0;1;0\n");
        File.WriteAllText(Path.Combine(folder, "data", "ignored.csv"), "x1,x2,x3\n9,9,9\n");
        File.WriteAllText(Path.Combine(folder, "MLTable"), "paths:\n  - pattern: ./data/*.txt\ntransformations:\n  - read_delimited:\n      delimiter: ';'\n      header: from_first_file\n");

        var result = await be.InvokeAsync(folder);

        Assert.Equal((RunStatus.Completed, 2, 3L, 0L), (result.Status, result.FilesRead, result.RowsScored, result.RowsFailed));
        var predictions = await ReadLinesAsync(result, result.PredictionsArtifact);
        Assert.Equal([("data/p1.txt", 1, 1.5), ("data/p2.txt", 1, 2.5), ("data/p2.txt", 2, 2.5)],
            predictions.Select(p => ((string)p["file"]!, (int)p["row"]!, Prediction(p))));

        // The MLTable file itself names the same input.
        Assert.Equal(3L, (await be.InvokeAsync(Path.Combine(folder, "MLTable"))).RowsScored);
    }

    [Fact]
    public async Task A_Parquet_MLTable_folder_is_scored_as_the_same_rows_in_csv_files()
    {
        var model = await RegisterLinearAsync(0.5f);
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-parquet"));
        await be.DeployAsync(new BatchDeploymentSpec("onnx", model) { MiniBatchSize = 2 });
        (string, Type)[] columns = [("x1", typeof(int)), ("x2", typeof(double)), ("x3", typeof(long))];
        string?[][] first = [["1", "0", "0"], ["2", "0.5", "0"], ["0", "1", null]];
        string?[][] second = [["3", "0", "1"]];
        var table = Path.GetDirectoryName(Scratch("pq/MLTable"))!;
        await ParquetFiles.WriteAsync(Path.Combine(table, "data", "part-0.parquet"), columns, first, rowGroupSize: 2);
        await ParquetFiles.WriteAsync(Path.Combine(table, "data", "part-1.parquet"), columns, second);
        File.WriteAllText(Path.Combine(table, "data", "_SUCCESS"), "");
        File.WriteAllText(Path.Combine(table, "MLTable"), "paths:\n  - folder: ./data\ntransformations:\n  - read_parquet\n");
        static string Csv(string?[][] rows) => "x1,x2,x3\n" + string.Concat(rows.Select(r => string.Join(",", r) + "\n"));
        File.WriteAllText(Scratch("pqcsv/part-0.csv"), Csv(first));
        File.WriteAllText(Scratch("pqcsv/part-1.csv"), Csv(second));

        var fromParquet = await be.InvokeAsync(table);
        var fromCsv = await be.InvokeAsync(Path.GetDirectoryName(Scratch("pqcsv/part-0.csv"))!);

        Assert.Equal((RunStatus.Completed, 2, 4L), (fromParquet.Status, fromParquet.FilesRead, fromParquet.RowsScored + fromParquet.RowsFailed));
        var parquetPredictions = await ReadLinesAsync(fromParquet, fromParquet.PredictionsArtifact);
        Assert.Equal([("data/part-0.parquet", 1, 1.5), ("data/part-0.parquet", 2, 3.5), ("data/part-1.parquet", 1, 6.5)],
            parquetPredictions.Where(p => (int)p["row"]! != 3).Select(p => ((string)p["file"]!, (int)p["row"]!, Prediction(p))));
        // The null is a missing value, as the CSV's empty field: the same outcome (prediction or error) for that row, as for every row.
        static (string, int, string) Key(JsonNode line, string value) => (Path.GetFileNameWithoutExtension((string)line["file"]!), (int)line["row"]!, value);
        Assert.Equal((await ReadLinesAsync(fromCsv, fromCsv.PredictionsArtifact)).Select(p => Key(p, p["prediction"]!.ToJsonString())),
            parquetPredictions.Select(p => Key(p, p["prediction"]!.ToJsonString())));
        Assert.Equal((fromCsv.RowsScored, fromCsv.RowsFailed), (fromParquet.RowsScored, fromParquet.RowsFailed));
        if (fromCsv.RowsFailed > 0)
        {
            Assert.Equal((await ReadLinesAsync(fromCsv, fromCsv.ErrorsArtifact)).Select(e => Key(e, "")), (await ReadLinesAsync(fromParquet, fromParquet.ErrorsArtifact)).Select(e => Key(e, "")));
        }

        // A file that is not Parquet fails the job, naming the file.
        File.WriteAllText(Scratch("pqbad/x.parquet"), "not a parquet file at all");
        File.WriteAllText(Scratch("pqbad/MLTable"), "paths:\n  - file: ./x.parquet\ntransformations:\n  - read_parquet\n");
        var error = await Assert.ThrowsAnyAsync<AzureMlException>(() => be.InvokeAsync(Path.GetDirectoryName(Scratch("pqbad/MLTable"))!));
        Assert.Contains("x.parquet' is not a readable Parquet file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_of_csv_and_jsonl_files_is_scored_and_each_bad_row_is_reported_not_dropped()
    {
        var model = await RegisterLinearAsync(0.5f);
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-batch") { Description = "scores files" });
        await be.DeployAsync(new BatchDeploymentSpec("onnx", model) { MiniBatchSize = 2, MaxConcurrency = 2 });

        var result = await be.InvokeAsync(InputFolder());

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal((2, 7L, 1L), (result.FilesRead, result.RowsScored, result.RowsFailed));
        Assert.Equal("contract-batch", result.ExperimentName);
        var predictions = await ReadLinesAsync(result, result.PredictionsArtifact);
        Assert.Equal([0.5, 1.5, 2.5, 3.5, 4.5], predictions.Where(p => (string)p["file"]! == "a.csv").Select(Prediction));
        Assert.Equal([(1, 6.5), (3, 3.5)], predictions.Where(p => (string)p["file"]! == "sub/b.jsonl").Select(p => ((int)p["row"]!, Prediction(p))));
        var error = Assert.Single(await ReadLinesAsync(result, result.ErrorsArtifact));
        Assert.Equal(("sub/b.jsonl", 2), ((string)error["file"]!, (int)error["row"]!));
        Assert.Contains("features", (string)error["error"]!, StringComparison.Ordinal);
        var run = await Ws.GetRunAsync(result.RunId);
        Assert.Equal(RunStatus.Completed, run.Status);
        var metrics = await run.GetMetricsAsync();
        Assert.Equal((7.0, 1.0, 2.0), (metrics["rows_scored"].Single().Value, metrics["rows_failed"].Single().Value, metrics["files"].Single().Value));
        Assert.Equal("contract-batch", (await Ws.GetExperimentAsync("contract-batch")).Name);
        Assert.Equal("scores files", (await Ws.GetBatchEndpointAsync("contract-batch")).Description);
    }

    [Fact]
    public async Task Invocations_go_to_the_default_deployment_unless_they_name_one()
    {
        var v1 = await RegisterLinearAsync(0f);
        var v2 = await RegisterLinearAsync(100f);
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-bdef"));
        await be.DeployAsync(new BatchDeploymentSpec("first", v1));
        await be.DeployAsync(new BatchDeploymentSpec("second", v2));
        var file = Scratch("one/row.csv");
        File.WriteAllText(file, "x1,x2,x3\n1,1,1\n");

        Assert.Equal("first", be.DefaultDeployment);
        var byDefault = await be.InvokeAsync(file);
        var named = await be.InvokeAsync(file, "second");

        Assert.Equal(6, Prediction(Assert.Single(await ReadLinesAsync(byDefault, byDefault.PredictionsArtifact))));
        Assert.Equal(106, Prediction(Assert.Single(await ReadLinesAsync(named, named.PredictionsArtifact))));
        Assert.Equal((1, 1L, 0L), (named.FilesRead, named.RowsScored, named.RowsFailed));
        Assert.Empty(await ReadLinesAsync(named, named.ErrorsArtifact));

        await be.DeployAsync(new BatchDeploymentSpec("second", v2), makeDefault: true);

        var read = await Ws.GetBatchEndpointAsync("contract-bdef");
        Assert.Equal("second", read.DefaultDeployment);
        Assert.Equal(["first", "second"], read.Deployments);
        var after = await read.InvokeAsync(file);
        Assert.Equal(106, Prediction(Assert.Single(await ReadLinesAsync(after, after.PredictionsArtifact))));
    }

    [Fact]
    public async Task A_job_past_its_error_threshold_ends_failed_with_its_outputs()
    {
        var model = await RegisterLinearAsync(0f);
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-bthr"));
        await be.DeployAsync(new BatchDeploymentSpec("strict", model) { ErrorThreshold = 0, OutputFileName = "scores.jsonl" });

        var result = await be.InvokeAsync(InputFolder());

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal((2, 7L, 1L), (result.FilesRead, result.RowsScored, result.RowsFailed));
        Assert.Equal("outputs/scores.jsonl", result.PredictionsArtifact);
        Assert.Equal(7, (await ReadLinesAsync(result, result.PredictionsArtifact)).Count);
        Assert.Equal(2, (int)Assert.Single(await ReadLinesAsync(result, result.ErrorsArtifact))["row"]!);
        Assert.Equal(RunStatus.Failed, (await Ws.GetRunAsync(result.RunId)).Status);
    }

    [Fact]
    public async Task Unknown_endpoints_deployments_and_models_are_refused()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetBatchEndpointAsync("contract-none"));
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-b404"));
        var file = Scratch("one/row.csv");
        File.WriteAllText(file, "x1,x2,x3\n1,1,1\n");

        await Assert.ThrowsAsync<InvalidStateException>(() => be.InvokeAsync(file));
        var ghost = await Assert.ThrowsAsync<ResourceNotFoundException>(() => be.DeployAsync(new BatchDeploymentSpec("ghostly", "ghost", 7)));
        Assert.Contains("ghost", ghost.Message, StringComparison.Ordinal);
        Assert.Equal((AzureMlErrorCodes.ResourceDoesNotExist, 404), (ghost.ErrorCode, ghost.Status));
        Assert.Null((await Ws.GetBatchEndpointAsync("contract-b404")).DefaultDeployment);
        await be.DeployAsync(new BatchDeploymentSpec("real", await RegisterLinearAsync(0f)));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => be.InvokeAsync(file, "nobody"));
        await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Scratch("missing/nothing-here")));

        await be.DeleteAsync();

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetBatchEndpointAsync("contract-b404"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => be.DeleteAsync());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => be.InvokeAsync(file));
    }

    [Fact]
    public async Task Batch_endpoints_are_listed_and_their_deployments_are_typed_objects()
    {
        var model = await RegisterLinearAsync(0f);
        var second = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-list-b"));
        var first = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("contract-list-a") { Description = "listed" });

        var one = await first.DeployAsync(new BatchDeploymentSpec("one", model) { MiniBatchSize = 3, MaxConcurrency = 1, ErrorThreshold = 5, OutputFileName = "preds.jsonl", Description = "first" });
        await first.DeployAsync(new BatchDeploymentSpec("two", model.Name, model.Version));
        await first.RefreshAsync();

        Assert.Equal(["contract-list-a", "contract-list-b"], await Ws.ListBatchEndpointsAsync().Select(e => e.Name).ToListAsync());
        Assert.Equal("listed", (await Ws.ListBatchEndpointsAsync().FirstAsync(e => e.Name == "contract-list-a")).Description);
        Assert.Equal(("contract-list-a", "one", "batch-linear", 1), (one.EndpointName, one.Name, one.ModelName, one.ModelVersion));
        Assert.Equal((3, 1, 5, "preds.jsonl", "first"), (one.MiniBatchSize, one.MaxConcurrency, one.ErrorThreshold, one.OutputFileName, one.Description));
        Assert.Equal(ProvisioningState.Succeeded, one.ProvisioningState);
        var listed = await first.ListDeploymentsAsync().ToListAsync();
        Assert.Equal(["one", "two"], listed.Select(d => d.Name));
        Assert.True(listed[0].IsDefault);
        Assert.False(listed[1].IsDefault);
        var got = await first.GetDeploymentAsync("two");
        Assert.Equal((model.Name, model.Version), (got.ModelName, got.ModelVersion));
        Assert.Empty(await second.ListDeploymentsAsync().ToListAsync());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => first.GetDeploymentAsync("three"));
    }
}
