using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests;

// Tracking routes beyond the SDK's own use: the default experiment, experiment-tag deletion, run inputs/outputs,
// log-model, bulk-interval metric history, and unknown routes.
public sealed partial class MlflowWireTests
{
    private static string[] Keys(JsonObject obj) => obj.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Default_experiment_0_exists_and_runs_without_an_experiment_id_land_in_it()
    {
        var experiment = (await GetAsync("experiments/get", "experiment_id=0")).Body["experiment"]!.AsObject();
        Assert.Equal("0", experiment["experiment_id"]!.GetValue<string>());
        Assert.Equal("Default", experiment["name"]!.GetValue<string>());
        Assert.Equal("active", experiment["lifecycle_stage"]!.GetValue<string>());
        Assert.Equal("mlflow-artifacts:/ExperimentRun", experiment["artifact_location"]!.GetValue<string>());
        Assert.Equal("0", (await GetAsync("experiments/get-by-name", "experiment_name=Default")).Body["experiment"]!["experiment_id"]!.GetValue<string>());

        var explicitZero = (await PostAsync("runs/create", new { experiment_id = "0", start_time = 1L })).Body["run"]!["info"]!.AsObject();
        Assert.Equal("0", explicitZero["experiment_id"]!.GetValue<string>());
        var runId = explicitZero["run_id"]!.GetValue<string>();
        Assert.Equal($"mlflow-artifacts:/ExperimentRun/dcid.{runId}", explicitZero["artifact_uri"]!.GetValue<string>());
        var implicitZero = (await PostAsync("runs/create", new { start_time = 2L })).Body["run"]!["info"]!.AsObject();
        Assert.Equal("0", implicitZero["experiment_id"]!.GetValue<string>());

        var runs = (await PostAsync("runs/search", new { experiment_ids = new[] { "0" } })).Body["runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        var all = (await GetAsync("experiments/search", "max_results=1000&view_type=ALL")).Body["experiments"]!.AsArray();
        Assert.Equal("0", all[^1]!["experiment_id"]!.GetValue<string>()); // the oldest: last by creation_time DESC
    }

    [Fact]
    public async Task Delete_experiment_tag_removes_it_and_a_missing_tag_is_RESOURCE_DOES_NOT_EXIST()
    {
        var id = await NewExperimentAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("experiments/set-experiment-tag", new { experiment_id = id, key = "team", value = "a" })).Status);
        var deleted = await PostAsync("experiments/delete-experiment-tag", new { experiment_id = id, key = "team" });
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Empty(deleted.Body);
        Assert.Null((await GetAsync("experiments/get", "experiment_id=" + id)).Body["experiment"]!["tags"]);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("experiments/delete-experiment-tag", new { experiment_id = id, key = "team" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("experiments/delete-experiment-tag", new { experiment_id = id }));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("experiments/delete-experiment-tag", new { experiment_id = "987654", key = "team" }));
    }

    [Fact]
    public async Task Log_inputs_and_outputs_show_in_the_run_and_a_dataset_is_recorded_once()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        var dataset = new { name = "iris", digest = "abc123", source_type = "local", source = "{\"uri\": \"iris.csv\"}", schema = "{}" };
        var input = new { tags = new[] { new { key = "mlflow.data.context", value = "training" } }, dataset };
        var reply = await PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { input }, models = new[] { new { model_id = "m-1" } } });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Empty(reply.Body);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { input } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/outputs", new { run_id = runId, models = new[] { new { model_id = "m-2", step = 3L } } })).Status);

        var run = (await GetAsync("runs/get", "run_id=" + runId)).Body["run"]!;
        var inputs = run["inputs"]!["dataset_inputs"]!.AsArray();
        Assert.Single(inputs);
        Assert.Equal("training", inputs[0]!["tags"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(["digest", "name", "schema", "source", "source_type"], Keys(inputs[0]!["dataset"]!.AsObject()));
        Assert.Equal("m-1", run["inputs"]!["model_inputs"]![0]!["model_id"]!.GetValue<string>());
        Assert.Equal(3L, run["outputs"]!["model_outputs"]![0]!["step"]!.GetValue<long>());

        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-inputs", new { run_id = runId, datasets = new[] { new { dataset = new { name = "x" } } } }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/outputs", new { run_id = runId }));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("runs/log-inputs", new { run_id = "0123456789abcdef0123456789abcdef" }));
    }

    [Fact]
    public async Task Log_model_appends_to_the_history_tag_and_checks_the_model_json()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        string ModelJson(string path) => JsonSerializer.Serialize(new { run_id = runId, artifact_path = path, utc_time_created = "2024-01-01 00:00:00.000000", flavors = new { python_function = new { } } });
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-model", new { run_id = runId, model_json = ModelJson("a") })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-model", new { run_id = runId, model_json = ModelJson("b") })).Status);
        var tags = (await GetAsync("runs/get", "run_id=" + runId)).Body["run"]!["data"]!["tags"]!.AsArray();
        var history = JsonNode.Parse(tags.Single(t => t!["key"]!.GetValue<string>() == "mlflow.log-model.history")!["value"]!.GetValue<string>())!.AsArray();
        Assert.Equal(["a", "b"], history.Select(m => m!["artifact_path"]!.GetValue<string>()));

        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-model", new { run_id = runId, model_json = "{\"run_id\": \"x\"}" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-model", new { run_id = runId, model_json = "not json" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-model", new { run_id = runId }));
    }

    [Fact]
    public async Task Bulk_interval_history_samples_steps_across_runs_and_keeps_first_and_last()
    {
        var experiment = await NewExperimentAsync();
        var a = await NewRunAsync(experiment);
        var b = await NewRunAsync(experiment);
        await PostAsync("runs/log-batch", new { run_id = a, metrics = Enumerable.Range(0, 10).Select(i => new { key = "loss", value = (double)i, timestamp = 100L + i, step = (long)i }).ToArray() });
        await PostAsync("runs/log-batch", new { run_id = b, metrics = new[] { new { key = "loss", value = 5.0, timestamp = 1L, step = 3L } } });

        var all = await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&run_ids={b}&metric_key=loss");
        Assert.Equal(HttpStatusCode.OK, all.Status);
        var points = all.Body["metrics"]!.AsArray();
        Assert.Equal(11, points.Count);
        Assert.Equal(["key", "run_id", "step", "timestamp", "value"], Keys(points[0]!.AsObject()));
        Assert.Equal(a, points[0]!["run_id"]!.GetValue<string>());
        Assert.Equal(b, points[^1]!["run_id"]!.GetValue<string>());

        // max_results 3 over steps 0..9: evenly spaced 0, 3, 6 plus the last step 9 (and run b's only step, 3).
        var sampled = (await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&run_ids={b}&metric_key=loss&max_results=3")).Body["metrics"]!.AsArray();
        Assert.Equal([0L, 3L, 6L, 9L, 3L], sampled.Select(p => p!["step"]!.GetValue<long>()));
        var window = (await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&metric_key=loss&start_step=2&end_step=4")).Body["metrics"]!.AsArray();
        Assert.Equal([2L, 3L, 4L], window.Select(p => p!["step"]!.GetValue<long>()));

        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("metrics/get-history-bulk-interval", "metric_key=loss"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&metric_key=loss&start_step=5&end_step=1"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&metric_key=loss&start_step=5"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("metrics/get-history-bulk-interval", $"run_ids={a}&metric_key=loss&max_results=2501"));
        var tooMany = string.Join("&", Enumerable.Range(0, 101).Select(i => "run_ids=r" + i));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("metrics/get-history-bulk-interval", tooMany + "&metric_key=loss"));
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_answer_as_an_MLflow_server_does()
    {
        AssertError(HttpStatusCode.NotFound, "ENDPOINT_NOT_FOUND", await PostAsync("runs/log-everything", new { }));
        AssertError(HttpStatusCode.NotFound, "ENDPOINT_NOT_FOUND", await GetAsync("registered-models/list", "x=1"));
        var wrong = await SendAsync(HttpMethod.Post, "registered-models/update", new { name = "x" });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrong.Status);
        Assert.Equal("BAD_REQUEST", wrong.Body["error_code"]!.GetValue<string>());
        var get = await SendAsync(HttpMethod.Get, "model-versions/create", query: "name=x");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.Status);

        // MLflow 3 clients probe server-info before transfers; a non-200 answer means "no multipart".
        using var serverInfo = await emulator.Http.GetAsync(emulator.MlflowBase(_ws).Replace("/api/2.0/mlflow/", "/api/3.0/mlflow/server-info", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, serverInfo.StatusCode);
        Assert.Equal("ENDPOINT_NOT_FOUND", JsonNode.Parse(await serverInfo.Content.ReadAsStringAsync())!["error_code"]!.GetValue<string>());
    }
}
