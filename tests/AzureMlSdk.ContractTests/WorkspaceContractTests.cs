using System.Security.Cryptography;

namespace AzureMlSdk.ContractTests;

/// <summary>
/// The one contract suite for tracking, artifacts and the model registry: every backend runs these same
/// tests through the public object model and must pass them identically.
/// </summary>
public abstract partial class WorkspaceContractTests : ContractTestBase
{
    // ---- experiments ------------------------------------------------------------------------

    [Fact]
    public async Task GetOrCreateExperiment_returns_the_same_experiment_for_the_same_name()
    {
        var first = await Ws.GetOrCreateExperimentAsync("iris");
        var second = await Ws.GetOrCreateExperimentAsync("iris");

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("iris", second.Name);
    }

    [Fact]
    public async Task ListExperiments_returns_every_created_experiment()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            await Ws.GetOrCreateExperimentAsync(name);
        }

        var names = new List<string>();
        await foreach (var e in Ws.ListExperimentsAsync())
        {
            names.Add(e.Name);
        }

        Assert.Superset(new HashSet<string> { "a", "b", "c" }, names.ToHashSet());
    }

    [Fact]
    public async Task GetExperiment_of_a_missing_name_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetExperimentAsync("nope"));
        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
        Assert.Equal(404, ex.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-leading")]
    public async Task Invalid_experiment_names_are_rejected(string name) =>
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.GetOrCreateExperimentAsync(name));

    // ---- runs: metrics, params, tags, properties --------------------------------------------

    [Fact]
    public async Task Metrics_keep_their_full_history_with_steps()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("metrics");
        await using var run = await exp.StartLoggingAsync("m");

        for (var epoch = 0; epoch < 5; epoch++)
        {
            run.Log("loss", 1.0 / (epoch + 1), step: epoch);
        }
        run.Log("accuracy", 0.93);
        var metrics = await run.GetMetricsAsync();

        Assert.Equal([0L, 1, 2, 3, 4], metrics["loss"].Select(p => p.Step));
        Assert.Equal(0.2, metrics["loss"][^1].Value, 12);
        Assert.Equal(0.93, Assert.Single(metrics["accuracy"]).Value);
    }

    [Fact]
    public async Task NaN_and_infinite_metric_values_round_trip()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("specials");
        await using var run = await exp.StartLoggingAsync();

        run.Log("x", double.NaN);
        run.Log("x", double.PositiveInfinity);
        run.Log("x", double.NegativeInfinity);
        run.Log("x", -0.5);
        var history = (await run.GetMetricsAsync("x"))["x"];

        Assert.True(double.IsNaN(history[0].Value));
        Assert.Equal(double.PositiveInfinity, history[1].Value);
        Assert.Equal(double.NegativeInfinity, history[2].Value);
        Assert.Equal(-0.5, history[3].Value);
    }

    [Fact]
    public async Task Lists_are_logged_as_consecutive_steps()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("lists");
        await using var run = await exp.StartLoggingAsync();

        run.LogList("fold_acc", [0.91, 0.94, 0.92]);
        var history = (await run.GetMetricsAsync("fold_acc"))["fold_acc"];

        Assert.Equal([0.91, 0.94, 0.92], history.Select(p => p.Value));
        Assert.Equal([0L, 1, 2], history.Select(p => p.Step));
    }

    [Fact]
    public async Task Params_tags_and_properties_are_stored_and_read_back()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("params");
        string id;
        await using (var run = await exp.StartLoggingAsync("p"))
        {
            id = run.Id;
            run.LogParam("lr", 0.01);
            run.LogParam("epochs", 10);
            run.LogParam("optimizer", "adam");
            run.Tag("team", "vision");
            run.SetTags(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
            run.Tag("a", "3");
            run.RemoveTags(["b"]);
            run.AddProperties(new Dictionary<string, string> { ["dataset"] = "iris-v1" });
        }

        var read = await Ws.GetRunAsync(id);

        Assert.Equal("0.01", read.Params["lr"]);
        Assert.Equal("10", read.Params["epochs"]);
        Assert.Equal("adam", read.Params["optimizer"]);
        Assert.Equal("vision", read.Tags["team"]);
        Assert.Equal("3", read.Tags["a"]);
        Assert.False(read.Tags.ContainsKey("b"));
        Assert.Equal("iris-v1", read.Properties["dataset"]);
        Assert.False(read.Params.ContainsKey("dataset"));
        Assert.Equal(RunStatus.Completed, read.Status);
        Assert.Equal("p", read.DisplayName);
    }

    [Fact]
    public async Task A_param_changed_through_another_handle_is_rejected()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("immutable");
        await using var run = await exp.StartLoggingAsync();
        var stale = await Ws.GetRunAsync(run.Id); // loaded before the param exists
        run.LogParam("lr", "0.01");
        await run.FlushAsync();

        var fresh = await Ws.GetRunAsync(run.Id);
        fresh.LogParam("lr", "0.01"); // the same value again is fine
        Assert.Throws<InvalidInputException>(() => fresh.LogParam("lr", "0.02"));
        stale.LogParam("lr", "0.03"); // unknown to this handle: rejected by the store at flush
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => stale.FlushAsync());

        Assert.Contains("lr", ex.Message, StringComparison.Ordinal);
        Assert.Equal("0.01", (await Ws.GetRunAsync(run.Id)).Params["lr"]);
        await fresh.DisposeAsync();
        await stale.DisposeAsync();
    }

    [Fact]
    public async Task Keys_over_the_MLflow_limit_are_rejected_before_anything_is_written()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("limits");
        await using var run = await exp.StartLoggingAsync();

        Assert.Throws<InvalidInputException>(() => run.Log(new string('k', 251), 1));
        Assert.Throws<InvalidInputException>(() => run.LogParam("p", new string('v', 6001)));
        Assert.Throws<InvalidInputException>(() => run.Tag("t", new string('v', 8001)));
        run.LogParam("p", new string('v', 6000));
        run.Tag("t", new string('v', 8000));
        await run.FlushAsync();

        var read = await Ws.GetRunAsync(run.Id);
        Assert.Equal(6000, read.Params["p"].Length);
        Assert.Equal(8000, read.Tags["t"].Length);
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    [Fact]
    public async Task Status_moves_from_running_to_each_terminal_state_with_an_end_time()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("lifecycle");
        var completed = await exp.StartLoggingAsync();
        var failed = await exp.StartLoggingAsync();
        var canceled = await exp.StartLoggingAsync();
        Assert.Equal(RunStatus.Running, completed.Status);

        await completed.CompleteAsync();
        await failed.FailAsync(new InvalidOperationException("boom"));
        await canceled.CancelAsync();

        var c = await Ws.GetRunAsync(completed.Id);
        var f = await Ws.GetRunAsync(failed.Id);
        var k = await Ws.GetRunAsync(canceled.Id);
        Assert.Equal(RunStatus.Completed, c.Status);
        Assert.Equal(RunStatus.Failed, f.Status);
        Assert.Equal(RunStatus.Canceled, k.Status);
        Assert.NotNull(c.EndTime);
        Assert.True(c.EndTime >= c.StartTime);
        Assert.Equal("boom", f.Tags["azureml.error.message"]);
        await Assert.ThrowsAsync<InvalidStateException>(() => completed.CompleteAsync());
    }

    [Fact]
    public async Task Child_runs_belong_to_their_parent()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("children");
        await using var parent = await exp.StartLoggingAsync("parent");
        for (var i = 0; i < 3; i++)
        {
            await using var child = await parent.ChildRunAsync($"fold-{i}");
            child.Log("acc", 0.9 + (i / 100.0));
        }

        var children = new List<Run>();
        await foreach (var c in parent.GetChildrenAsync())
        {
            children.Add(c);
        }

        Assert.Equal(["fold-0", "fold-1", "fold-2"], children.Select(c => c.DisplayName).Order());
        Assert.All(children, c => Assert.Equal(parent.Id, c.ParentRunId));
        Assert.All(children, c => Assert.Equal(RunStatus.Completed, c.Status));
    }

    [Fact]
    public async Task GetRun_of_an_unknown_id_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetRunAsync("0123456789abcdef0123456789abcdef"));
        Assert.Contains("0123456789abcdef0123456789abcdef", ex.Message, StringComparison.Ordinal);
    }

    // ---- search -------------------------------------------------------------------------------

    [Fact]
    public async Task GetRuns_filters_and_orders_with_the_MLflow_syntax()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("search");
        var specs = new[] { (0.01, 0.95, "a"), (0.01, 0.85, "a"), (0.1, 0.97, "b"), (0.01, 0.91, "a") };
        foreach (var (lr, acc, team) in specs)
        {
            await using var run = await exp.StartLoggingAsync($"lr{lr}-acc{acc}");
            run.LogParam("lr", lr);
            run.Log("accuracy", acc);
            run.Tag("team", team);
        }

        var found = new List<Run>();
        await foreach (var r in exp.GetRunsAsync(filter: "metrics.accuracy > 0.9 and params.lr = '0.01' and tags.team = 'a'", orderBy: "metrics.accuracy DESC"))
        {
            found.Add(r);
        }
        var completed = 0;
        await foreach (var _ in exp.GetRunsAsync(filter: "attributes.status = 'Completed'"))
        {
            completed++;
        }
        var top = new List<Run>();
        await foreach (var r in exp.GetRunsAsync(orderBy: "metrics.accuracy DESC", maxResults: 2))
        {
            top.Add(r);
        }

        Assert.Equal([0.95, 0.91], found.Select(r => r.LatestMetrics["accuracy"].Value));
        Assert.Equal(4, completed);
        Assert.Equal([0.97, 0.95], top.Select(r => r.LatestMetrics["accuracy"].Value));
    }

    [Fact]
    public async Task GetRuns_pages_through_more_runs_than_one_page()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("paging");
        for (var i = 0; i < 1005; i++)
        {
            await using var run = await exp.StartLoggingAsync($"r{i}");
        }

        var ids = new HashSet<string>();
        await foreach (var r in exp.GetRunsAsync())
        {
            Assert.True(ids.Add(r.Id), "a run came twice");
        }

        Assert.Equal(1005, ids.Count);
    }

    [Fact]
    public async Task A_malformed_filter_is_rejected_naming_it()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("badfilter");
        var ex = await Assert.ThrowsAsync<InvalidInputException>(async () =>
        {
            await foreach (var _ in exp.GetRunsAsync(filter: "metrics.acc >>> 3"))
            {
            }
        });
        Assert.Contains(">>>", ex.Message, StringComparison.Ordinal);
    }

    // ---- tables, images, artifacts -------------------------------------------------------------

    [Fact]
    public async Task Rows_and_tables_are_read_back()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("tables");
        await using var run = await exp.StartLoggingAsync();

        run.LogRow("epochs", new { epoch = 1, loss = 0.31 });
        run.LogRow("epochs", new { epoch = 2, loss = 0.22 });
        run.LogTable("confusion", new Dictionary<string, double[]> { ["cat"] = [5, 1], ["dog"] = [2, 7] });
        var epochs = await run.GetTableAsync("epochs");
        var confusion = await run.GetTableAsync("confusion");

        Assert.Equal(["epoch", "loss"], epochs.Columns);
        Assert.Equal(0.22, epochs.Rows[1][1]);
        Assert.Equal(["cat", "dog"], confusion.Columns);
        Assert.Equal(7.0, confusion.Rows[1][1]);
    }

    [Fact]
    public async Task Images_and_files_are_stored_as_artifacts()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("artifacts");
        await using var run = await exp.StartLoggingAsync();
        var png = Scratch("loss.png");
        await File.WriteAllBytesAsync(png, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var model = Scratch("model.onnx");
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(model, bytes);

        run.LogImage("loss_curve", png);
        await run.UploadFileAsync("outputs/model.onnx", model);
        var names = await run.GetFileNamesAsync();
        var back = Scratch("back/model.onnx");
        await run.DownloadFileAsync("outputs/model.onnx", back);

        Assert.Contains("images/loss_curve.png", names);
        Assert.Contains("outputs/model.onnx", names);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(back));
    }

    [Fact]
    public async Task Folders_upload_with_their_relative_paths_and_download_back()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("folders");
        await using var run = await exp.StartLoggingAsync();
        var folder = Path.GetDirectoryName(Scratch("out/a.txt"))!;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.txt"), "A");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        await File.WriteAllTextAsync(Path.Combine(folder, "sub", "b.txt"), "B");

        var uploaded = await run.UploadFolderAsync("outputs", folder);
        var target = Path.Combine(Path.GetDirectoryName(folder)!, "download");
        var written = await run.DownloadFilesAsync("outputs", target);

        Assert.Equal(["outputs/a.txt", "outputs/sub/b.txt"], uploaded);
        Assert.Equal(2, written.Count);
        Assert.Equal("B", await File.ReadAllTextAsync(Path.Combine(target, "outputs", "sub", "b.txt")));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("outputs/../../x")]
    public async Task Artifact_paths_that_leave_the_run_are_rejected(string name)
    {
        var exp = await Ws.GetOrCreateExperimentAsync("traversal");
        await using var run = await exp.StartLoggingAsync();
        var file = Scratch("f.txt");
        await File.WriteAllTextAsync(file, "x");

        await Assert.ThrowsAsync<InvalidInputException>(() => run.UploadFileAsync(name, file));
    }

    [Fact]
    public async Task Downloading_a_missing_artifact_is_not_found_and_leaves_no_file()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("missing");
        await using var run = await exp.StartLoggingAsync();
        var target = Scratch("none/x.bin");

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => run.DownloadFileAsync("outputs/none.bin", target));

        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    // ---- models -------------------------------------------------------------------------------

    [Fact]
    public async Task Registering_twice_makes_versions_one_and_two_and_latest_is_two()
    {
        var file = Scratch("m.onnx");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);

        var v1 = await Ws.RegisterModelAsync("iris-classifier", file, new Dictionary<string, string> { ["stage"] = "dev" }, "first");
        await File.WriteAllBytesAsync(file, [4, 5, 6]);
        var v2 = await Ws.RegisterModelAsync("iris-classifier", file);
        var latest = await Ws.GetModelAsync("iris-classifier");

        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v2.Version);
        Assert.Equal(2, latest.Version);
        Assert.Equal("first", (await Ws.GetModelAsync("iris-classifier", version: 1)).Description);
        Assert.Equal("dev", v1.Tags["stage"]);
        Assert.Equal(ModelFramework.Onnx, v1.Framework);
    }

    [Fact]
    public async Task A_model_registered_from_a_run_artifact_downloads_identical_bytes()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("register");
        await using var run = await exp.StartLoggingAsync();
        var file = Scratch("model.onnx");
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        await File.WriteAllBytesAsync(file, bytes);
        await run.UploadFileAsync("outputs/model.onnx", file);

        var model = await run.RegisterModelAsync("from-run", "outputs/model.onnx");
        var dir = await model.DownloadAsync(Scratch("dl/x") + "-dir");

        Assert.Equal(run.Id, model.RunId);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(dir, "model.onnx")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), Assert.Single(model.Files).Sha256);
    }

    [Fact]
    public async Task Aliases_move_from_version_to_version()
    {
        var file = Scratch("a.bin");
        await File.WriteAllBytesAsync(file, [1]);
        var v1 = await Ws.RegisterModelAsync("aliased", file);
        var v2 = await Ws.RegisterModelAsync("aliased", file);

        await v1.SetAliasAsync("production");
        Assert.Equal(1, (await Ws.GetModelAsync("aliased", alias: "production")).Version);
        await v2.SetAliasAsync("production");
        var prod = await Ws.GetModelAsync("aliased", alias: "production");
        await v1.RefreshAsync();

        Assert.Equal(2, prod.Version);
        Assert.Contains("production", prod.Aliases);
        Assert.DoesNotContain("production", v1.Aliases);
    }

    [Fact]
    public async Task Folder_models_keep_their_layout()
    {
        var folder = Path.GetDirectoryName(Scratch("mf/model.onnx"))!;
        await File.WriteAllTextAsync(Path.Combine(folder, "model.onnx"), "onnx");
        Directory.CreateDirectory(Path.Combine(folder, "meta"));
        await File.WriteAllTextAsync(Path.Combine(folder, "meta", "labels.txt"), "a,b");

        var model = await Ws.RegisterModelAsync("folder-model", folder);
        var dir = await model.DownloadAsync(Path.Combine(Path.GetDirectoryName(folder)!, "mf-out"));

        Assert.Equal(["meta/labels.txt", "model.onnx"], model.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal("a,b", await File.ReadAllTextAsync(Path.Combine(dir, "meta", "labels.txt")));
    }

    [Fact]
    public async Task Archived_versions_are_hidden_from_latest_and_listing_until_restored()
    {
        var file = Scratch("arch.bin");
        await File.WriteAllBytesAsync(file, [1]);
        await Ws.RegisterModelAsync("archived", file);
        var v2 = await Ws.RegisterModelAsync("archived", file);

        await v2.ArchiveAsync();
        var latest = await Ws.GetModelAsync("archived");
        var listed = new List<int>();
        await foreach (var m in Ws.ListModelsAsync("archived"))
        {
            listed.Add(m.Version);
        }
        var all = new List<int>();
        await foreach (var m in Ws.ListModelsAsync("archived", new ModelListOptions { IncludeArchived = true }))
        {
            all.Add(m.Version);
        }

        Assert.Equal(1, latest.Version);
        Assert.Equal([1], listed);
        Assert.Equal([2, 1], all);
        await v2.RestoreAsync();
        Assert.Equal(2, (await Ws.GetModelAsync("archived")).Version);
    }

    [Fact]
    public async Task Tags_description_and_stage_of_a_version_can_change()
    {
        var file = Scratch("t.bin");
        await File.WriteAllBytesAsync(file, [1]);
        var model = await Ws.RegisterModelAsync("tagged", file, new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });

        await model.SetTagsAsync(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" });
        await model.RemoveTagsAsync(["b"]);
        await model.SetDescriptionAsync("better");
        await model.SetStageAsync("Production");
        var read = await Ws.GetModelAsync("tagged", version: 1);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" }, read.Tags);
        Assert.Equal("better", read.Description);
        Assert.Equal("Production", read.Stage);
    }

    [Fact]
    public async Task Deleted_versions_are_gone_and_their_numbers_are_not_reused()
    {
        var file = Scratch("d.bin");
        await File.WriteAllBytesAsync(file, [1]);
        await Ws.RegisterModelAsync("deleted", file);
        var v2 = await Ws.RegisterModelAsync("deleted", file);

        await v2.DeleteAsync();
        var v3 = await Ws.RegisterModelAsync("deleted", file);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetModelAsync("deleted", version: 2));
        Assert.Equal(3, v3.Version);
    }

    [Fact]
    public async Task Missing_models_and_bad_model_input_get_typed_errors()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetModelAsync("never-registered"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.RegisterModelAsync("x", Scratch("does-not-exist.onnx")));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.RegisterModelAsync("bad name", Scratch("whatever")));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.GetModelAsync("x", version: 1, alias: "prod"));
        var file = Scratch("ok.bin");
        await File.WriteAllBytesAsync(file, [1]);
        await Ws.RegisterModelAsync("x", file);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetModelAsync("x", alias: "production"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetModelAsync("x", version: 9));
    }

    [Fact]
    public async Task ListModels_filters_by_tag_and_can_return_only_latest_versions()
    {
        var file = Scratch("l.bin");
        await File.WriteAllBytesAsync(file, [1]);
        await Ws.RegisterModelAsync("list-a", file, new Dictionary<string, string> { ["team"] = "x" });
        await Ws.RegisterModelAsync("list-a", file, new Dictionary<string, string> { ["team"] = "y" });
        await Ws.RegisterModelAsync("list-b", file, new Dictionary<string, string> { ["team"] = "x" });

        var teamX = new List<string>();
        await foreach (var m in Ws.ListModelsAsync(options: new ModelListOptions { Tags = new Dictionary<string, string> { ["team"] = "x" } }))
        {
            teamX.Add(m.ToString());
        }
        var latest = new List<string>();
        await foreach (var m in Ws.ListModelsAsync(options: new ModelListOptions { LatestOnly = true }))
        {
            latest.Add(m.ToString());
        }

        Assert.Equal(["list-a:1", "list-b:1"], teamX);
        Assert.Equal(["list-a:2", "list-b:1"], latest);
    }

    // ---- what a new user tripped on (issue 15): the same call must give the same answer on every backend ----------------

    [Theory]
    [InlineData("lr=0.1")]
    [InlineData("fold 1 (of 5), lr=0.1 / l2=1e-3")]
    [InlineData("ünïcode ✓")]
    public async Task Child_run_display_names_are_free_text_like_top_level_ones(string displayName)
    {
        var exp = await Ws.GetOrCreateExperimentAsync("names");
        await using var parent = await exp.StartLoggingAsync(displayName);
        await using var child = await parent.ChildRunAsync(displayName: displayName);

        Assert.Equal(displayName, parent.DisplayName);
        Assert.Equal(displayName, child.DisplayName);
        Assert.Equal(displayName, (await Ws.GetRunAsync(child.Id)).DisplayName);
        await Assert.ThrowsAsync<InvalidInputException>(() => parent.ChildRunAsync(displayName: "   "));
        await Assert.ThrowsAsync<InvalidInputException>(() => parent.ChildRunAsync(displayName: new string('x', 251)));
    }

    [Fact]
    public async Task Every_workspace_lists_mlflows_Default_experiment_with_id_0()
    {
        await Ws.GetOrCreateExperimentAsync("mine");

        var listed = await Ws.ListExperimentsAsync().ToListAsync();

        var def = Assert.Single(listed, e => e.Name == "Default");
        Assert.Equal("0", def.Id);
        Assert.Equal("0", (await Ws.GetExperimentAsync("Default")).Id);
        Assert.Contains(listed, e => e.Name == "mine");
    }

    [Fact]
    public async Task Model_uri_is_mlflows_models_uri_on_every_backend()
    {
        var file = Scratch("uri/model.onnx");
        await File.WriteAllBytesAsync(file, [1, 2, 3]);

        var first = await Ws.RegisterModelAsync("uri-model", file);
        var second = await Ws.RegisterModelAsync("uri-model", file);

        Assert.Equal("models:/uri-model/1", first.Uri);
        Assert.Equal("models:/uri-model/2", second.Uri);
        Assert.Equal(second.Uri, (await Ws.GetModelAsync("uri-model")).Uri);
    }

    [Fact]
    public async Task LatestMetrics_of_the_live_handle_shows_its_own_writes_without_a_refresh()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("live");
        await using var run = await exp.StartLoggingAsync();

        run.Log("loss", 0.9);
        run.Log("loss", 0.5);
        run.Log("acc", 0.7, step: 10);
        run.Log("acc", 0.1, step: 3);   // an earlier step does not replace the latest

        Assert.Equal((0.5, 1L), (run.LatestMetrics["loss"].Value, run.LatestMetrics["loss"].Step));
        Assert.Equal((0.7, 10L), (run.LatestMetrics["acc"].Value, run.LatestMetrics["acc"].Step));
        await run.RefreshAsync();
        Assert.Equal(0.5, run.LatestMetrics["loss"].Value);
        Assert.Equal(0.7, run.LatestMetrics["acc"].Value);
    }

    [Fact]
    public async Task GetMetricValues_gives_a_value_for_a_metric_logged_once_and_a_list_otherwise()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("values");
        await using var run = await exp.StartLoggingAsync();
        run.Log("accuracy", 0.93);
        run.LogList("loss", [0.5, 0.4, 0.3]);

        var values = await run.GetMetricValuesAsync();

        Assert.True(values["accuracy"].IsSingle);
        Assert.Equal(0.93, values["accuracy"].Last);
        Assert.False(values["loss"].IsSingle);
        Assert.Equal([0.5, 0.4, 0.3], values["loss"].Values);
        Assert.Equal(0.3, values["loss"].Last);
        Assert.Equal("[0.5, 0.4, 0.3]", values["loss"].ToString());
    }

    [Fact]
    public async Task RunAsync_completes_the_run_and_returns_the_bodys_result()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("scope");

        string? id = null;
        var result = await exp.RunAsync(async run =>
        {
            id = run.Id;
            run.Log("loss", 0.1);
            await Task.Yield();
            return 42;
        }, displayName: "ok");

        Assert.Equal(42, result);
        var stored = await Ws.GetRunAsync(id!);
        Assert.Equal(RunStatus.Completed, stored.Status);
        Assert.Equal("ok", stored.DisplayName);
        Assert.Equal(0.1, stored.LatestMetrics["loss"].Value);
    }

    [Fact]
    public async Task RunAsync_marks_the_run_Failed_with_the_exception_and_rethrows_it()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("scope");

        string? id = null;
        var thrown = await Assert.ThrowsAsync<DivideByZeroException>(() => exp.RunAsync(async run =>
        {
            id = run.Id;
            run.Log("loss", 0.2);
            await Task.Yield();
            throw new DivideByZeroException("boom in training");
        }));

        Assert.Equal("boom in training", thrown.Message);
        var stored = await Ws.GetRunAsync(id!);
        Assert.Equal(RunStatus.Failed, stored.Status);
        Assert.Equal(0.2, stored.LatestMetrics["loss"].Value);
        var details = await stored.GetDetailsAsync();
        Assert.Equal(new RunError(typeof(DivideByZeroException).FullName, "boom in training"), details.Error);
    }

    [Fact]
    public async Task RunAsync_marks_a_canceled_body_Canceled()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("scope");
        using var cts = new CancellationTokenSource();

        string? id = null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exp.RunAsync(async run =>
        {
            id = run.Id;
            await cts.CancelAsync();
            await Task.Delay(Timeout.Infinite, cts.Token);
        }));

        Assert.Equal(RunStatus.Canceled, (await Ws.GetRunAsync(id!)).Status);
    }

    [Fact]
    public async Task Experiments_take_tags_and_archive_and_restore_with_their_runs()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("lifecycle");
        await exp.SetTagAsync("team", "vision");
        string runId;
        await using (var run = await exp.StartLoggingAsync())
        {
            runId = run.Id;
        }

        Assert.Equal("vision", exp.Tags["team"]);
        Assert.Equal("vision", (await Ws.GetExperimentAsync("lifecycle")).Tags["team"]);

        await exp.ArchiveAsync();

        Assert.True(exp.IsArchived);
        Assert.DoesNotContain(await Ws.ListExperimentsAsync().ToListAsync(), e => e.Name == "lifecycle");
        Assert.Contains(await Ws.ListExperimentsAsync(includeArchived: true).ToListAsync(), e => e.Name == "lifecycle" && e.IsArchived);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetExperimentAsync("lifecycle"));
        await Assert.ThrowsAsync<InvalidStateException>(() => Ws.GetOrCreateExperimentAsync("lifecycle"));

        await exp.RestoreAsync();

        Assert.False(exp.IsArchived);
        Assert.Equal(exp.Id, (await Ws.GetExperimentAsync("lifecycle")).Id);
        Assert.Equal([runId], await exp.GetRunsAsync().Select(r => r.Id).ToListAsync());
    }

    [Fact]
    public async Task Runs_can_be_deleted_and_restored()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("deleting");
        await using var keep = await exp.StartLoggingAsync("keep");
        await using var drop = await exp.StartLoggingAsync("drop");
        await drop.CompleteAsync();

        await drop.DeleteAsync();

        Assert.True(drop.IsDeleted);
        Assert.Equal(["keep"], await exp.GetRunsAsync().Select(r => r.DisplayName).ToListAsync());
        Assert.True((await Ws.GetRunAsync(drop.Id)).IsDeleted);

        await drop.RestoreAsync();

        Assert.False(drop.IsDeleted);
        Assert.Equal(["drop", "keep"], (await exp.GetRunsAsync().Select(r => r.DisplayName).ToListAsync()).Order());
    }

    [Fact]
    public async Task GetDetails_reports_status_times_inputs_properties_and_log_files()
    {
        var exp = await Ws.GetOrCreateExperimentAsync("details");
        await using var run = await exp.StartLoggingAsync("detailed");
        run.LogParam("lr", 0.01);
        run.AddProperties(new Dictionary<string, string> { ["owner"] = "me" });
        run.Tag("team", "vision");
        run.Log("loss", 0.25);
        var log = Scratch("details/train.log");
        await File.WriteAllTextAsync(log, "epoch 1\n");
        await run.UploadFileAsync("logs/train.log", log);
        await run.UploadFileAsync("outputs/model.onnx", log);

        var running = await run.GetDetailsAsync();
        await run.CompleteAsync();
        var done = await run.GetDetailsAsync();

        Assert.Equal((run.Id, "detailed", exp.Id), (running.RunId, running.DisplayName, running.ExperimentId));
        Assert.Equal(RunStatus.Running, running.Status);
        Assert.Null(running.EndTime);
        Assert.Equal("0.01", running.Params["lr"]);
        Assert.False(running.Params.ContainsKey(Run.PropertyParamPrefix + "owner"));
        Assert.Equal("me", running.Properties["owner"]);
        Assert.Equal("vision", running.Tags["team"]);
        Assert.Equal(0.25, running.LatestMetrics["loss"].Value);
        Assert.Equal(["logs/train.log"], running.LogFiles);
        Assert.Null(running.Error);
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.NotNull(done.EndTime);
        Assert.True(done.Duration >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Model_names_may_contain_dots_as_azure_ml_workspace_models_allow()
    {
        var file = Scratch("dotted/model.onnx");
        await File.WriteAllBytesAsync(file, [4, 5, 6]);

        var registered = await Ws.RegisterModelAsync("iris.classifier.v2", file);
        await registered.SetAliasAsync("production");

        Assert.Equal("iris.classifier.v2", registered.Name);
        Assert.Equal(1, (await Ws.GetModelAsync("iris.classifier.v2", alias: "production")).Version);
        Assert.Equal(["iris.classifier.v2:1"], await Ws.ListModelsAsync("iris.classifier.v2").Select(m => $"{m.Name}:{m.Version}").ToListAsync());
        var folder = await registered.DownloadAsync(Scratch("dotted-out"));
        Assert.Equal([4, 5, 6], await File.ReadAllBytesAsync(Path.Combine(folder, "model.onnx")));
        var trailing = await Assert.ThrowsAsync<InvalidInputException>(() => Ws.RegisterModelAsync("ends.with.dot.", file));
        Assert.Contains("'.'", trailing.Message, StringComparison.Ordinal);
    }
}
