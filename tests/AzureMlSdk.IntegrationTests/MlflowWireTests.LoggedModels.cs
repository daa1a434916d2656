using System.Net;

namespace AzureMlSdk.IntegrationTests;

// MLflow 3's logged models: what mlflow.<flavor>.log_model calls on a 3.x client.
public sealed partial class MlflowWireTests
{
    [Fact]
    public async Task Logged_models_are_created_finalized_tagged_searched_and_deleted()
    {
        var experimentId = await NewExperimentAsync();
        var runId = await NewRunAsync(experimentId);
        var created = await PostAsync("logged-models", new
        {
            experiment_id = experimentId,
            name = "model",
            model_type = "classifier",
            source_run_id = runId,
            @params = new[] { new { key = "alpha", value = "0.5" } },
            tags = new[] { new { key = "mlflow.source.type", value = "LOCAL" } },
        });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var info = created.Body["model"]!["info"]!.AsObject();
        var modelId = info["model_id"]!.GetValue<string>();
        Assert.Matches("^m-[0-9a-f]{32}$", modelId);
        Assert.Equal(["artifact_uri", "creation_timestamp_ms", "experiment_id", "last_updated_timestamp_ms", "model_id", "model_type", "name", "source_run_id", "status", "tags"], Keys(info));
        Assert.Equal("LOGGED_MODEL_PENDING", info["status"]!.GetValue<string>());
        Assert.Equal($"mlflow-artifacts:/LoggedModels/{modelId}/artifacts", info["artifact_uri"]!.GetValue<string>());
        Assert.Equal("""{"params":[{"key":"alpha","value":"0.5"}]}""", created.Body["model"]!["data"]!.ToJsonString());

        var finalized = await PatchAsync($"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_READY" });
        Assert.Equal("LOGGED_MODEL_READY", finalized.Body["model"]!["info"]!["status"]!.GetValue<string>());
        Assert.Equal("LOGGED_MODEL_UPLOAD_FAILED", (await PatchAsync($"logged-models/{modelId}", new { status = 3 })).Body["model"]!["info"]!["status"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PatchAsync($"logged-models/{modelId}", new { status = "DONE" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PatchAsync($"logged-models/{modelId}", new { }));

        Assert.Equal("{}", (await PatchAsync($"logged-models/{modelId}/tags", new { tags = new[] { new { key = "env", value = "prod" } } })).Raw);
        Assert.Equal("{}", (await PostAsync($"logged-models/{modelId}/params", new { model_id = modelId, @params = new[] { new { key = "beta", value = "1" } } })).Raw);
        var got = (await GetAsync($"logged-models/{modelId}", "x=1")).Body["model"]!;
        Assert.Contains(got["info"]!["tags"]!.AsArray(), t => t!["key"]!.GetValue<string>() == "env");
        Assert.Equal(2, got["data"]!["params"]!.AsArray().Count);
        Assert.Equal("{}", (await SendAsync(HttpMethod.Delete, $"logged-models/{modelId}/tags/env")).Raw);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await SendAsync(HttpMethod.Delete, $"logged-models/{modelId}/tags/env"));

        var other = (await PostAsync("logged-models", new { experiment_id = experimentId })).Body["model"]!["info"]!;
        Assert.False(string.IsNullOrEmpty(other["name"]!.GetValue<string>())); // a name is generated
        var search = await PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "name = 'model'" });
        Assert.Equal(modelId, search.Body["models"]!.AsArray().Single()!["info"]!["model_id"]!.GetValue<string>());
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, max_results = 1, page_token = token, order_by = new[] { new { field_name = "creation_timestamp", ascending = true } } });
            seen.AddRange(page.Body["models"]!.AsArray().Select(m => m!["info"]!["model_id"]!.GetValue<string>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(new[] { modelId, other["model_id"]!.GetValue<string>() }.Order(), seen.Order());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("logged-models/search", new { }));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("logged-models", new { experiment_id = "987654" }));

        using (var put = await ProxyAsync(HttpMethod.Put, $"artifacts/LoggedModels/{modelId}/artifacts/MLmodel", "flavors: {}"u8.ToArray()))
        {
            put.EnsureSuccessStatusCode();
        }
        var listed = await GetAsync($"logged-models/{modelId}/artifacts/directories", "x=1");
        Assert.Equal($$"""{"root_uri":"mlflow-artifacts:/LoggedModels/{{modelId}}/artifacts","files":[{"path":"MLmodel","is_dir":false,"file_size":11}]}""", listed.Raw);

        // Registering models:/<id> records the source, the model id, and the version on the logged model.
        await PostAsync("registered-models/create", new { name = "from-logged" });
        var version = (await PostAsync("model-versions/create", new { name = "from-logged", source = $"models:/{modelId}", run_id = runId, model_id = modelId })).Body["model_version"]!;
        Assert.Equal(modelId, version["model_id"]!.GetValue<string>());
        Assert.Equal($"mlflow-artifacts:/LoggedModels/{modelId}/artifacts", (await GetAsync("model-versions/get-download-uri", "name=from-logged&version=1")).Body["artifact_uri"]!.GetValue<string>());
        var tags = (await GetAsync($"logged-models/{modelId}", "x=1")).Body["model"]!["info"]!["tags"]!.AsArray();
        Assert.Equal("""[{"name":"from-logged","version":1}]""", tags.Single(t => t!["key"]!.GetValue<string>() == "mlflow.modelVersions")!["value"]!.GetValue<string>());

        Assert.Equal("{}", (await SendAsync(HttpMethod.Delete, $"logged-models/{modelId}")).Raw);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync($"logged-models/{modelId}", "x=1"));
    }
}
