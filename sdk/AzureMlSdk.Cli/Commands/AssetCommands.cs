using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.Cli.Output;

namespace AzureMlSdk.Cli.Commands;

/// <summary>
/// <c>azml data|environment|component create|list|show|archive|restore</c>, az ml's verbs and flags over <c>ws.Data</c>,
/// <c>ws.Environments</c> and <c>ws.Components</c>; <c>create -f</c> takes the az ml v2 YAML of its kind (<c>data</c>,
/// <c>environment</c>, <c>commandComponent</c> schemas), read by the SDK (<see cref="DataAsset.Load"/>, <see cref="EnvironmentAsset.Load"/>,
/// <see cref="CommandComponent.Load"/>) with <c>--set</c>, <c>--name</c> and <c>--version</c> applied as overrides.
/// </summary>
internal static class AssetCommands
{
    public static IEnumerable<Command> Build() => [Data(), Environment(), Component()];

    private static Option<string[]> Set() => new("--set") { Description = "Overrides of the file's values: key.path=value (repeatable)." };

    private static Option<string?> File(string kind) => new("--file", "-f") { Description = $"The az ml v2 {kind} YAML." };

    private static Option<string?> CreateName() => new("--name", "-n") { Description = "The name (overrides the file's)." };

    private static Option<string?> CreateVersion() => new("--version", "-v") { Description = "The version (overrides the file's; default: the next integer)." };

    private static string[] Overrides(CliContext ctx, Option<string[]> set, Option<string?> name, Option<string?> version)
    {
        var overrides = new List<string>(ctx.Get(set) ?? []);
        if (ctx.Get(name) is { } n)
        {
            overrides.Add("name=" + n);
        }
        if (ctx.Get(version) is { } v)
        {
            overrides.Add("version=" + v);
        }
        return [.. overrides];
    }

    // ---- data ------------------------------------------------------------------------------------------------------------

    private static readonly IReadOnlyList<(string, string)> DataColumns =
        [("Name", "name"), ("Version", "version"), ("Type", "type"), ("Path", "path"), ("CreatedAt", "creation_context.created_at")];

    internal static JsonObject DataView(DataAsset d) => new()
    {
        ["name"] = d.Name,
        ["version"] = d.Version,
        ["id"] = d.Id,
        ["type"] = TypeName(d.Type),
        ["path"] = d.Path,
        ["datastore"] = d.Datastore,
        ["description"] = d.Description,
        ["tags"] = Views.Map(d.Tags),
        ["properties"] = Views.Map(d.Properties),
        ["archived"] = d.IsArchived,
        ["creation_context"] = new JsonObject { ["created_at"] = Views.Time(d.CreatedAt) },
    };

    private static Command Data()
    {
        var group = new Command("data", "Data assets: versioned files, folders and MLTable folders (uploaded to the default datastore).");

        var file = File("data");
        var name = CreateName();
        var version = CreateVersion();
        var set = Set();
        var path = new Option<string?>("--path", "-p") { Description = "A local file or folder, or a datastore/cloud URI (without --file)." };
        var type = new Option<string?>("--type", "-t") { Description = "uri_file, uri_folder (default) or mltable (without --file)." };
        var description = new Option<string?>("--description", "-d") { Description = "Description." };
        var datastore = new Option<string?>("--datastore") { Description = "The datastore local content is uploaded to (default: the workspace's default)." };
        var create = new Command("create", "Create a data asset version from its YAML, or from --name --path [--type].") { file, name, version, set, path, type, description, datastore };
        create.SetHandler(async ctx =>
        {
            DataAsset definition;
            if (ctx.Get(file) is { } f)
            {
                var overrides = Overrides(ctx, set, name, version).ToList();
                foreach (var (option, key) in new[] { (path, "path"), (type, "type"), (description, "description"), (datastore, "datastore") })
                {
                    if (ctx.Get(option) is { } value)
                    {
                        overrides.Add(key + "=" + value);
                    }
                }
                definition = DataAsset.Load(f, overrides);
            }
            else
            {
                if (ctx.Get(set) is { Length: > 0 })
                {
                    throw new UsageException("argument --set: needs --file.");
                }
                var n = ctx.Get(name) ?? throw new UsageException("azml data create needs --file, or --name and --path.");
                var p = ctx.Get(path) ?? throw new UsageException("azml data create needs --path (a local file or folder, or a URI) with --name.");
                var t = ctx.Get(type) ?? "uri_folder";
                var inputType = t switch
                {
                    "uri_folder" => InputType.UriFolder,
                    "uri_file" => InputType.UriFile,
                    "mltable" => InputType.MLTable,
                    _ => throw new UsageException($"argument --type: invalid choice '{t}' (choose from uri_file, uri_folder, mltable)."),
                };
                definition = new DataAsset
                {
                    Name = n,
                    Version = ctx.Get(version),
                    Type = inputType,
                    Path = p.Contains("://", StringComparison.Ordinal) || p.StartsWith("azureml:", StringComparison.Ordinal) ? p : Path.GetFullPath(p),
                    Description = ctx.Get(description),
                    Datastore = ctx.Get(datastore),
                };
                definition.Validate();
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var local = definition.Path.Contains("://", StringComparison.Ordinal) ? null : definition.Path;
            var created = await ctx.Feedback.TransferAsync($"Uploading {definition.Name}", local is null ? null : SizeOf(local), p =>
                ws.Data.CreateOrUpdateAsync(definition, p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(DataView(created), DataColumns);
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(List("data", "data asset", DataColumns, (ws, n, a, ct) => ws.Data.ListAsync(n, a, ct), DataView));
        group.Subcommands.Add(Show("data", "data asset", DataColumns, (ws, n, v, l, ct) => ws.Data.GetAsync(n, v, l, ct), DataView));
        group.Subcommands.Add(Archive("data asset", true, (ws, n, v, ct) => ws.Data.ArchiveAsync(n, v, ct)));
        group.Subcommands.Add(Archive("data asset", false, (ws, n, v, ct) => ws.Data.RestoreAsync(n, v, ct)));
        return group;
    }

    // ---- environments ----------------------------------------------------------------------------------------------------

    private static readonly IReadOnlyList<(string, string)> EnvironmentColumns =
        [("Name", "name"), ("Version", "version"), ("Image", "image"), ("Build", "build.path"), ("CreatedAt", "creation_context.created_at")];

    internal static JsonObject EnvironmentView(EnvironmentAsset e) => new()
    {
        ["name"] = e.Name,
        ["version"] = e.Version,
        ["id"] = e.Id,
        ["image"] = e.Image,
        ["conda_file"] = e.CondaSpecification is { } conda ? YamlToJson(conda) : null,
        ["build"] = e.Build is { } b ? new JsonObject { ["path"] = b.Path, ["dockerfile_path"] = b.DockerfilePath } : null,
        ["os_type"] = e.OsType,
        ["description"] = e.Description,
        ["tags"] = Views.Map(e.Tags),
        ["properties"] = Views.Map(e.Properties),
        ["archived"] = e.IsArchived,
        ["creation_context"] = new JsonObject { ["created_at"] = Views.Time(e.CreatedAt) },
    };

    private static Command Environment()
    {
        var group = new Command("environment", "Environments: versioned, recorded definitions (an image with a conda file, or a Docker build context).");

        var file = File("environment");
        var name = CreateName();
        var version = CreateVersion();
        var set = Set();
        var image = new Option<string?>("--image", "-i") { Description = "The Docker image (without --file)." };
        var conda = new Option<string?>("--conda-file", "-c") { Description = "A conda YAML file, with --image (without --file)." };
        var build = new Option<string?>("--build-context", "-b") { Description = "A folder with a Dockerfile (without --file)." };
        var dockerfile = new Option<string?>("--dockerfile-path", "-d") { Description = "The Dockerfile, relative to --build-context (default: Dockerfile)." };
        var description = new Option<string?>("--description") { Description = "Description." };
        var create = new Command("create", "Create an environment version from its YAML, or from --name with --image [--conda-file] or --build-context.") { file, name, version, set, image, conda, build, dockerfile, description };
        create.SetHandler(async ctx =>
        {
            EnvironmentAsset definition;
            if (ctx.Get(file) is { } f)
            {
                if (ctx.Get(image) is not null || ctx.Get(conda) is not null || ctx.Get(build) is not null || ctx.Get(dockerfile) is not null)
                {
                    throw new UsageException("arguments --image, --conda-file, --build-context and --dockerfile-path describe an environment without --file: give one or the other.");
                }
                var overrides = Overrides(ctx, set, name, version).ToList();
                if (ctx.Get(description) is { } d)
                {
                    overrides.Add("description=" + d);
                }
                definition = EnvironmentAsset.Load(f, overrides);
            }
            else
            {
                if (ctx.Get(set) is { Length: > 0 })
                {
                    throw new UsageException("argument --set: needs --file.");
                }
                var n = ctx.Get(name) ?? throw new UsageException("azml environment create needs --file, or --name with --image or --build-context.");
                if (ctx.Get(image) is null && ctx.Get(build) is null)
                {
                    throw new UsageException("azml environment create needs --image or --build-context with --name.");
                }
                string? condaText = null;
                if (ctx.Get(conda) is { } c)
                {
                    condaText = System.IO.File.Exists(c) ? await System.IO.File.ReadAllTextAsync(c, ctx.CancellationToken).ConfigureAwait(false)
                        : throw new UsageException($"argument --conda-file: '{c}' does not exist.");
                }
                definition = new EnvironmentAsset
                {
                    Name = n,
                    Version = ctx.Get(version),
                    Image = ctx.Get(image),
                    CondaFile = ctx.Get(conda) is { } cf ? Path.GetFullPath(cf) : null,
                    CondaSpecification = condaText,
                    Build = ctx.Get(build) is { } bc ? new BuildContext { Path = bc.Contains("://", StringComparison.Ordinal) ? bc : Path.GetFullPath(bc), DockerfilePath = ctx.Get(dockerfile) } : null,
                    Description = ctx.Get(description),
                };
                definition.Validate();
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            return new CliResult(EnvironmentView(await ws.Environments.CreateOrUpdateAsync(definition, ctx.CancellationToken).ConfigureAwait(false)), EnvironmentColumns);
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(List("environment", "environment", EnvironmentColumns, (ws, n, a, ct) => ws.Environments.ListAsync(n, a, ct), EnvironmentView));
        group.Subcommands.Add(Show("environment", "environment", EnvironmentColumns, (ws, n, v, l, ct) => ws.Environments.GetAsync(n, v, l, ct), EnvironmentView));
        group.Subcommands.Add(Archive("environment", true, (ws, n, v, ct) => ws.Environments.ArchiveAsync(n, v, ct)));
        group.Subcommands.Add(Archive("environment", false, (ws, n, v, ct) => ws.Environments.RestoreAsync(n, v, ct)));
        return group;
    }

    // ---- components ------------------------------------------------------------------------------------------------------

    private static readonly IReadOnlyList<(string, string)> ComponentColumns =
        [("Name", "name"), ("Version", "version"), ("DisplayName", "display_name"), ("Type", "type"), ("CreatedAt", "creation_context.created_at")];

    internal static JsonObject ComponentView(CommandComponent c)
    {
        var inputs = new JsonObject();
        foreach (var (k, i) in c.Inputs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var o = new JsonObject { ["type"] = TypeName(i.Type) };
            if (i.Default is { } d)
            {
                o["default"] = d switch
                {
                    bool b => b,
                    int n => n,
                    long n => n,
                    double n => Views.Number(n),
                    _ => Convert.ToString(d, CultureInfo.InvariantCulture),
                };
            }
            if (i.Optional)
            {
                o["optional"] = true;
            }
            if (i.Description is { } desc)
            {
                o["description"] = desc;
            }
            if (i.Min is { } min)
            {
                o["min"] = Views.Number(min);
            }
            if (i.Max is { } max)
            {
                o["max"] = Views.Number(max);
            }
            if (i.Enum is { } values)
            {
                o["enum"] = new JsonArray([.. values.Select(v => (JsonNode?)v)]);
            }
            if (i.Mode is { } mode)
            {
                o["mode"] = ModeName(mode);
            }
            inputs[k] = o;
        }
        var outputs = new JsonObject();
        foreach (var (k, output) in c.Outputs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var o = new JsonObject { ["type"] = Views.Snake(output.Type.ToString()) };
            if (output.Description is { } desc)
            {
                o["description"] = desc;
            }
            if (output.Mode is { } mode)
            {
                o["mode"] = mode switch { OutputMode.ReadWriteMount => "rw_mount", _ => Views.Snake(mode.ToString()) };
            }
            outputs[k] = o;
        }
        return new JsonObject
        {
            ["name"] = c.Name,
            ["version"] = c.Version,
            ["id"] = c.Id,
            ["type"] = "command",
            ["display_name"] = c.DisplayName,
            ["description"] = c.Description,
            ["command"] = c.Command,
            ["code"] = c.Code,
            ["environment"] = c.Environment is { } env ? env.Reference ?? env.ToString() : null,
            ["inputs"] = inputs,
            ["outputs"] = outputs,
            ["is_deterministic"] = c.IsDeterministic,
            ["tags"] = Views.Map(c.Tags),
            ["properties"] = Views.Map(c.Properties),
            ["archived"] = c.IsArchived,
            ["creation_context"] = new JsonObject { ["created_at"] = Views.Time(c.CreatedAt) },
        };
    }

    private static Command Component()
    {
        var group = new Command("component", "Command components: versioned, reusable commands (code snapshotted once per content).");
        var file = File("command component");
        file.Required = true;
        var name = CreateName();
        var version = CreateVersion();
        var set = Set();
        var create = new Command("create", "Create a component version from its YAML (commandComponent schema).") { file, name, version, set };
        create.SetHandler(async ctx =>
        {
            var definition = CommandComponent.Load(ctx.Get(file)!, Overrides(ctx, set, name, version));
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var created = await ctx.Feedback.TransferAsync($"Uploading the code of {definition.Name}", null, p =>
                ws.Components.CreateOrUpdateAsync(definition, p, ctx.CancellationToken)).ConfigureAwait(false);
            return new CliResult(ComponentView(created), ComponentColumns);
        });

        group.Subcommands.Add(create);
        group.Subcommands.Add(List("component", "component", ComponentColumns, (ws, n, a, ct) => ws.Components.ListAsync(n, a, ct), ComponentView));
        group.Subcommands.Add(Show("component", "component", ComponentColumns, (ws, n, v, l, ct) => ws.Components.GetAsync(n, v, l, ct), ComponentView));
        group.Subcommands.Add(Archive("component", true, (ws, n, v, ct) => ws.Components.ArchiveAsync(n, v, ct)));
        group.Subcommands.Add(Archive("component", false, (ws, n, v, ct) => ws.Components.RestoreAsync(n, v, ct)));
        return group;
    }

    // ---- shared verbs ----------------------------------------------------------------------------------------------------

    private static Command List<T>(string group, string kind, IReadOnlyList<(string, string)> columns,
        Func<Workspace, string?, bool, CancellationToken, IAsyncEnumerable<T>> list, Func<T, JsonObject> view)
    {
        var name = new Option<string?>("--name", "-n") { Description = $"Only this {kind}'s versions (newest first); without it, each {kind}'s latest version." };
        var archived = new Option<bool>("--include-archived") { Description = "Include archived versions." };
        var max = new Option<int?>("--max-results", "-r") { Description = "At most this many." };
        var command = new Command("list", $"List {kind}s (azml {group} list).") { name, archived, max };
        command.SetHandler(async ctx =>
        {
            var limit = ctx.Get(max);
            if (limit is < 1)
            {
                throw new UsageException($"argument --max-results: must be at least 1; got {limit}.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            var items = new JsonArray();
            await foreach (var item in list(ws, ctx.Get(name), ctx.Get(archived), ctx.CancellationToken).ConfigureAwait(false))
            {
                items.Add(view(item));
                if (items.Count == limit)
                {
                    break;
                }
            }
            return new CliResult(items, columns);
        });
        return command;
    }

    private static Command Show<T>(string group, string kind, IReadOnlyList<(string, string)> columns,
        Func<Workspace, string, string?, string?, CancellationToken, Task<T>> get, Func<T, JsonObject> view)
    {
        var name = new Option<string>("--name", "-n") { Description = $"The {kind} name.", Required = true };
        var version = new Option<string?>("--version", "-v") { Description = "The version." };
        var label = new Option<string?>("--label", "-l") { Description = "A label: latest (the default)." };
        var command = new Command("show", $"Show a {kind} version (the latest when neither --version nor --label is given; azml {group} show).") { name, version, label };
        command.SetHandler(async ctx =>
        {
            if (ctx.Get(version) is not null && ctx.Get(label) is not null)
            {
                throw new UsageException("arguments --version and --label: give one, not both.");
            }
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            return new CliResult(view(await get(ws, ctx.Get(name)!, ctx.Get(version), ctx.Get(label), ctx.CancellationToken).ConfigureAwait(false)), columns);
        });
        return command;
    }

    private static Command Archive(string kind, bool archive, Func<Workspace, string, string?, CancellationToken, Task> action)
    {
        var name = new Option<string>("--name", "-n") { Description = $"The {kind} name.", Required = true };
        var version = new Option<string?>("--version", "-v") { Description = "Only this version (default: every version)." };
        var command = new Command(archive ? "archive" : "restore", archive
            ? $"Archive a {kind} version (or all of them): hidden from listings and from latest, still usable by version."
            : $"Restore an archived {kind} version (or all of them).") { name, version };
        command.SetHandler(async ctx =>
        {
            var ws = await ctx.WorkspaceAsync().ConfigureAwait(false);
            await action(ws, ctx.Get(name)!, ctx.Get(version), ctx.CancellationToken).ConfigureAwait(false);
            return CliResult.None;
        });
        return command;
    }

    private static string TypeName(InputType type) => Views.Snake(type.ToString());

    private static string ModeName(InputMode mode) => mode switch
    {
        InputMode.ReadOnlyMount => "ro_mount",
        InputMode.ReadWriteMount => "rw_mount",
        _ => Views.Snake(mode.ToString()),
    };

    /// <summary>A conda file's YAML as JSON (az ml prints it as a mapping); the text itself when it is not a mapping.</summary>
    private static JsonNode? YamlToJson(string yaml)
    {
        try
        {
            var value = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object?>(yaml);
            return Convert(value);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return yaml;
        }

        static JsonNode? Convert(object? value) => value switch
        {
            null => null,
            IDictionary<object, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(System.Convert.ToString(p.Key, CultureInfo.InvariantCulture) ?? "", Convert(p.Value)))),
            IList<object?> list => new JsonArray([.. list.Select(Convert)]),
            _ => System.Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    private static long? SizeOf(string path) =>
        System.IO.File.Exists(path) ? new FileInfo(path).Length
        : Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
        : null;
}
