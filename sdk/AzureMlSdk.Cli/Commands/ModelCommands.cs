using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary><c>azml model create|list|show|download|archive|restore</c>, az ml's flags.</summary>
internal static class ModelCommands
{
    public static Command Build()
    {
        var group = new Command("model", "Model registry commands: register versions, list, show, download, archive.");
        group.Subcommands.Add(Create());
        group.Subcommands.Add(List());
        group.Subcommands.Add(Show());
        group.Subcommands.Add(Download());
        group.Subcommands.Add(Archive("archive", "Archive a model version: it stays downloadable but is no longer latest nor listed by default.", archive: true));
        group.Subcommands.Add(Archive("restore", "Restore an archived model version.", archive: false));
        return group;
    }

    private static Option<string> NameOption() => new("--name", "-n") { Description = "The model name.", Required = true };

    private static Option<string?> VersionOption() => new("--version", "-v") { Description = "The model version." };

    private static Option<string?> LabelOption() => new("--label", "-l") { Description = "A label: 'latest', or an alias such as 'production'." };

    private static Command Create()
    {
        var name = NameOption();
        var version = VersionOption();
        version.Description = "The version to create; versions are assigned in order, so this must be the next one (checked before anything is uploaded).";
        var path = new Option<string>("--path", "-p") { Description = "A local file or folder, runs:/<run-id>/<artifact path>, azureml://jobs/<job>/outputs/<output>[/paths/<path>], or azureml://jobs/<job>/outputs/artifacts/paths/<artifact path>.", Required = true };
        var type = new Option<string>("--type", "-t") { Description = "The model type (custom_model).", DefaultValueFactory = _ => "custom_model" };
        var description = new Option<string?>("--description", "-d") { Description = "Description." };
        var tags = TagsOption();
        var stage = new Option<string?>("--stage") { Description = "Lifecycle stage, e.g. Development, Production." };
        var command = new Command("create", "Register a model version from a local path, a run's artifacts or a job's output.") { name, version, path, type, description, tags, stage };
        command.SetHandler(async ctx =>
        {
            var modelType = ctx.Get(type)!;
            if (!string.Equals(modelType, "custom_model", StringComparison.Ordinal))
            {
                throw new UsageException(modelType is "mlflow_model" or "triton_model"
                    ? $"argument --type: '{modelType}' is not supported by this SDK's registry; register the files as custom_model."
                    : $"argument --type: invalid choice '{modelType}' (choose from custom_model).");
            }
            var stageValue = ctx.Get(stage);
            if (stageValue is not null && (stageValue.Trim().Length == 0 || stageValue.Length > 255))
            {
                throw new UsageException("argument --stage: must be 1 to 255 characters.");
            }
            var tagValues = ParseTags(ctx.Get(tags));
            var modelName = ctx.Get(name)!;
            var source = ctx.Get(path)!;
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            if (ctx.Get(version) is { } wanted)
            {
                var next = await NextVersionAsync(ws, modelName, ctx.CancellationToken).ConfigureAwait(false);
                if (!int.TryParse(wanted, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v != next)
                {
                    throw new UsageException($"argument --version: the registry assigns versions in order; the next version of model '{modelName}' is {next.ToString(CultureInfo.InvariantCulture)}, not '{wanted}'. Leave --version out to take it.");
                }
            }
            Model model;
            if (source.StartsWith("runs:/", StringComparison.Ordinal))
            {
                var rest = source["runs:/".Length..].TrimStart('/');
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == rest.Length - 1)
                {
                    throw new UsageException($"argument --path: '{source}' must be runs:/<run-id>/<artifact path>.");
                }
                var run = await ws.GetRunAsync(rest[..slash], ctx.CancellationToken).ConfigureAwait(false);
                model = await ctx.Feedback.SpinAsync($"Registering {modelName} from run {run.Id}...", async _ =>
                    await run.RegisterModelAsync(modelName, rest[(slash + 1)..], tagValues, ctx.Get(description), cancellationToken: ctx.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
            else if (source.StartsWith("azureml://jobs/", StringComparison.Ordinal))
            {
                model = await RegisterJobOutputAsync(ctx, ws, modelName, source, tagValues, ctx.Get(description)).ConfigureAwait(false);
            }
            else if (source.Contains("://", StringComparison.Ordinal))
            {
                throw new UsageException($"argument --path: '{source}' is not a local path, runs:/<run-id>/<path> or azureml://jobs/<job>/outputs/<output>/paths/<path>.");
            }
            else
            {
                var local = source.StartsWith("file:", StringComparison.Ordinal) ? source["file:".Length..] : source;
                if (!File.Exists(local) && !Directory.Exists(local))
                {
                    throw new ResourceNotFoundException($"argument --path: '{local}' does not exist.");
                }
                model = await ctx.Feedback.TransferAsync($"Uploading {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(local)))}", SizeOf(local), async progress =>
                    await ws.RegisterModelAsync(modelName, local, tagValues, ctx.Get(description), new ModelRegistrationOptions { Progress = progress }, ctx.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            }
            if (stageValue is not null)
            {
                await model.SetStageAsync(stageValue, ctx.CancellationToken).ConfigureAwait(false);
            }
            return new CliResult(Views.Model(model), Views.ModelColumns);
        });
        return command;
    }

    private static Command List()
    {
        var name = new Option<string?>("--name", "-n") { Description = "Only this model's versions (newest first); without it, each model's latest version." };
        var includeArchived = new Option<bool>("--include-archived") { Description = "Include archived versions." };
        var maxResults = new Option<int?>("--max-results", "-r") { Description = "At most this many versions." };
        var command = new Command("list", "List models.") { name, includeArchived, maxResults };
        command.SetHandler(async ctx =>
        {
            var max = ctx.Get(maxResults);
            if (max is < 1)
            {
                throw new UsageException($"argument --max-results: must be at least 1; got {max}.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var modelName = ctx.Get(name);
            var items = new JsonArray();
            await foreach (var m in ws.ListModelsAsync(modelName, new ModelListOptions { IncludeArchived = ctx.Get(includeArchived), LatestOnly = modelName is null }, ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(Views.Model(m));
                if (items.Count == max)
                {
                    break;
                }
            }
            return new CliResult(items, Views.ModelColumns);
        });
        return command;
    }

    private static Command Show()
    {
        var name = NameOption();
        var version = VersionOption();
        var label = LabelOption();
        var command = new Command("show", "Show a model version (the latest when neither --version nor --label is given).") { name, version, label };
        command.SetHandler(async ctx => new CliResult(Views.Model(await ResolveAsync(ctx, name, version, label).ConfigureAwait(false)), Views.ModelColumns));
        return command;
    }

    private static Command Download()
    {
        var name = NameOption();
        var version = VersionOption();
        var label = LabelOption();
        var path = new Option<string>("--download-path", "-p") { Description = "The folder to download into (the files go to <download-path>/<name>).", DefaultValueFactory = _ => "." };
        var command = new Command("download", "Download a model version's files (each checked against its SHA-256).") { name, version, label, path };
        command.SetHandler(async ctx =>
        {
            var model = await ResolveAsync(ctx, name, version, label).ConfigureAwait(false);
            var target = Path.Combine(ctx.Get(path)!, model.Name);
            var total = model.Files.Sum(f => f.Length);
            var folder = await ctx.Feedback.TransferAsync($"Downloading {model.Name}:{model.Version.ToString(CultureInfo.InvariantCulture)}", total, async progress =>
                await model.DownloadAsync(target, progress, ctx.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            return new CliResult(new JsonObject
            {
                ["name"] = model.Name,
                ["version"] = model.Version.ToString(CultureInfo.InvariantCulture),
                ["download_path"] = folder,
                ["files"] = new JsonArray(model.Files.Select(f => (JsonNode)f.Path).ToArray()),
            });
        });
        return command;
    }

    private static Command Archive(string verb, string description, bool archive)
    {
        var name = NameOption();
        var version = VersionOption();
        var label = LabelOption();
        var command = new Command(verb, description) { name, version, label };
        command.SetHandler(async ctx =>
        {
            if (ctx.Get(version) is null && ctx.Get(label) is null)
            {
                throw new UsageException($"azml model {verb} needs --version or --label.");
            }
            var model = await ResolveAsync(ctx, name, version, label).ConfigureAwait(false);
            if (archive)
            {
                await model.ArchiveAsync(ctx.CancellationToken).ConfigureAwait(false);
            }
            else
            {
                await model.RestoreAsync(ctx.CancellationToken).ConfigureAwait(false);
            }
            return CliResult.None;
        });
        return command;
    }

    private static async Task<Model> ResolveAsync(CliContext ctx, Option<string> name, Option<string?> version, Option<string?> label)
    {
        var v = ctx.Get(version);
        var l = ctx.Get(label);
        if (v is not null && l is not null)
        {
            throw new UsageException("arguments --version and --label: give one, not both.");
        }
        int? number = null;
        if (v is not null)
        {
            number = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new UsageException($"argument --version: '{v}' is not a version number (1, 2, …).");
        }
        var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
        var alias = l is null || string.Equals(l, "latest", StringComparison.Ordinal) ? null : l;
        return await ws.GetModelAsync(ctx.Get(name)!, number, alias, ctx.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>azureml://jobs/&lt;job&gt;/outputs/&lt;output&gt;[/paths/&lt;path&gt;]</c>: a completed job's named output (downloaded, then
    /// registered with the job as its run), or <c>…/outputs/artifacts/paths/&lt;path&gt;</c>: the job's run artifacts, as az ml reads them.
    /// </summary>
    private static async Task<Model> RegisterJobOutputAsync(CliContext ctx, Workspace ws, string modelName, string source, IReadOnlyDictionary<string, string>? tags, string? description)
    {
        var reference = AssetReference.Parse(source);
        if (reference.Kind != AssetReferenceKind.JobOutput || string.IsNullOrEmpty(reference.Job) || string.IsNullOrEmpty(reference.Output))
        {
            throw new UsageException($"argument --path: '{source}' must be azureml://jobs/<job>/outputs/<output>[/paths/<path>].");
        }
        var job = await ws.Jobs.GetAsync(reference.Job, ctx.CancellationToken).ConfigureAwait(false);
        if (string.Equals(reference.Output, "artifacts", StringComparison.Ordinal) && !job.OutputUris.ContainsKey("artifacts"))
        {
            // The default output: what the job's run stored as artifacts (outputs/, logs).
            if (string.IsNullOrEmpty(reference.Path))
            {
                throw new UsageException($"argument --path: '{source}' needs /paths/<artifact path> after outputs/artifacts (e.g. azureml://jobs/{job.Name}/outputs/artifacts/paths/outputs/model).");
            }
            var run = await ws.GetRunAsync(job.Name, ctx.CancellationToken).ConfigureAwait(false);
            return await ctx.Feedback.SpinAsync($"Registering {modelName} from job {job.Name}...", async _ =>
                await run.RegisterModelAsync(modelName, reference.Path.TrimEnd('/'), tags, description, cancellationToken: ctx.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        if (!job.OutputUris.ContainsKey(reference.Output))
        {
            throw new ResourceNotFoundException($"Job '{job.Name}' has no output '{reference.Output}'; its outputs: {(job.OutputUris.Count == 0 ? "none" : string.Join(", ", job.OutputUris.Keys.Order(StringComparer.Ordinal)))} (and artifacts).");
        }
        if (job.Status != JobStatus.Completed)
        {
            throw new InvalidStateException($"Job '{job.Name}' is {job.Status}: its output '{reference.Output}' can be registered once the job has completed.");
        }
        var temp = Path.Combine(Path.GetTempPath(), "azml-model-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await ctx.Feedback.TransferAsync($"Downloading output {reference.Output} of {job.Name}", null, p =>
                ws.Jobs.DownloadAsync(job.Name, temp, reference.Output, p, ctx.CancellationToken)).ConfigureAwait(false);
            var folder = Path.GetFullPath(Path.Combine(temp, "named-outputs", reference.Output));
            var local = folder;
            if (!string.IsNullOrEmpty(reference.Path) && reference.Path.Trim('/').Length > 0)
            {
                local = Path.GetFullPath(Path.Combine(folder, reference.Path.Trim('/')));
                if (!local.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new UsageException($"argument --path: '{reference.Path}' leaves the output folder.");
                }
            }
            if (!File.Exists(local) && !(Directory.Exists(local) && Directory.EnumerateFileSystemEntries(local).Any()))
            {
                throw new ResourceNotFoundException(string.IsNullOrEmpty(reference.Path)
                    ? $"Output '{reference.Output}' of job '{job.Name}' is empty: nothing to register."
                    : $"Output '{reference.Output}' of job '{job.Name}' has no file or folder '{reference.Path}'.");
            }
            var properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["azureml.jobName"] = job.Name, ["azureml.jobOutput"] = reference.Output };
            return await ctx.Feedback.TransferAsync($"Uploading {modelName}", SizeOf(local), async progress =>
                await ws.RegisterModelAsync(modelName, local, tags, description, new ModelRegistrationOptions { Progress = progress, RunId = job.Name, Properties = properties }, ctx.CancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task<int> NextVersionAsync(Workspace ws, string name, CancellationToken cancellationToken)
    {
        await foreach (var m in ws.ListModelsAsync(name, new ModelListOptions { IncludeArchived = true }, cancellationToken).ConfigureAwait(false))
        {
            return m.Version + 1;
        }
        return 1;
    }

    private static long? SizeOf(string path) =>
        File.Exists(path) ? new FileInfo(path).Length
        : Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
        : null;

    /// <summary><c>--tags key=value …</c>, as az ml takes them.</summary>
    public static Option<string[]> TagsOption() => new("--tags") { Description = "Tags: key=value pairs, space-separated.", AllowMultipleArgumentsPerToken = true };

    public static IReadOnlyDictionary<string, string>? ParseTags(string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq == 0)
            {
                throw new UsageException($"argument --tags: '{value}' has no key (use key=value).");
            }
            tags[eq < 0 ? value : value[..eq]] = eq < 0 ? "" : value[(eq + 1)..];
        }
        return tags;
    }
}
