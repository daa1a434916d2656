using System.Security.Cryptography;
using System.Text;
using AzureMlSdk.Backends.Local;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.Tests.Backends.Local;

public sealed class LocalModelRegistryTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "azureml-registry-tests", Guid.NewGuid().ToString("N"));
    private readonly string _root;
    private readonly string _sources;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly Dictionary<string, byte[]> _runFiles = new(StringComparer.Ordinal);
    private readonly IArtifactStore _artifacts = Substitute.For<IArtifactStore>();
    private readonly LocalModelRegistry _registry;

    public LocalModelRegistryTests()
    {
        _root = Path.Combine(_temp, "workspace");
        _sources = Path.Combine(_temp, "sources");
        Directory.CreateDirectory(_sources);
        // The artifact store double answers like any store would: files under a string prefix, bytes by exact path.
        _artifacts.ListAsync("run-1", Arg.Any<string?>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var prefix = call.ArgAt<string?>(1) ?? "";
            IReadOnlyList<ArtifactItem> items = [.. _runFiles
                .Where(file => file.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(file => file.Key, StringComparer.Ordinal)
                .Select(file => new ArtifactItem(file.Key, file.Value.Length))];
            return Task.FromResult(items);
        });
        _artifacts.DownloadAsync("run-1", Arg.Any<string>(), Arg.Any<Stream>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>()).Returns(async call =>
        {
            if (!_runFiles.TryGetValue(call.ArgAt<string>(1), out var bytes))
            {
                throw new ResourceNotFoundException($"No artifact '{call.ArgAt<string>(1)}'.");
            }
            await call.ArgAt<Stream>(2).WriteAsync(bytes);
        });
        _registry = NewRegistry();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private LocalModelRegistry NewRegistry() => new(new LocalDatabase(_root), _root, _artifacts, _time);

    [Fact]
    public void Opening_removes_temp_files_abandoned_by_a_crash_but_not_recent_ones()
    {
        var tmp = Path.Combine(_root, "models", "blobs", "tmp");
        Directory.CreateDirectory(tmp);
        var abandoned = Path.Combine(tmp, "a.incoming");
        var trash = Path.Combine(tmp, "b.deleted");
        var recent = Path.Combine(tmp, "c.incoming");
        foreach (var file in new[] { abandoned, trash, recent })
        {
            File.WriteAllText(file, "x");
        }
        var old = DateTime.UtcNow - LocalModelRegistry.AbandonedAfter - TimeSpan.FromMinutes(1);
        File.SetLastWriteTimeUtc(abandoned, old);
        File.SetLastWriteTimeUtc(trash, old);

        _ = NewRegistry();

        Assert.False(File.Exists(abandoned));
        Assert.False(File.Exists(trash));
        Assert.True(File.Exists(recent)); // may be another process's upload in progress
    }

    private string WriteSource(string relativePath, string content)
    {
        var path = Path.Combine(_sources, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private string BlobFolder => Path.Combine(_root, "models", "blobs", "sha256");

    private int BlobCount() => Directory.Exists(BlobFolder) ? Directory.GetFiles(BlobFolder, "*", SearchOption.AllDirectories).Length : 0;

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private Task<ModelVersionData> RegisterFileAsync(string name, string content, IReadOnlyDictionary<string, string>? tags = null, LocalModelRegistry? registry = null) =>
        (registry ?? _registry).CreateVersionAsync(
            new NewModelVersion(name, new LocalModelSource(WriteSource($"{Guid.NewGuid():N}/model.onnx", content)), Tags: tags), null, None);

    private async Task<List<ModelVersionData>> ListAllAsync(ModelQuery query)
    {
        var all = new List<ModelVersionData>();
        string? token = null;
        do
        {
            var page = await _registry.ListVersionsAsync(query with { PageToken = token }, None);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);
        return all;
    }

    // ---- Registration ------------------------------------------------------------------------

    [Fact]
    public async Task Registering_a_file_creates_version_1_holding_that_file_by_name_size_and_hash()
    {
        var source = WriteSource("out/model.onnx", "onnx-bytes");
        var progress = new List<long>();

        var model = await _registry.CreateVersionAsync(
            new NewModelVersion("iris", new LocalModelSource(source), "first", new Dictionary<string, string> { ["team"] = "vision" },
                new Dictionary<string, string> { ["accuracy"] = "0.93" }, ModelFramework.Onnx, "run-7"),
            new SynchronousProgress(progress), None);

        Assert.Equal("iris", model.Name);
        Assert.Equal(1, model.Version);
        Assert.Equal("first", model.Description);
        Assert.Equal("vision", model.Tags["team"]);
        Assert.Equal("0.93", model.Properties["accuracy"]);
        Assert.Equal(ModelFramework.Onnx, model.Framework);
        Assert.Equal("run-7", model.RunId);
        Assert.False(model.IsArchived);
        Assert.Empty(model.Aliases);
        Assert.Equal(_time.GetUtcNow(), model.CreatedAt);
        Assert.Equal([new ModelFile("model.onnx", 10, Sha256("onnx-bytes"))], model.Files);
        Assert.Equal("azureml://locations/local/workspaces/local/models/iris/versions/1", model.ModelUri);
        Assert.Equal(10, progress[^1]);
        Assert.Equal(model, await _registry.GetVersionAsync("iris", 1, None), ModelComparer.Instance);
    }

    [Fact]
    public async Task Registering_a_folder_keeps_every_file_under_slash_separated_relative_paths()
    {
        WriteSource("model/weights.bin", "w");
        WriteSource("model/config/settings.json", "{}");
        WriteSource("model/.hidden", "h");

        var model = await _registry.CreateVersionAsync(new NewModelVersion("folder-model", new LocalModelSource(Path.Combine(_sources, "model"))), null, None);

        Assert.Equal([".hidden", "config/settings.json", "weights.bin"], model.Files.Select(file => file.Path));
    }

    [Fact]
    public async Task Registering_the_same_bytes_again_stores_no_second_copy()
    {
        await RegisterFileAsync("dedup", "same content");
        await RegisterFileAsync("dedup", "same content");
        await RegisterFileAsync("other-model", "same content");
        WriteSource("twins/a.bin", "same content");
        WriteSource("twins/b.bin", "same content");
        await _registry.CreateVersionAsync(new NewModelVersion("twins", new LocalModelSource(Path.Combine(_sources, "twins"))), null, None);

        Assert.Equal(1, BlobCount());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "models", "blobs", "tmp")));
    }

    [Fact]
    public async Task Versions_increment_per_name_starting_at_1()
    {
        Assert.Equal(1, (await RegisterFileAsync("a", "1")).Version);
        Assert.Equal(2, (await RegisterFileAsync("a", "2")).Version);
        Assert.Equal(1, (await RegisterFileAsync("b", "3")).Version);
        Assert.Equal(3, (await RegisterFileAsync("a", "4")).Version);
    }

    [Fact]
    public async Task Parallel_registrations_from_four_registry_instances_on_one_folder_get_versions_1_to_40_exactly()
    {
        var registries = Enumerable.Range(0, 4).Select(_ => NewRegistry()).ToList();
        var sources = Enumerable.Range(0, 40).Select(i => WriteSource($"parallel/{i}.bin", $"content {i % 5}")).ToList();

        var models = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            registries[i % 4].CreateVersionAsync(new NewModelVersion("contended", new LocalModelSource(sources[i])), null, None))));

        Assert.Equal(Enumerable.Range(1, 40), models.Select(model => model.Version).Order());
        Assert.Equal(5, BlobCount());
        var latest = await _registry.GetLatestVersionAsync("contended", None);
        Assert.Equal(40, latest.Version);
    }

    [Fact]
    public async Task Registering_from_a_run_artifact_file_reads_it_through_the_artifact_store_and_defaults_the_run_id()
    {
        _runFiles["outputs/model.onnx"] = Encoding.UTF8.GetBytes("from the run");
        _runFiles["outputs/model.onnx.bak"] = Encoding.UTF8.GetBytes("not me");

        var model = await _registry.CreateVersionAsync(new NewModelVersion("from-run", new RunArtifactModelSource("run-1", "outputs/model.onnx")), null, None);

        Assert.Equal("run-1", model.RunId);
        Assert.Equal([new ModelFile("model.onnx", 12, Sha256("from the run"))], model.Files);
        await _artifacts.DidNotReceive().DownloadAsync("run-1", "outputs/model.onnx.bak", Arg.Any<Stream>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Registering_from_a_run_artifact_folder_keeps_paths_relative_to_that_folder()
    {
        _runFiles["outputs/model/a.bin"] = [1, 2, 3];
        _runFiles["outputs/model/sub/b.bin"] = [4];
        _runFiles["outputs/model-other/c.bin"] = [5];

        var model = await _registry.CreateVersionAsync(
            new NewModelVersion("from-run-folder", new RunArtifactModelSource("run-1", "outputs/model"), RunId: "explicit-run"), null, None);

        Assert.Equal(["a.bin", "sub/b.bin"], model.Files.Select(file => file.Path));
        Assert.Equal("explicit-run", model.RunId);
        var downloaded = await _registry.DownloadAsync("from-run-folder", 1, Path.Combine(_temp, "dl"), null, None);
        Assert.Equal([4], await File.ReadAllBytesAsync(downloaded.Single(path => path.EndsWith("b.bin", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Registering_a_missing_run_artifact_is_not_found_naming_run_and_path()
    {
        _runFiles["outputs/other.bin"] = [1];

        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("missing", new RunArtifactModelSource("run-1", "outputs/model.onnx")), null, None));

        Assert.Contains("run-1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("outputs/model.onnx", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registration_that_fails_while_copying_leaves_no_version_and_no_temp_files()
    {
        _runFiles["outputs/model/a.bin"] = [1];
        _runFiles["outputs/model/b.bin"] = [2];
        _artifacts.DownloadAsync("run-1", "outputs/model/b.bin", Arg.Any<Stream>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .ThrowsAsync(new IOException("disk went away"));

        await Assert.ThrowsAsync<IOException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("broken", new RunArtifactModelSource("run-1", "outputs/model")), null, None));

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetLatestVersionAsync("broken", None));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "models", "blobs", "tmp")));
        Assert.Equal(1, (await RegisterFileAsync("broken", "next")).Version);
    }

    [Fact]
    public async Task A_cancelled_registration_leaves_no_version_and_no_temp_files()
    {
        var source = WriteSource("big.bin", new string('x', 1_000_000));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("cancelled", new LocalModelSource(source)), null, cancelled.Token));

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetLatestVersionAsync("cancelled", None));
        Assert.Equal(0, BlobCount());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "models", "blobs", "tmp")));
    }

    [Fact]
    public async Task Registering_content_whose_stored_blob_was_truncated_repairs_the_blob()
    {
        var model = await RegisterFileAsync("heal", "full content");
        var blob = Path.Combine(BlobFolder, model.Files[0].Sha256[..2], model.Files[0].Sha256);
        await File.WriteAllBytesAsync(blob, []);

        await RegisterFileAsync("heal", "full content");

        var files = await _registry.DownloadAsync("heal", 1, Path.Combine(_temp, "dl"), null, None);
        Assert.Equal("full content", await File.ReadAllTextAsync(files.Single()));
    }

    [Theory]
    [InlineData("-bad")]
    [InlineData("has space")]
    [InlineData("ends.with.a.dot.")]
    [InlineData(".leading-dot")]
    public async Task Registering_under_an_invalid_name_is_rejected_naming_it_and_stores_nothing(string name)
    {
        var source = WriteSource("model.bin", "x");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion(name, new LocalModelSource(source)), null, None));

        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, BlobCount());
        Assert.Empty((await _registry.ListVersionsAsync(new ModelQuery(IncludeArchived: true), None)).Items);
    }

    [Fact]
    public async Task Registering_a_missing_path_is_not_found_naming_the_path()
    {
        var missing = Path.Combine(_sources, "nope", "model.onnx");

        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("m", new LocalModelSource(missing)), null, None));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_an_empty_folder_is_rejected_naming_the_folder()
    {
        var empty = Path.Combine(_sources, "empty");
        Directory.CreateDirectory(empty);

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("m", new LocalModelSource(empty)), null, None));

        Assert.Contains(empty, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("bad\u0001key")]
    public async Task Registering_with_an_invalid_tag_key_is_rejected_before_any_content_is_copied(string key)
    {
        var source = WriteSource("model.bin", "x");

        await Assert.ThrowsAsync<InvalidInputException>(() => _registry.CreateVersionAsync(
            new NewModelVersion("m", new LocalModelSource(source), Tags: new Dictionary<string, string> { [key] = "v" }), null, None));

        Assert.Equal(0, BlobCount());
    }

    [Fact]
    public async Task Registering_with_a_run_artifact_path_that_leaves_the_run_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() =>
            _registry.CreateVersionAsync(new NewModelVersion("m", new RunArtifactModelSource("run-1", "../other-run/model.onnx")), null, None));

        Assert.Contains("../other-run/model.onnx", ex.Message, StringComparison.Ordinal);
    }

    // ---- Get, latest, aliases ----------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task Getting_a_non_positive_version_is_rejected_naming_it(int version)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => _registry.GetVersionAsync("m", version, None));
        Assert.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Getting_a_missing_version_is_not_found_naming_name_and_version()
    {
        await RegisterFileAsync("known", "x");

        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetVersionAsync("known", 7, None));

        Assert.Contains("'known'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("7", ex.Message, StringComparison.Ordinal);
        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task Latest_is_the_highest_non_archived_version_or_the_highest_archived_when_all_are_archived()
    {
        for (var i = 0; i < 3; i++)
        {
            await RegisterFileAsync("latest", $"v{i}");
        }
        await _registry.UpdateVersionAsync("latest", 3, new ModelVersionUpdate(IsArchived: true), None);
        Assert.Equal(2, (await _registry.GetLatestVersionAsync("latest", None)).Version);

        await _registry.UpdateVersionAsync("latest", 1, new ModelVersionUpdate(IsArchived: true), None);
        await _registry.UpdateVersionAsync("latest", 2, new ModelVersionUpdate(IsArchived: true), None);
        Assert.Equal(3, (await _registry.GetLatestVersionAsync("latest", None)).Version);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetLatestVersionAsync("never-registered", None));
    }

    [Fact]
    public async Task Setting_an_alias_moves_it_from_the_version_that_had_it()
    {
        await RegisterFileAsync("aliased", "1");
        await RegisterFileAsync("aliased", "2");
        await RegisterFileAsync("other", "3");
        await _registry.SetAliasAsync("other", "production", 1, None);

        await _registry.SetAliasAsync("aliased", "production", 1, None);
        await _registry.SetAliasAsync("aliased", "champion", 1, None);
        Assert.Equal(["champion", "production"], (await _registry.GetVersionAsync("aliased", 1, None)).Aliases);

        await _registry.SetAliasAsync("aliased", "production", 2, None);

        Assert.Equal(["champion"], (await _registry.GetVersionAsync("aliased", 1, None)).Aliases);
        Assert.Equal(["production"], (await _registry.GetVersionAsync("aliased", 2, None)).Aliases);
        Assert.Equal(2, (await _registry.GetVersionByAliasAsync("aliased", "production", None)).Version);
        Assert.Equal(1, (await _registry.GetVersionByAliasAsync("other", "production", None)).Version);
    }

    [Fact]
    public async Task Aliases_must_be_valid_point_at_existing_versions_and_exist_to_be_deleted()
    {
        await RegisterFileAsync("aliased", "1");

        await Assert.ThrowsAsync<InvalidInputException>(() => _registry.SetAliasAsync("aliased", "latest", 1, None));
        await Assert.ThrowsAsync<InvalidInputException>(() => _registry.SetAliasAsync("aliased", "v2", 1, None));
        var missingVersion = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.SetAliasAsync("aliased", "prod", 5, None));
        Assert.Contains("5", missingVersion.Message, StringComparison.Ordinal);
        var unset = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.DeleteAliasAsync("aliased", "prod", None));
        Assert.Contains("prod", unset.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetVersionByAliasAsync("aliased", "prod", None));

        await _registry.SetAliasAsync("aliased", "prod", 1, None);
        await _registry.DeleteAliasAsync("aliased", "prod", None);

        Assert.Empty((await _registry.GetVersionAsync("aliased", 1, None)).Aliases);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetVersionByAliasAsync("aliased", "prod", None));
    }

    // ---- Listing -----------------------------------------------------------------------------

    [Fact]
    public async Task Listing_orders_by_name_then_newest_version_and_filters_by_name_tags_and_archived()
    {
        var vision = new Dictionary<string, string> { ["team"] = "vision", ["tier"] = "gold" };
        await RegisterFileAsync("beta", "1", vision);
        await RegisterFileAsync("alpha", "2", new Dictionary<string, string> { ["team"] = "vision" });
        await RegisterFileAsync("alpha", "3", vision);
        await RegisterFileAsync("beta", "4");
        await RegisterFileAsync("alpha", "5", vision);
        await _registry.UpdateVersionAsync("alpha", 3, new ModelVersionUpdate(IsArchived: true), None);

        var all = await ListAllAsync(new ModelQuery(IncludeArchived: true));
        Assert.Equal(["alpha:3", "alpha:2", "alpha:1", "beta:2", "beta:1"], all.Select(Key));

        Assert.Equal(["alpha:2", "alpha:1", "beta:2", "beta:1"], (await ListAllAsync(new ModelQuery())).Select(Key));
        Assert.Equal(["beta:2", "beta:1"], (await ListAllAsync(new ModelQuery(Name: "beta"))).Select(Key));
        Assert.Equal(["alpha:2", "beta:1"], (await ListAllAsync(new ModelQuery(Tags: vision))).Select(Key));
        Assert.Equal(["alpha:3", "alpha:2", "beta:1"], (await ListAllAsync(new ModelQuery(Tags: vision, IncludeArchived: true))).Select(Key));
        Assert.Equal(["alpha:2", "beta:2"], (await ListAllAsync(new ModelQuery(LatestOnly: true))).Select(Key));
        Assert.Equal(["alpha:2", "beta:2"], (await ListAllAsync(new ModelQuery(LatestOnly: true, IncludeArchived: true))).Select(Key));
        Assert.Equal(["alpha:2", "beta:1"], (await ListAllAsync(new ModelQuery(Tags: vision, LatestOnly: true))).Select(Key));
    }

    [Fact]
    public async Task Listing_pages_through_every_version_once()
    {
        for (var i = 0; i < 5; i++)
        {
            await RegisterFileAsync(i % 2 == 0 ? "even" : "odd", $"{i}");
        }

        var first = await _registry.ListVersionsAsync(new ModelQuery(MaxResults: 2), None);
        Assert.Equal(["even:3", "even:2"], first.Items.Select(Key));
        Assert.NotNull(first.NextPageToken);

        var all = await ListAllAsync(new ModelQuery(MaxResults: 2));
        Assert.Equal(["even:3", "even:2", "even:1", "odd:2", "odd:1"], all.Select(Key));

        var exact = await _registry.ListVersionsAsync(new ModelQuery(MaxResults: 5), None);
        Assert.Equal(5, exact.Items.Count);
        Assert.Null(exact.NextPageToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task Listing_with_a_page_size_outside_1_to_1000_is_rejected_naming_it(int maxResults)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => _registry.ListVersionsAsync(new ModelQuery(MaxResults: maxResults), None));
        Assert.Contains(maxResults.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("bXYxfHh8bmFtZQ")]
    public async Task Listing_with_a_forged_page_token_is_rejected(string token)
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => _registry.ListVersionsAsync(new ModelQuery(PageToken: token), None));
        Assert.Contains(token, ex.Message, StringComparison.Ordinal);
    }

    // ---- Update and delete -------------------------------------------------------------------

    [Fact]
    public async Task Updating_changes_description_tags_stage_and_archived_flag_and_leaves_properties_alone()
    {
        await _registry.CreateVersionAsync(new NewModelVersion("upd", new LocalModelSource(WriteSource("m.bin", "x")), "old",
            new Dictionary<string, string> { ["keep"] = "1", ["drop"] = "2", ["change"] = "3" },
            new Dictionary<string, string> { ["p"] = "fixed" }), null, None);

        var updated = await _registry.UpdateVersionAsync("upd", 1, new ModelVersionUpdate(
            Description: "new",
            SetTags: new Dictionary<string, string> { ["change"] = "33", ["added"] = "4" },
            RemoveTags: ["drop", "never-set"],
            Stage: "Production",
            IsArchived: true), None);

        Assert.Equal("new", updated.Description);
        Assert.Equal(new Dictionary<string, string> { ["keep"] = "1", ["change"] = "33", ["added"] = "4" }, updated.Tags);
        Assert.Equal("Production", updated.Stage);
        Assert.True(updated.IsArchived);
        Assert.Equal("fixed", updated.Properties["p"]);
        Assert.Equal(updated, await _registry.GetVersionAsync("upd", 1, None), ModelComparer.Instance);

        var unchanged = await _registry.UpdateVersionAsync("upd", 1, new ModelVersionUpdate(IsArchived: false), None);
        Assert.Equal("new", unchanged.Description);
        Assert.Equal("Production", unchanged.Stage);
        Assert.False(unchanged.IsArchived);
    }

    [Fact]
    public async Task Updating_rejects_long_stages_and_missing_versions()
    {
        await RegisterFileAsync("upd", "x");

        await Assert.ThrowsAsync<InvalidInputException>(() => _registry.UpdateVersionAsync("upd", 1, new ModelVersionUpdate(Stage: new string('s', 256)), None));
        await Assert.ThrowsAsync<InvalidInputException>(() => _registry.UpdateVersionAsync("upd", 1,
            new ModelVersionUpdate(SetTags: new Dictionary<string, string> { ["k"] = "v" }, RemoveTags: ["k"]), None));
        var ex = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.UpdateVersionAsync("upd", 2, new ModelVersionUpdate(Description: "d"), None));
        Assert.Contains("upd", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new string('s', 255), (await _registry.UpdateVersionAsync("upd", 1, new ModelVersionUpdate(Stage: new string('s', 255)), None)).Stage);
    }

    [Fact]
    public async Task Deleting_a_version_removes_it_and_its_aliases_and_its_number_is_not_reused()
    {
        await RegisterFileAsync("del", "1");
        await RegisterFileAsync("del", "2");
        await _registry.SetAliasAsync("del", "prod", 2, None);

        await _registry.DeleteVersionAsync("del", 2, None);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetVersionAsync("del", 2, None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.GetVersionByAliasAsync("del", "prod", None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.DeleteVersionAsync("del", 2, None));
        Assert.Equal(3, (await RegisterFileAsync("del", "3")).Version);
        await _registry.DeleteVersionAsync("del", 1, None);
        await _registry.DeleteVersionAsync("del", 3, None);
        Assert.Equal(4, (await RegisterFileAsync("del", "4")).Version);
    }

    [Fact]
    public async Task Deleting_a_version_keeps_content_shared_with_another_version_and_removes_content_no_one_references()
    {
        await RegisterFileAsync("shared", "common");
        await RegisterFileAsync("shared", "common");
        await RegisterFileAsync("shared", "unique");
        Assert.Equal(2, BlobCount());

        await _registry.DeleteVersionAsync("shared", 1, None);
        Assert.Equal(2, BlobCount());
        var files = await _registry.DownloadAsync("shared", 2, Path.Combine(_temp, "dl"), null, None);
        Assert.Equal("common", await File.ReadAllTextAsync(files.Single()));

        await _registry.DeleteVersionAsync("shared", 3, None);
        Assert.Equal(1, BlobCount());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "models", "blobs", "tmp")));
    }

    // ---- Download ----------------------------------------------------------------------------

    [Fact]
    public async Task Downloading_writes_every_file_under_its_relative_path_and_returns_the_paths()
    {
        WriteSource("dl-model/a.txt", "alpha");
        WriteSource("dl-model/nested/b.txt", "beta");
        await _registry.CreateVersionAsync(new NewModelVersion("dl", new LocalModelSource(Path.Combine(_sources, "dl-model"))), null, None);
        var destination = Path.Combine(_temp, "downloads", "not-yet-created");
        var progress = new List<long>();

        var paths = await _registry.DownloadAsync("dl", 1, destination, new SynchronousProgress(progress), None);

        Assert.Equal([Path.Combine(destination, "a.txt"), Path.Combine(destination, "nested", "b.txt")], paths);
        Assert.Equal("alpha", await File.ReadAllTextAsync(paths[0]));
        Assert.Equal("beta", await File.ReadAllTextAsync(paths[1]));
        Assert.Equal(9, progress[^1]);
        Assert.Equal(2, Directory.GetFiles(destination, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task Downloading_a_corrupted_blob_fails_with_data_loss_naming_the_file_and_leaves_no_file()
    {
        var model = await RegisterFileAsync("corrupt", "precious weights");
        var blob = Path.Combine(BlobFolder, model.Files[0].Sha256[..2], model.Files[0].Sha256);
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[3] ^= 0xFF; // same length, different content
        await File.WriteAllBytesAsync(blob, bytes);
        var destination = Path.Combine(_temp, "dl");

        var ex = await Assert.ThrowsAsync<AzureMlException>(() => _registry.DownloadAsync("corrupt", 1, destination, null, None));

        Assert.Equal(AzureMlErrorCodes.DataLoss, ex.ErrorCode);
        Assert.Contains("model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(destination, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Downloading_a_version_whose_blob_is_missing_fails_with_data_loss()
    {
        var model = await RegisterFileAsync("lost", "gone soon");
        File.Delete(Path.Combine(BlobFolder, model.Files[0].Sha256[..2], model.Files[0].Sha256));
        var destination = Path.Combine(_temp, "dl");

        var ex = await Assert.ThrowsAsync<AzureMlException>(() => _registry.DownloadAsync("lost", 1, destination, null, None));

        Assert.Equal(AzureMlErrorCodes.DataLoss, ex.ErrorCode);
        Assert.Contains("model.onnx", ex.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(destination, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Downloading_a_missing_version_is_not_found()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _registry.DownloadAsync("absent", 1, Path.Combine(_temp, "dl"), null, None));
    }

    private static string Key(ModelVersionData model) => $"{model.Name}:{model.Version}";

    /// <summary>Records progress synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }

    /// <summary>Records hold dictionaries and lists, so compare them by content.</summary>
    private sealed class ModelComparer : IEqualityComparer<ModelVersionData>
    {
        public static readonly ModelComparer Instance = new();

        public bool Equals(ModelVersionData? x, ModelVersionData? y) =>
            x is not null && y is not null
            && x with { Tags = y.Tags, Properties = y.Properties, Aliases = y.Aliases, Files = y.Files } == y
            && x.Tags.OrderBy(t => t.Key).SequenceEqual(y.Tags.OrderBy(t => t.Key))
            && x.Properties.OrderBy(t => t.Key).SequenceEqual(y.Properties.OrderBy(t => t.Key))
            && x.Aliases.SequenceEqual(y.Aliases)
            && x.Files.SequenceEqual(y.Files);

        public int GetHashCode(ModelVersionData obj) => HashCode.Combine(obj.Name, obj.Version);
    }
}
