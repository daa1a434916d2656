using System.CommandLine;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary><c>azml job …</c> and <c>azml compute …</c>, az ml's verbs over <c>ws.Jobs</c> and <c>ws.Computes</c>.</summary>
internal static class JobCommands
{
    private static readonly IReadOnlyList<(string, string)> JobColumns =
        [("Name", "name"), ("DisplayName", "display_name"), ("Type", "type"), ("Status", "status"), ("Compute", "compute"), ("Experiment", "experiment_name")];

    private static JsonObject View(Job j)
    {
        var outputs = new JsonObject();
        foreach (var (k, v) in j.OutputUris.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            outputs[k] = new JsonObject { ["path"] = v };
        }
        return new JsonObject
        {
            ["name"] = j.Name,
            ["display_name"] = j.DisplayName,
            ["type"] = j.Type.ToString().ToLowerInvariant(),
            ["status"] = j.Status.ToString(),
            ["experiment_name"] = j.ExperimentName,
            ["compute"] = j.Compute,
            ["parent_job_name"] = j.ParentJobName,
            ["description"] = j.Description,
            ["tags"] = Views.Map(j.Tags),
            ["properties"] = Views.Map(j.Properties),
            ["outputs"] = outputs,
            ["error"] = j.Error is { } e ? new JsonObject { ["code"] = e.Code, ["message"] = e.Message } : null,
            ["creation_context"] = new JsonObject { ["created_at"] = Views.Time(j.CreatedAt) },
            ["start_time"] = Views.Time(j.StartedAt),
            ["end_time"] = Views.Time(j.EndedAt),
        };
    }

    private static Option<string> Name() => new("--name", "-n") { Description = "The job name.", Required = true };

    public static Command BuildJob()
    {
        var group = new Command("job", "Jobs: submit az ml job YAML, follow, cancel, download outputs.");

        var file = new Option<string>("--file", "-f") { Description = "The az ml v2 job YAML.", Required = true };
        var set = new Option<string[]>("--set") { Description = "Overrides of the file's values: key.path=value (repeatable)." };
        var stream = new Option<bool>("--stream", "-s") { Description = "Stream the job's logs until it ends; exit 1 when it does not complete." };
        var name = new Option<string?>("--name", "-n") { Description = "The job name (default: generated)." };
        var create = new Command("create", "Submit a job from its YAML.") { file, set, stream, name };
        create.SetHandler(async ctx =>
        {
            var overrides = ctx.Get(set) ?? [];
            if (ctx.Get(name) is { } n)
            {
                overrides = [.. overrides, "name=" + n];
            }
            var definition = Job.Load(ctx.Get(file)!, overrides);
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var job = await ctx.Feedback.TransferAsync("Uploading the job's code and inputs", null, p => ws.Jobs.CreateOrUpdateAsync(definition, p, ctx.CancellationToken)).ConfigureAwait(false);
            if (ctx.Get(stream))
            {
                job = await ws.Jobs.StreamAsync(job.Name, ctx.Parse.InvocationConfiguration.Error, ctx.CancellationToken).ConfigureAwait(false);
                if (job.Status != JobStatus.Completed)
                {
                    throw new InvalidStateException($"Job '{job.Name}' ended {job.Status}" + (job.Error is { } e ? $": ({e.Code}) {e.Message}" : "."), job.Error?.Code ?? AzureMlErrorCodes.InvalidState);
                }
            }
            return new CliResult(View(job), JobColumns);
        });

        var showName = Name();
        var show = new Command("show", "Show a job.") { showName };
        show.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            return new CliResult(View(await ws.Jobs.GetAsync(ctx.Get(showName)!, ctx.CancellationToken).ConfigureAwait(false)), JobColumns);
        });

        var parent = new Option<string?>("--parent-job-name", "-p") { Description = "Only the child jobs of this pipeline or sweep job." };
        var archived = new Option<bool>("--include-archived") { Description = "Include archived jobs." };
        var list = new Command("list", "List jobs.") { parent, archived };
        list.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var j in ws.Jobs.ListAsync(ctx.Get(parent), ctx.Get(archived), ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(View(j));
            }
            return new CliResult(items, JobColumns);
        });

        var streamName = Name();
        var streamCommand = new Command("stream", "Stream a job's logs until it ends; exit 1 when it does not complete.") { streamName };
        streamCommand.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var job = await ws.Jobs.StreamAsync(ctx.Get(streamName)!, ctx.Parse.InvocationConfiguration.Error, ctx.CancellationToken).ConfigureAwait(false);
            if (job.Status != JobStatus.Completed)
            {
                throw new InvalidStateException($"Job '{job.Name}' ended {job.Status}" + (job.Error is { } e ? $": ({e.Code}) {e.Message}" : "."), job.Error?.Code ?? AzureMlErrorCodes.InvalidState);
            }
            return new CliResult(View(job), JobColumns);
        });

        var cancelName = Name();
        var cancel = new Command("cancel", "Cancel a job.") { cancelName };
        cancel.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            await ws.Jobs.CancelAsync(ctx.Get(cancelName)!, ctx.CancellationToken).ConfigureAwait(false);
            return CliResult.None;
        });

        var downloadName = Name();
        var outputName = new Option<string?>("--output-name") { Description = "Only this named output." };
        var all = new Option<bool>("--all") { Description = "Every output and the logs (the default)." };
        var path = new Option<string>("--download-path", "-p") { Description = "The folder to download into.", DefaultValueFactory = _ => "." };
        var download = new Command("download", "Download a job's outputs and logs.") { downloadName, outputName, all, path };
        download.SetHandler(async ctx =>
        {
            if (ctx.Get(all) && ctx.Get(outputName) is not null)
            {
                throw new UsageException("arguments --all and --output-name: give one, not both.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var files = await ctx.Feedback.TransferAsync($"Downloading {ctx.Get(downloadName)}", null, p =>
                ws.Jobs.DownloadAsync(ctx.Get(downloadName)!, ctx.Get(path)!, ctx.Get(outputName), p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(new JsonArray(files.Select(f => (JsonNode)f).ToArray()));
        });

        var archiveName = Name();
        var archive = new Command("archive", "Archive a job (hidden from job list).") { archiveName };
        archive.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            await ws.Jobs.ArchiveAsync(ctx.Get(archiveName)!, ctx.CancellationToken).ConfigureAwait(false);
            return CliResult.None;
        });

        foreach (var c in new[] { create, show, list, streamCommand, cancel, download, archive })
        {
            group.Subcommands.Add(c);
        }
        return group;
    }

    private static JsonObject ComputeView(ComputeData c) => new()
    {
        ["name"] = c.Name,
        ["type"] = c.Type,
        ["id"] = c.Id,
        ["size"] = c.Size,
        ["min_instances"] = c.MinInstances,
        ["max_instances"] = c.MaxInstances,
        ["provisioning_state"] = c.State,
        ["description"] = c.Description,
        ["tags"] = Views.Map(c.Tags),
        ["creation_context"] = new JsonObject { ["created_at"] = Views.Time(c.CreatedAt) },
    };

    private static readonly IReadOnlyList<(string, string)> ComputeColumns =
        [("Name", "name"), ("Type", "type"), ("MaxInstances", "max_instances"), ("State", "provisioning_state")];

    public static Command BuildCompute()
    {
        var group = new Command("compute", "Computes: local, and clusters jobs queue for.");
        var file = new Option<string?>("--file", "-f") { Description = "The az ml v2 compute YAML." };
        var name = new Option<string?>("--name", "-n") { Description = "The compute name." };
        var type = new Option<string>("--type", "-t") { Description = "The compute type (amlcompute).", DefaultValueFactory = _ => "amlcompute" };
        var max = new Option<int>("--max-instances") { Description = "The most instances (slots).", DefaultValueFactory = _ => 1 };
        var create = new Command("create", "Create a compute from YAML, or from --name --type --max-instances.") { file, name, type, max };
        create.SetHandler(async ctx =>
        {
            ComputeDefinition definition;
            if (ctx.Get(file) is { } f)
            {
                definition = ComputeDefinition.Load(f);
                if (ctx.Get(name) is { } n)
                {
                    definition = new ComputeDefinition { Name = n, Type = definition.Type, Description = definition.Description, Tags = definition.Tags, Size = definition.Size, MinInstances = definition.MinInstances, MaxInstances = definition.MaxInstances, IdleTimeBeforeScaleDown = definition.IdleTimeBeforeScaleDown, Tier = definition.Tier, Location = definition.Location };
                }
            }
            else
            {
                var n = ctx.Get(name) ?? throw new UsageException("azml compute create needs --file or --name.");
                if (ctx.Get(max) < 1)
                {
                    throw new UsageException("argument --max-instances: must be at least 1.");
                }
                definition = new ComputeDefinition { Name = n, Type = ctx.Get(type)!, MaxInstances = ctx.Get(max) };
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            return new CliResult(ComputeView(await ws.Computes.CreateOrUpdateAsync(definition, ctx.CancellationToken).ConfigureAwait(false)), ComputeColumns);
        });

        var showName = new Option<string>("--name", "-n") { Description = "The compute name.", Required = true };
        var show = new Command("show", "Show a compute.") { showName };
        show.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            return new CliResult(ComputeView(await ws.Computes.GetAsync(ctx.Get(showName)!, ctx.CancellationToken).ConfigureAwait(false)), ComputeColumns);
        });

        var list = new Command("list", "List computes.");
        list.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var c in ws.Computes.ListAsync(ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(ComputeView(c));
            }
            return new CliResult(items, ComputeColumns);
        });

        var deleteName = new Option<string>("--name", "-n") { Description = "The compute name.", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not prompt for confirmation (azml never prompts)." };
        var delete = new Command("delete", "Delete a compute.") { deleteName, yes };
        delete.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            await ws.Computes.DeleteAsync(ctx.Get(deleteName)!, ctx.CancellationToken).ConfigureAwait(false);
            return CliResult.None;
        });

        foreach (var c in new[] { create, show, list, delete })
        {
            group.Subcommands.Add(c);
        }
        return group;
    }
}
