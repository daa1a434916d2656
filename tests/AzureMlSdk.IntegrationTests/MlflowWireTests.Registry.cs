using System.Net;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends;

namespace AzureMlSdk.IntegrationTests;

// The model registry routes of model_registry.proto, backed by the workspace's ARM model containers and versions.
public sealed partial class MlflowWireTests
{
    private Task<(HttpStatusCode Status, JsonObject Body, string Raw)> PatchAsync(string operation, object body) => SendAsync(HttpMethod.Patch, operation, body);

    private Task<(HttpStatusCode Status, JsonObject Body, string Raw)> DeleteAsync(string operation, object body) => SendAsync(HttpMethod.Delete, operation, body);

    private async Task<string> NewVersionAsync(string model, string source, string? runId = null)
    {
        var reply = await PostAsync("model-versions/create", new { name = model, source, run_id = runId });
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Raw);
        return reply.Body["model_version"]!["version"]!.GetValue<string>();
    }

    [Fact]
    public async Task Registered_models_create_get_update_rename_tag_and_delete_with_MLflow_shapes()
    {
        var created = await PostAsync("registered-models/create", new { name = "iris", tags = new[] { new { key = "team", value = "a" } } });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var model = created.Body["registered_model"]!.AsObject();
        Assert.Equal(["creation_timestamp", "last_updated_timestamp", "name", "tags"], Keys(model)); // no description when none, no versions yet
        Assert.Equal(System.Text.Json.JsonValueKind.Number, model["creation_timestamp"]!.GetValueKind());
        Assert.Equal("""[{"key":"team","value":"a"}]""", model["tags"]!.ToJsonString());

        var taken = await PostAsync("registered-models/create", new { name = "iris" });
        AssertError(HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS", taken);
        Assert.Equal("Registered Model (name=iris) already exists.", taken.Body["message"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/create", new { }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/create", new { name = "has space" }));
        var missing = await GetAsync("registered-models/get", "name=nope");
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", missing);
        Assert.Equal("Registered Model with name=nope not found", missing.Body["message"]!.GetValue<string>());

        var updated = await PatchAsync("registered-models/update", new { name = "iris", description = "flowers" });
        Assert.Equal("flowers", updated.Body["registered_model"]!["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("registered-models/set-tag", new { name = "iris", key = "stage", value = "dev" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("registered-models/delete-tag", new { name = "iris", key = "team" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("registered-models/delete-tag", new { name = "iris", key = "never-set" })).Status);
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/set-tag", new { name = "iris", key = "alias.x", value = "1" }));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("registered-models/set-tag", new { name = "nope", key = "k", value = "v" }));
        var got = (await GetAsync("registered-models/get", "name=iris")).Body["registered_model"]!;
        Assert.Equal("""[{"key":"stage","value":"dev"}]""", got["tags"]!.ToJsonString());

        await PostAsync("registered-models/create", new { name = "other" });
        AssertError(HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS", await PostAsync("registered-models/rename", new { name = "iris", new_name = "other" }));
        var renamed = await PostAsync("registered-models/rename", new { name = "iris", new_name = "iris2" });
        Assert.Equal("iris2", renamed.Body["registered_model"]!["name"]!.GetValue<string>());
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("registered-models/get", "name=iris"));

        var deleted = await DeleteAsync("registered-models/delete", new { name = "iris2" });
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Equal("{}", deleted.Raw);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await DeleteAsync("registered-models/delete", new { name = "iris2" }));
    }

    [Fact]
    public async Task Model_versions_number_stage_alias_tag_and_delete_as_MLflow_does()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        await PostAsync("registered-models/create", new { name = "clf" });
        var created = await PostAsync("model-versions/create", new { name = "clf", source = $"runs:/{runId}/model", run_id = runId });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var v1 = created.Body["model_version"]!.AsObject();
        Assert.Equal(["creation_timestamp", "current_stage", "description", "last_updated_timestamp", "name", "run_id", "run_link", "source", "status", "version"], Keys(v1));
        Assert.Equal("1", v1["version"]!.GetValue<string>());
        Assert.Equal("None", v1["current_stage"]!.GetValue<string>());
        Assert.Equal("READY", v1["status"]!.GetValue<string>());
        Assert.Equal("", v1["description"]!.GetValue<string>());
        Assert.Equal("", v1["run_link"]!.GetValue<string>());
        Assert.Equal($"runs:/{runId}/model", v1["source"]!.GetValue<string>());
        Assert.Equal(runId, v1["run_id"]!.GetValue<string>());
        Assert.Equal("2", await NewVersionAsync("clf", "mlflow-artifacts:/ExperimentRun/x/model"));
        Assert.Equal("3", await NewVersionAsync("clf", "s3://bucket/clf"));

        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("model-versions/create", new { name = "nope", source = "s3://b/x" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("model-versions/create", new { name = "clf", source = "/tmp/model" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("model-versions/create", new { name = "clf", source = "mlflow-artifacts:/a/../../b" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("model-versions/create", new { name = "clf" }));
        var missingVersion = await GetAsync("model-versions/get", "name=clf&version=9");
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", missingVersion);
        Assert.Equal("Model Version (name=clf, version=9) not found", missingVersion.Body["message"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("model-versions/get", "name=clf&version=one"));

        Assert.Equal("mlflow-artifacts:/ExperimentRun/dcid." + runId + "/model", (await GetAsync("model-versions/get-download-uri", "name=clf&version=1")).Body["artifact_uri"]!.GetValue<string>());
        Assert.Equal("mlflow-artifacts:/ExperimentRun/x/model", (await GetAsync("model-versions/get-download-uri", "name=clf&version=2")).Body["artifact_uri"]!.GetValue<string>());
        Assert.Equal("s3://bucket/clf", (await GetAsync("model-versions/get-download-uri", "name=clf&version=3")).Body["artifact_uri"]!.GetValue<string>());

        Assert.Equal("tuned", (await PatchAsync("model-versions/update", new { name = "clf", version = "1", description = "tuned" })).Body["model_version"]!["description"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("model-versions/set-tag", new { name = "clf", version = "1", key = "k", value = "v" })).Status);
        Assert.Equal("""[{"key":"k","value":"v"}]""", (await GetAsync("model-versions/get", "name=clf&version=1")).Body["model_version"]!["tags"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("model-versions/delete-tag", new { name = "clf", version = "1", key = "k" })).Status);
        Assert.Null((await GetAsync("model-versions/get", "name=clf&version=1")).Body["model_version"]!["tags"]);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("model-versions/set-tag", new { name = "clf", version = "9", key = "k", value = "v" }));

        // Stages: latest per stage; archive_existing_versions moves the others out of the target stage.
        Assert.Equal("Production", (await PostAsync("model-versions/transition-stage", new { name = "clf", version = "1", stage = "production", archive_existing_versions = false })).Body["model_version"]!["current_stage"]!.GetValue<string>());
        await PostAsync("model-versions/transition-stage", new { name = "clf", version = "2", stage = "Production", archive_existing_versions = true });
        Assert.Equal("Archived", (await GetAsync("model-versions/get", "name=clf&version=1")).Body["model_version"]!["current_stage"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("model-versions/transition-stage", new { name = "clf", version = "1", stage = "Shipped" }));
        var latest = await PostAsync("registered-models/get-latest-versions", new { name = "clf", stages = new[] { "Production", "None" } });
        Assert.Equal(["2", "3"], latest.Body["model_versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));
        var latestAll = await GetAsync("registered-models/get-latest-versions", "name=clf");
        Assert.Equal(["1", "2", "3"], latestAll.Body["model_versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/get-latest-versions", new { name = "clf", stages = new[] { "Shipped" } }));

        // Aliases: on the registered model and on the version they point to; a missing alias is INVALID_PARAMETER_VALUE.
        Assert.Equal("{}", (await PostAsync("registered-models/alias", new { name = "clf", alias = "champion", version = "2" })).Raw);
        var byAlias = await GetAsync("registered-models/alias", "name=clf&alias=champion");
        Assert.Equal("2", byAlias.Body["model_version"]!["version"]!.GetValue<string>());
        Assert.Equal("""["champion"]""", byAlias.Body["model_version"]!["aliases"]!.ToJsonString());
        Assert.Equal("""[{"alias":"champion","version":"2"}]""", (await GetAsync("registered-models/get", "name=clf")).Body["registered_model"]!["aliases"]!.ToJsonString());
        var noAlias = await GetAsync("registered-models/alias", "name=clf&alias=nope");
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", noAlias);
        Assert.Equal("Registered model alias nope not found.", noAlias.Body["message"]!.GetValue<string>());
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("registered-models/alias", new { name = "clf", alias = "x", version = "9" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/alias", new { name = "clf", alias = "latest", version = "1" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("registered-models/alias", new { name = "clf", alias = "v3", version = "1" }));
        Assert.Equal(HttpStatusCode.OK, (await DeleteAsync("registered-models/alias", new { name = "clf", alias = "never" })).Status);

        // Deleting a version drops its aliases; numbers are never handed out again.
        Assert.Equal("{}", (await DeleteAsync("model-versions/delete", new { name = "clf", version = "2" })).Raw);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("model-versions/get", "name=clf&version=2"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("registered-models/alias", "name=clf&alias=champion"));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await DeleteAsync("model-versions/delete", new { name = "clf", version = "2" }));
        Assert.Equal("4", await NewVersionAsync("clf", "s3://bucket/clf4"));
    }

    [Fact]
    public async Task Registry_searches_filter_order_and_page_with_MLflow_tokens()
    {
        foreach (var name in new[] { "search-b", "search-a", "search-c", "zzz" })
        {
            await PostAsync("registered-models/create", new { name });
        }
        await PostAsync("registered-models/set-tag", new { name = "search-a", key = "team", value = "x" });
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await GetAsync("registered-models/search", "filter=" + Uri.EscapeDataString("name LIKE 'search-%'") + "&max_results=2" + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            Assert.Equal(HttpStatusCode.OK, page.Status);
            names.AddRange(page.Body["registered_models"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(["search-a", "search-b", "search-c"], names);
        var byTag = await GetAsync("registered-models/search", "filter=" + Uri.EscapeDataString("tags.team = 'x'"));
        Assert.Equal("search-a", byTag.Body["registered_models"]!.AsArray().Single()!["name"]!.GetValue<string>());
        var desc = await GetAsync("registered-models/search", "order_by=" + Uri.EscapeDataString("name DESC") + "&max_results=1");
        Assert.Equal("zzz", desc.Body["registered_models"]![0]!["name"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("registered-models/search", "max_results=1001"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("registered-models/search", "filter=" + Uri.EscapeDataString("owner = 'x'")));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("registered-models/search", "order_by=size"));

        var runA = await NewRunAsync(await NewExperimentAsync());
        for (var i = 0; i < 3; i++)
        {
            await NewVersionAsync("search-a", $"s3://bucket/a{i}", i == 1 ? runA : null);
        }
        await NewVersionAsync("search-b", "s3://bucket/b0");
        var versions = new List<string>();
        token = null;
        do
        {
            var page = await GetAsync("model-versions/search", "filter=" + Uri.EscapeDataString("name = 'search-a'") + "&max_results=2&order_by=" + Uri.EscapeDataString("version_number DESC") + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            versions.AddRange(page.Body["model_versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(["3", "2", "1"], versions);
        var byRun = await GetAsync("model-versions/search", "filter=" + Uri.EscapeDataString($"run_id IN ('{runA}', 'other')"));
        Assert.Equal("2", byRun.Body["model_versions"]!.AsArray().Single()!["version"]!.GetValue<string>());
        var bySource = await GetAsync("model-versions/search", "filter=" + Uri.EscapeDataString("source_path LIKE 's3://bucket/b%' AND version_number >= 1"));
        Assert.Equal("search-b", bySource.Body["model_versions"]!.AsArray().Single()!["name"]!.GetValue<string>());
        Assert.Equal(4, (await GetAsync("model-versions/search", "max_results=100")).Body["model_versions"]!.AsArray().Count);
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("model-versions/search", "filter=" + Uri.EscapeDataString("name IN ('a')")));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("model-versions/search", "filter=" + Uri.EscapeDataString("name = 'a' OR name = 'b'")));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("model-versions/search", "max_results=200001"));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await GetAsync("model-versions/search", "page_token=not-a-token"));
    }

    [Fact]
    public async Task A_model_registered_through_MLflow_is_an_ARM_model_version_and_the_other_way_round()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        using (var put = await ProxyAsync(HttpMethod.Put, $"artifacts/ExperimentRun/dcid.{runId}/model/weights.bin", [1, 2, 3]))
        {
            put.EnsureSuccessStatusCode();
        }
        await PostAsync("registered-models/create", new { name = "bridge", description = "via mlflow" });
        await NewVersionAsync("bridge", $"runs:/{runId}/model", runId);

        var arm = EmulatorFixture.WorkspacePath(_ws) + "/models/bridge/versions/1?api-version=2026-07-01";
        var version = JsonNode.Parse(await emulator.Http.GetStringAsync(arm))!["properties"]!;
        Assert.Equal($"azureml://subscriptions/{WorkspaceInfo.LocalSubscriptionId}/resourcegroups/{WorkspaceInfo.LocalName}/workspaces/{_ws}/datastores/workspaceblobstore/paths/ExperimentRun/dcid.{runId}/model/",
            version["modelUri"]!.GetValue<string>());
        Assert.Equal(runId, version["jobName"]!.GetValue<string>());
        var manifest = JsonNode.Parse(version["properties"]!["azureml.sdk.files"]!.GetValue<string>())!.AsArray().Single()!;
        Assert.Equal("weights.bin", manifest["path"]!.GetValue<string>());
        Assert.Equal(3, manifest["length"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 1, 2, 3 })), manifest["sha256"]!.GetValue<string>());
        var container = JsonNode.Parse(await emulator.Http.GetStringAsync(EmulatorFixture.WorkspacePath(_ws) + "/models/bridge?api-version=2026-07-01"))!["properties"]!;
        Assert.Equal("via mlflow", container["description"]!.GetValue<string>());
        Assert.Equal("1", container["latestVersion"]!.GetValue<string>());

        // A version PUT through ARM (as the SDK registers) shows in MLflow, its source the proxy URI of its datastore folder.
        var armVersion = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["modelUri"] = $"azureml://subscriptions/{WorkspaceInfo.LocalSubscriptionId}/resourcegroups/{WorkspaceInfo.LocalName}/workspaces/{_ws}/datastores/workspaceblobstore/paths/LocalUpload/abc/",
                ["stage"] = "Staging",
                ["tags"] = new JsonObject { ["t"] = "1" },
            },
        };
        using var body = new StringContent(armVersion.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using (var putVersion = await emulator.Http.PutAsync(EmulatorFixture.WorkspacePath(_ws) + "/models/bridge/versions/7?api-version=2026-07-01", body))
        {
            putVersion.EnsureSuccessStatusCode();
        }
        var seven = (await GetAsync("model-versions/get", "name=bridge&version=7")).Body["model_version"]!;
        Assert.Equal("mlflow-artifacts:/LocalUpload/abc", seven["source"]!.GetValue<string>());
        Assert.Equal("Staging", seven["current_stage"]!.GetValue<string>());
        Assert.Equal("mlflow-artifacts:/LocalUpload/abc", (await GetAsync("model-versions/get-download-uri", "name=bridge&version=7")).Body["artifact_uri"]!.GetValue<string>());
        Assert.Equal("8", await NewVersionAsync("bridge", "s3://x/y")); // MLflow numbering continues after ARM's
    }
}
