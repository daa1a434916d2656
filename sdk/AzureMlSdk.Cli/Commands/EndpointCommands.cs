using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary>
/// <c>azml online-endpoint|online-deployment|batch-endpoint|batch-deployment</c>, az ml's verbs and flags; every <c>-f</c> takes the
/// az ml v2 YAML of its kind, read by the SDK (<see cref="OnlineEndpointSpec.Load"/>, <see cref="OnlineDeploymentDefinition.Load"/>…).
/// </summary>
internal static class EndpointCommands
{
    /// <summary>Why endpoint commands refuse a local workspace: its endpoints live in the process that serves them.</summary>
    public const string LocalEndpointsMessage =
        "Endpoints of a local workspace are served by the process that creates them and stop when it exits, so azml cannot keep one between commands. "
        + "Run the Emulator (dotnet run --project sdk/AzureMlSdk.Emulator -- --port 5099 --token dev-token --start-azurite) and point azml at it "
        + "with a config.json (resource_manager_endpoint) and AZUREML_EMULATOR_TOKEN, or use an Azure ML workspace (-w -g --subscription); "
        + "in a .NET program, Workspace.Local() serves endpoints for as long as the program runs.";

    public static IEnumerable<Command> Build() => [OnlineEndpoint(), OnlineDeployment(), BatchEndpoint(), BatchDeployment()];

    private static async Task<Workspace> EndpointWorkspaceAsync(CliContext ctx)
    {
        var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
        return ws.Kind == WorkspaceKind.Local ? throw new AzureMlNotSupportedException(LocalEndpointsMessage) : ws;
    }

    private static Option<string> File() => new("--file", "-f") { Description = "The az ml v2 YAML file.", Required = true };

    private static Option<string[]> Set() => new("--set") { Description = "Overrides of the file's values: key.path=value (repeatable).", AllowMultipleArgumentsPerToken = false };

    private static Option<string> EndpointName(bool required = true, string description = "The endpoint name.") =>
        new("--name", "-n") { Description = description, Required = required };

    private static Option<string> DeploymentEndpoint(bool required) =>
        new("--endpoint-name", "-e") { Description = "The endpoint name" + (required ? "." : " (default: the file's endpoint_name)."), Required = required };

    private static string[] SetWithName(string[]? set, string? name) =>
        name is null ? set ?? [] : [.. set ?? [], "name=" + name];

    // ---- online endpoints ------------------------------------------------------------------

    private static Command OnlineEndpoint()
    {
        var group = new Command("online-endpoint", "Online endpoints: a scoring URI with keys in front of deployments that share its traffic.");

        var file = File();
        var name = EndpointName(required: false, description: "The endpoint name (overrides the file's name).");
        var set = Set();
        var create = new Command("create", "Create an online endpoint from its YAML (managedOnlineEndpoint schema).") { file, name, set };
        create.SetHandler(async ctx =>
        {
            var spec = OnlineEndpointSpec.Load(ctx.Get(file)!, SetWithName(ctx.Get(set), ctx.Get(name)));
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            if (await ExistsAsync(() => ws.GetEndpointAsync(spec.Name, ctx.CancellationToken)).ConfigureAwait(false))
            {
                throw new ResourceExistsException($"Online endpoint '{spec.Name}' already exists; change it with 'azml online-endpoint update'.");
            }
            var endpoint = await ctx.Feedback.SpinAsync($"Creating online endpoint {spec.Name}...", p => ws.CreateOrUpdateEndpointAsync(spec, p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(EndpointViews.Online(endpoint), EndpointViews.OnlineColumns);
        });

        var showName = EndpointName();
        var show = new Command("show", "Show an online endpoint.") { showName };
        show.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            return new CliResult(EndpointViews.Online(await ws.GetEndpointAsync(ctx.Get(showName)!, ctx.CancellationToken).ConfigureAwait(false)), EndpointViews.OnlineColumns);
        });

        var list = new Command("list", "List online endpoints.");
        list.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var e in ws.ListEndpointsAsync(ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(EndpointViews.Online(e));
            }
            return new CliResult(items, EndpointViews.OnlineColumns);
        });

        var invokeName = EndpointName();
        var requestFile = new Option<string>("--request-file", "-r") { Description = "A JSON file: the scoring request.", Required = true };
        var deployment = new Option<string?>("--deployment-name", "-d") { Description = "Send the request to this deployment, whatever the traffic split." };
        var invoke = new Command("invoke", "Score a request with an online endpoint (its key or token is fetched for you).") { invokeName, requestFile, deployment };
        invoke.SetHandler(async ctx =>
        {
            var path = ctx.Get(requestFile)!;
            if (!System.IO.File.Exists(path))
            {
                throw new UsageException($"argument --request-file: '{path}' does not exist.");
            }
            var request = await System.IO.File.ReadAllTextAsync(path, ctx.CancellationToken).ConfigureAwait(false);
            try
            {
                using var _ = JsonDocument.Parse(request);
            }
            catch (JsonException ex)
            {
                throw new UsageException($"argument --request-file: '{path}' is not valid JSON: {ex.Message}");
            }
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetEndpointAsync(ctx.Get(invokeName)!, ctx.CancellationToken).ConfigureAwait(false);
            var reply = await endpoint.InvokeAsync(request, ctx.Get(deployment), ctx.CancellationToken).ConfigureAwait(false);
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(reply);
            }
            catch (JsonException)
            {
                value = JsonValue.Create(reply);
            }
            return new CliResult(value);
        });

        var updateName = EndpointName(required: false, description: "The endpoint name (default: the file's name).");
        var updateFile = new Option<string?>("--file", "-f") { Description = "The endpoint's YAML (managedOnlineEndpoint schema)." };
        var traffic = new Option<string?>("--traffic", "-t") { Description = "The traffic split: \"blue=90 green=10\" (deployment=percent, summing to 100)." };
        var updateSet = Set();
        var update = new Command("update", "Update an online endpoint: its traffic split, or its settings from YAML.") { updateName, updateFile, traffic, updateSet };
        update.SetHandler(async ctx =>
        {
            var yaml = ctx.Get(updateFile);
            var split = ctx.Get(traffic) is { } t ? ParseTraffic(t) : null;
            var spec = yaml is not null ? OnlineEndpointSpec.Load(yaml, SetWithName(ctx.Get(updateSet), ctx.Get(updateName))) : null;
            var endpointName = spec?.Name ?? ctx.Get(updateName) ?? throw new UsageException("azml online-endpoint update needs --name (or --file).");
            if (spec is null && split is null)
            {
                throw new UsageException("azml online-endpoint update needs --traffic or --file.");
            }
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetEndpointAsync(endpointName, ctx.CancellationToken).ConfigureAwait(false);
            if (spec is not null)
            {
                endpoint = await ctx.Feedback.SpinAsync($"Updating online endpoint {endpointName}...", p => ws.CreateOrUpdateEndpointAsync(spec, p, ctx.CancellationToken)).ConfigureAwait(false);
            }
            if (split is not null)
            {
                await endpoint.SetTrafficAsync(split, ctx.CancellationToken).ConfigureAwait(false);
            }
            return new CliResult(EndpointViews.Online(endpoint), EndpointViews.OnlineColumns);
        });

        var credName = EndpointName();
        var credentials = new Command("get-credentials", "Show the endpoint's keys (key auth) or a scoring token (aml_token auth).") { credName };
        credentials.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetEndpointAsync(ctx.Get(credName)!, ctx.CancellationToken).ConfigureAwait(false);
            if (endpoint.AuthMode == EndpointAuthMode.Key)
            {
                var keys = await endpoint.GetKeysAsync(ctx.CancellationToken).ConfigureAwait(false);
                return new CliResult(new JsonObject { ["primary_key"] = keys.PrimaryKey, ["secondary_key"] = keys.SecondaryKey });
            }
            if (endpoint.AuthMode == EndpointAuthMode.AmlToken)
            {
                var token = await endpoint.GetTokenAsync(ctx.CancellationToken).ConfigureAwait(false);
                return new CliResult(new JsonObject
                {
                    ["access_token"] = token.AccessToken,
                    ["token_type"] = "Bearer",
                    ["expiry_time_utc"] = token.ExpiresOn.ToUnixTimeSeconds(),
                    ["refresh_after_time_utc"] = token.RefreshAfter.ToUnixTimeSeconds(),
                });
            }
            throw new InvalidStateException($"Online endpoint '{endpoint.Name}' uses aad_token auth: callers send their own Microsoft Entra token; it has no keys.");
        });

        var deleteName = EndpointName();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not prompt for confirmation (azml never prompts; accepted for az ml scripts)." };
        var delete = new Command("delete", "Delete an online endpoint and its deployments.") { deleteName, yes };
        delete.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetEndpointAsync(ctx.Get(deleteName)!, ctx.CancellationToken).ConfigureAwait(false);
            await ctx.Feedback.SpinAsync($"Deleting online endpoint {endpoint.Name}...", async p =>
            {
                await endpoint.DeleteAsync(p, ctx.CancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return CliResult.None;
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(show);
        group.Subcommands.Add(list);
        group.Subcommands.Add(invoke);
        group.Subcommands.Add(update);
        group.Subcommands.Add(credentials);
        group.Subcommands.Add(delete);
        return group;
    }

    /// <summary><c>"blue=90 green=10"</c> (also comma-separated) → weights.</summary>
    public static Dictionary<string, int> ParseTraffic(string text)
    {
        var traffic = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(part[(eq + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || percent > 100)
            {
                throw new UsageException($"argument --traffic: '{part}' must be deployment=percent (0 to 100), e.g. \"blue=90 green=10\".");
            }
            traffic[part[..eq]] = percent;
        }
        if (traffic.Count == 0)
        {
            throw new UsageException("argument --traffic: give deployment=percent pairs, e.g. \"blue=90 green=10\".");
        }
        return traffic;
    }

    private static async Task<bool> ExistsAsync<T>(Func<Task<T>> get)
    {
        try
        {
            await get().ConfigureAwait(false);
            return true;
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    // ---- online deployments ----------------------------------------------------------------

    private static Command OnlineDeployment()
    {
        var group = new Command("online-deployment", "Online deployments: a model version served behind an online endpoint.");
        group.Subcommands.Add(DeploymentWrite("create", "Create an online deployment from its YAML (managedOnlineDeployment schema).", create: true));
        group.Subcommands.Add(DeploymentWrite("update", "Update an online deployment from its YAML (the model, instance count, request settings…).", create: false));

        var name = new Option<string>("--name", "-n") { Description = "The deployment name.", Required = true };
        var endpoint = DeploymentEndpoint(required: true);
        var show = new Command("show", "Show an online deployment.") { name, endpoint };
        show.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetEndpointAsync(ctx.Get(endpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            return new CliResult(EndpointViews.OnlineDeployment(await ep.GetDeploymentAsync(ctx.Get(name)!, ctx.CancellationToken).ConfigureAwait(false)), EndpointViews.OnlineDeploymentColumns);
        });

        var listEndpoint = DeploymentEndpoint(required: true);
        var list = new Command("list", "List an online endpoint's deployments.") { listEndpoint };
        list.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetEndpointAsync(ctx.Get(listEndpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var d in ep.ListDeploymentsAsync(ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(EndpointViews.OnlineDeployment(d));
            }
            return new CliResult(items, EndpointViews.OnlineDeploymentColumns);
        });

        var logName = new Option<string>("--name", "-n") { Description = "The deployment name.", Required = true };
        var logEndpoint = DeploymentEndpoint(required: true);
        var lines = new Option<int>("--lines", "-l") { Description = "The last this many lines.", DefaultValueFactory = _ => 100 };
        var logs = new Command("get-logs", "Show the last lines of a deployment's logs.") { logName, logEndpoint, lines };
        logs.SetHandler(async ctx =>
        {
            if (ctx.Get(lines) < 1)
            {
                throw new UsageException("argument --lines: must be at least 1.");
            }
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetEndpointAsync(ctx.Get(logEndpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            return new CliResult(JsonValue.Create(await ep.GetLogsAsync(ctx.Get(logName)!, ctx.Get(lines), ctx.CancellationToken).ConfigureAwait(false)));
        });

        var deleteName = new Option<string>("--name", "-n") { Description = "The deployment name.", Required = true };
        var deleteEndpoint = DeploymentEndpoint(required: true);
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not prompt for confirmation (azml never prompts)." };
        var delete = new Command("delete", "Delete an online deployment (it must receive no traffic).") { deleteName, deleteEndpoint, yes };
        delete.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetEndpointAsync(ctx.Get(deleteEndpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            var deployment = await ep.GetDeploymentAsync(ctx.Get(deleteName)!, ctx.CancellationToken).ConfigureAwait(false);
            await ctx.Feedback.SpinAsync($"Deleting online deployment {ep.Name}/{deployment.Name}...", async p =>
            {
                await deployment.DeleteAsync(p, ctx.CancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return CliResult.None;
        });

        group.Subcommands.Add(show);
        group.Subcommands.Add(list);
        group.Subcommands.Add(logs);
        group.Subcommands.Add(delete);
        return group;
    }

    private static Command DeploymentWrite(string verb, string description, bool create)
    {
        var file = File();
        var name = new Option<string?>("--name", "-n") { Description = "The deployment name (overrides the file's name)." };
        var endpoint = DeploymentEndpoint(required: false);
        var allTraffic = new Option<bool>("--all-traffic") { Description = "Send all of the endpoint's traffic to this deployment once it is ready." };
        var set = Set();
        var command = new Command(verb, description) { file, name, endpoint, allTraffic, set };
        command.SetHandler(async ctx =>
        {
            var definition = OnlineDeploymentDefinition.Load(ctx.Get(file)!, SetWithName(ctx.Get(set), ctx.Get(name)));
            var endpointName = ctx.Get(endpoint) ?? definition.EndpointName
                ?? throw new UsageException($"azml online-deployment {verb} needs --endpoint-name (or endpoint_name in the file).");
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetEndpointAsync(endpointName, ctx.CancellationToken).ConfigureAwait(false);
            var exists = await ExistsAsync(() => ep.GetDeploymentAsync(definition.Name, ctx.CancellationToken)).ConfigureAwait(false);
            if (create && exists)
            {
                throw new ResourceExistsException($"Online deployment '{endpointName}/{definition.Name}' already exists; change it with 'azml online-deployment update'.");
            }
            if (!create && !exists)
            {
                throw new ResourceNotFoundException($"Online deployment '{endpointName}/{definition.Name}' does not exist; create it with 'azml online-deployment create'.");
            }
            var spec = definition.Model.Kind == AssetReferenceKind.LocalPath
                ? await ctx.Feedback.TransferAsync($"Uploading model {definition.Model.Text}", null, progress =>
                    definition.ToSpecAsync(ws, endpointName, ctx.Get(allTraffic), progress, ctx.CancellationToken)).ConfigureAwait(false)
                : await definition.ToSpecAsync(ws, endpointName, ctx.Get(allTraffic), null, ctx.CancellationToken).ConfigureAwait(false);
            var deployment = await ctx.Feedback.SpinAsync($"{(create ? "Creating" : "Updating")} online deployment {endpointName}/{definition.Name}...",
                p => ep.DeployAsync(spec, p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(EndpointViews.OnlineDeployment(deployment), EndpointViews.OnlineDeploymentColumns);
        });
        return command;
    }

    // ---- batch endpoints -------------------------------------------------------------------

    private static Command BatchEndpoint()
    {
        var group = new Command("batch-endpoint", "Batch endpoints: score folders of files with a deployed model, as a job.");

        var file = File();
        var name = EndpointName(required: false, description: "The endpoint name (overrides the file's name).");
        var set = Set();
        var create = new Command("create", "Create a batch endpoint from its YAML (batchEndpoint schema).") { file, name, set };
        create.SetHandler(async ctx =>
        {
            var spec = BatchEndpointSpec.Load(ctx.Get(file)!, SetWithName(ctx.Get(set), ctx.Get(name)));
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            if (await ExistsAsync(() => ws.GetBatchEndpointAsync(spec.Name, ctx.CancellationToken)).ConfigureAwait(false))
            {
                throw new ResourceExistsException($"Batch endpoint '{spec.Name}' already exists.");
            }
            var endpoint = await ctx.Feedback.SpinAsync($"Creating batch endpoint {spec.Name}...", p => ws.CreateOrUpdateBatchEndpointAsync(spec, p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(EndpointViews.Batch(endpoint), EndpointViews.BatchColumns);
        });

        var showName = EndpointName();
        var show = new Command("show", "Show a batch endpoint.") { showName };
        show.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            return new CliResult(EndpointViews.Batch(await ws.GetBatchEndpointAsync(ctx.Get(showName)!, ctx.CancellationToken).ConfigureAwait(false)), EndpointViews.BatchColumns);
        });

        var list = new Command("list", "List batch endpoints.");
        list.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var e in ws.ListBatchEndpointsAsync(ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(EndpointViews.Batch(e));
            }
            return new CliResult(items, EndpointViews.BatchColumns);
        });

        var invokeName = EndpointName();
        var input = new Option<string>("--input", "-i") { Description = "A local folder (or file) of .csv / .jsonl files to score.", Required = true };
        var deployment = new Option<string?>("--deployment-name", "-d") { Description = "Score with this deployment (default: the endpoint's default)." };
        var invoke = new Command("invoke", "Score a folder of files with a batch endpoint; returns when the job has ended.") { invokeName, input, deployment };
        invoke.SetHandler(async ctx =>
        {
            var path = ctx.Get(input)!;
            if (!System.IO.File.Exists(path) && !Directory.Exists(path))
            {
                throw new UsageException($"argument --input: '{path}' does not exist.");
            }
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetBatchEndpointAsync(ctx.Get(invokeName)!, ctx.CancellationToken).ConfigureAwait(false);
            var result = await ctx.Feedback.SpinAsync($"Scoring {path} with batch endpoint {endpoint.Name}...", async p =>
            {
                var progress = new BatchProgress(p);
                return await endpoint.InvokeAsync(path, ctx.Get(deployment), progress, ctx.CancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return new CliResult(new JsonObject
            {
                ["name"] = result.RunId,
                ["experiment_name"] = result.ExperimentName,
                ["status"] = result.Status.ToString(),
                ["files_read"] = result.FilesRead,
                ["rows_scored"] = result.RowsScored,
                ["rows_failed"] = result.RowsFailed,
                ["predictions_artifact"] = result.PredictionsArtifact,
                ["errors_artifact"] = result.ErrorsArtifact,
            });
        });

        var deleteName = EndpointName();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not prompt for confirmation (azml never prompts)." };
        var delete = new Command("delete", "Delete a batch endpoint and its deployments.") { deleteName, yes };
        delete.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var endpoint = await ws.GetBatchEndpointAsync(ctx.Get(deleteName)!, ctx.CancellationToken).ConfigureAwait(false);
            await ctx.Feedback.SpinAsync($"Deleting batch endpoint {endpoint.Name}...", async p =>
            {
                await endpoint.DeleteAsync(p, ctx.CancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return CliResult.None;
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(show);
        group.Subcommands.Add(list);
        group.Subcommands.Add(invoke);
        group.Subcommands.Add(delete);
        return group;
    }

    /// <summary>Batch progress as spinner states.</summary>
    private sealed class BatchProgress(IProgress<string> states) : IProgress<BatchScoringProgress>
    {
        public void Report(BatchScoringProgress value) => states.Report(value.Status is { } status
            ? status.ToString()
            : string.Create(CultureInfo.InvariantCulture, $"{value.MiniBatchesDone}/{value.MiniBatchesTotal} mini-batches, {value.RowsScored} rows scored, {value.RowsFailed} failed"));
    }

    private static Command BatchDeployment()
    {
        var group = new Command("batch-deployment", "Batch deployments: a model version behind a batch endpoint.");
        var file = File();
        var name = new Option<string?>("--name", "-n") { Description = "The deployment name (overrides the file's name)." };
        var endpoint = DeploymentEndpoint(required: false);
        var setDefault = new Option<bool>("--set-default") { Description = "Make it the endpoint's default deployment (the first one always is)." };
        var set = Set();
        var create = new Command("create", "Create a batch deployment from its YAML (modelBatchDeployment / batchDeployment schema).") { file, name, endpoint, setDefault, set };
        create.SetHandler(async ctx =>
        {
            var definition = BatchDeploymentDefinition.Load(ctx.Get(file)!, SetWithName(ctx.Get(set), ctx.Get(name)));
            var endpointName = ctx.Get(endpoint) ?? definition.EndpointName
                ?? throw new UsageException("azml batch-deployment create needs --endpoint-name (or endpoint_name in the file).");
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetBatchEndpointAsync(endpointName, ctx.CancellationToken).ConfigureAwait(false);
            if (ep.Deployments.Contains(definition.Name, StringComparer.OrdinalIgnoreCase))
            {
                throw new ResourceExistsException($"Batch deployment '{endpointName}/{definition.Name}' already exists.");
            }
            var spec = definition.Model.Kind == AssetReferenceKind.LocalPath
                ? await ctx.Feedback.TransferAsync($"Uploading model {definition.Model.Text}", null, progress =>
                    definition.ToSpecAsync(ws, endpointName, progress, ctx.CancellationToken)).ConfigureAwait(false)
                : await definition.ToSpecAsync(ws, endpointName, null, ctx.CancellationToken).ConfigureAwait(false);
            var deployment = await ctx.Feedback.SpinAsync($"Creating batch deployment {endpointName}/{definition.Name}...",
                p => ep.DeployAsync(spec, ctx.Get(setDefault), p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(EndpointViews.BatchDeployment(deployment), EndpointViews.BatchDeploymentColumns);
        });

        var showName = new Option<string>("--name", "-n") { Description = "The deployment name.", Required = true };
        var showEndpoint = DeploymentEndpoint(required: true);
        var show = new Command("show", "Show a batch deployment.") { showName, showEndpoint };
        show.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetBatchEndpointAsync(ctx.Get(showEndpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            return new CliResult(EndpointViews.BatchDeployment(await ep.GetDeploymentAsync(ctx.Get(showName)!, ctx.CancellationToken).ConfigureAwait(false)), EndpointViews.BatchDeploymentColumns);
        });

        var listEndpoint = DeploymentEndpoint(required: true);
        var list = new Command("list", "List a batch endpoint's deployments.") { listEndpoint };
        list.SetHandler(async ctx =>
        {
            var ws = await EndpointWorkspaceAsync(ctx).ConfigureAwait(false);
            var ep = await ws.GetBatchEndpointAsync(ctx.Get(listEndpoint)!, ctx.CancellationToken).ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var d in ep.ListDeploymentsAsync(ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(EndpointViews.BatchDeployment(d));
            }
            return new CliResult(items, EndpointViews.BatchDeploymentColumns);
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(show);
        group.Subcommands.Add(list);
        return group;
    }
}
