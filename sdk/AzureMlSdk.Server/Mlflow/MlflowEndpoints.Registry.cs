using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Hosting;
using AzureMlSdk.Server.Registry;

namespace AzureMlSdk.Server.Mlflow;

// The model registry endpoints of model_registry.proto. In Azure ML, MLflow registered models ARE the workspace's model
// containers and model versions ARE its ARM model versions, so these read and write the Emulator's ARM model store
// (ModelAssetStore): a model registered here is a model to ARM and to the SDK's Remote backend, and the other way round.
//
// Mapping (ARM property ← MLflow field):
//   container description, tags              ← registered model description, tags
//   container tags alias.<alias> = <version> ← aliases (the SDK's convention: ARM has no aliases for workspace models)
//   version description, tags, stage         ← model version description, tags, current_stage ("None" when unset)
//   version jobName                          ← run_id
//   version modelUri (azureml:// datastore)  ← where the source's files are in the default datastore
//   version properties mlflow.modelSourceUri, mlflow.runLink, mlflow.modelId ← source, run_link, model_id as given
//   version properties azureml.sdk.files     ← the file manifest (path, length, SHA-256) the SDK downloads and checks
internal static partial class MlflowEndpoints
{
    private const string AliasTagPrefix = "alias.";
    private const string SourceProperty = "mlflow.modelSourceUri";
    private const string RunLinkProperty = "mlflow.runLink";
    private const string ModelIdProperty = "mlflow.modelId";
    private const string FilesProperty = "azureml.sdk.files";
    private const string ModelVersionsTag = "mlflow.modelVersions";
    private const int MaxRegistryTagValueLength = 100_000;
    private const int MaxRegistryKeyLength = 250;
    private const int DefaultModelSearchPage = 100;
    private const int MaxModelSearchPage = 1000;
    private const int DefaultVersionSearchPage = 10_000;
    private const int MaxVersionSearchPage = 200_000;

    private static readonly string[] Stages = ["None", "Staging", "Production", "Archived"];

    [GeneratedRegex(@"^[a-zA-Z0-9](?:[a-zA-Z0-9\-_.]{0,253}[a-zA-Z0-9\-_])?$")]
    private static partial Regex ArmAssetName();

    [GeneratedRegex(@"^v\d+$", RegexOptions.IgnoreCase)]
    private static partial Regex VersionLikeAlias();

    // ------------------------------------------------------------------ request fields

    private static string ModelName(MlflowCall call, string field = "name")
    {
        var name = call.Request.RequiredString(field);
        if (!ArmAssetName().IsMatch(name))
        {
            throw MlflowException.Invalid(
                $"Invalid model name '{name}': an Azure ML model name must start with a letter or digit, use only letters, digits, '-', '_' and '.', and not end with '.' (at most 255 characters).");
        }
        return name;
    }

    private static string VersionNumber(MlflowCall call)
    {
        var text = call.Request.RequiredString("version");
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : throw MlflowException.Invalid($"Parameter 'version' must be an integer, got '{text}'.");
    }

    private static string AliasName(MlflowCall call)
    {
        var alias = call.Request.RequiredString("alias");
        if (alias.Length > 255)
        {
            throw MlflowException.Invalid($"Registered model alias name '{alias[..20]}…' exceeds the maximum length of 255 characters.");
        }
        if (alias.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowException.Invalid("'latest' alias name (case insensitive) is reserved.");
        }
        if (VersionLikeAlias().IsMatch(alias))
        {
            throw MlflowException.Invalid($"Version alias name '{alias}' is reserved.");
        }
        if (alias.Any(ch => !char.IsAsciiLetterOrDigit(ch) && ch is not ('-' or '_' or '.')))
        {
            throw MlflowException.Invalid($"Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_), dashes (-) and periods (.).");
        }
        return alias;
    }

    /// <summary>A description, within the limit the ARM routes apply to the same models (<see cref="ModelAssetStore.MaxDescriptionLength"/>).</summary>
    private static string? Description(MlflowCall call)
    {
        var description = call.Request.String("description");
        if (description is { Length: > ModelAssetStore.MaxDescriptionLength })
        {
            throw MlflowException.Invalid($"Description '{Wire.Truncate(description, 100)}' had length {description.Length}, which exceeded length limit of {ModelAssetStore.MaxDescriptionLength}");
        }
        return description;
    }

    private static (string Key, string Value) RegistryTag(string key, string? value, bool forModel)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw MlflowException.Missing("key");
        }
        if (key.Length > MaxRegistryKeyLength)
        {
            throw MlflowException.Invalid($"Tag key '{key[..20]}…' had length {key.Length}, which exceeded length limit of {MaxRegistryKeyLength}");
        }
        if (forModel && key.StartsWith(AliasTagPrefix, StringComparison.Ordinal))
        {
            throw MlflowException.Invalid($"Tag keys starting with '{AliasTagPrefix}' are reserved: Azure ML keeps a registered model's aliases in them. Use registered-models/alias.");
        }
        value ??= string.Empty;
        if (value.Length > MaxRegistryTagValueLength)
        {
            throw MlflowException.Invalid($"Tag value for '{key}' had length {value.Length}, which exceeded length limit of {MaxRegistryTagValueLength}");
        }
        return (key, value);
    }

    private static JsonObject TagObject(MlflowCall call, bool forModel)
    {
        var tags = new JsonObject();
        foreach (var tag in call.Request.Objects("tags"))
        {
            var (key, value) = RegistryTag(MlflowRequest.NestedString(tag, "key", "tags") ?? string.Empty, MlflowRequest.NestedString(tag, "value", "tags"), forModel);
            tags[key] = value;
        }
        return tags;
    }

    private static string CanonicalStage(string stage) =>
        Stages.FirstOrDefault(s => s.Equals(stage, StringComparison.OrdinalIgnoreCase))
        ?? throw MlflowException.Invalid($"Invalid Model Version stage: {stage}. Value must be one of {string.Join(", ", Stages)}.");

    // ------------------------------------------------------------------ lookups

    private static ContainerRow RequireModel(MlflowCall call, string name) =>
        call.Workspace.Assets.GetContainer(name) ?? throw RegisteredModelNotFound(name);

    private static MlflowException RegisteredModelNotFound(string name) => new("RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");

    private static MlflowException VersionNotFound(string name, string version) => new("RESOURCE_DOES_NOT_EXIST", $"Model Version (name={name}, version={version}) not found");

    private static VersionRow RequireVersion(MlflowCall call, string name, string version)
    {
        RequireModel(call, name);
        return call.Workspace.Assets.GetVersion(name, version) ?? throw VersionNotFound(name, version);
    }

    private static long? Number(VersionRow v) =>
        long.TryParse(v.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The versions MLflow can name (integers; ARM also allows others), by number.</summary>
    private static List<VersionRow> NumberedVersions(ModelAssetStore assets, string name) =>
        assets.ListVersions(name).Where(v => Number(v) is not null).OrderBy(v => Number(v)).ToList();

    private static string? Text(JsonObject bag, string key) => bag[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static Dictionary<string, string> Bag(JsonObject props, string key)
    {
        var bag = new Dictionary<string, string>(StringComparer.Ordinal);
        if (props[key] is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                bag[k] = v is JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? string.Empty;
            }
        }
        return bag;
    }

    private static string Stage(VersionRow v) => Text(v.Properties, "stage") is { Length: > 0 } stage ? stage : "None";

    /// <summary>The source as the client gave it; for a version registered through ARM, its files' proxy URI (or its modelUri).</summary>
    private static string Source(IMlflowWorkspace ws, VersionRow v)
    {
        var properties = Bag(v.Properties, "properties");
        if (properties.TryGetValue(SourceProperty, out var source))
        {
            return source;
        }
        var modelUri = Text(v.Properties, "modelUri");
        return ArtifactLocations.FolderOf(modelUri, ws) is { } folder ? ArtifactLocations.ProxyUri(folder) : modelUri ?? string.Empty;
    }

    // ------------------------------------------------------------------ JSON

    private static void WriteVersion(Utf8JsonWriter w, IMlflowWorkspace ws, VersionRow v, ContainerRow? container)
    {
        var properties = Bag(v.Properties, "properties");
        w.WriteStartObject();
        w.WriteString("name", container?.Name ?? v.Name);
        w.WriteString("version", v.Version);
        w.WriteNumber("creation_timestamp", v.CreatedAt.ToUnixTimeMilliseconds());
        w.WriteNumber("last_updated_timestamp", v.ModifiedAt.ToUnixTimeMilliseconds());
        w.WriteString("current_stage", Stage(v));
        w.WriteString("description", Text(v.Properties, "description") ?? string.Empty);
        w.WriteString("source", Source(ws, v));
        w.WriteString("run_id", Text(v.Properties, "jobName") ?? string.Empty);
        w.WriteString("status", "READY"); // registration is synchronous here
        w.WriteString("run_link", properties.TryGetValue(RunLinkProperty, out var link) ? link : string.Empty);
        MlflowJson.Tags(w, "tags", Bag(v.Properties, "tags"));
        var aliases = container is null ? [] : Aliases(container).Where(a => a.Version == v.Version).Select(a => a.Alias).ToList();
        if (aliases.Count > 0)
        {
            w.WriteStartArray("aliases");
            aliases.ForEach(w.WriteStringValue);
            w.WriteEndArray();
        }
        if (properties.TryGetValue(ModelIdProperty, out var modelId))
        {
            w.WriteString("model_id", modelId);
        }
        w.WriteEndObject();
    }

    private static IEnumerable<(string Alias, string Version)> Aliases(ContainerRow container) =>
        Bag(container.Properties, "tags")
            .Where(t => t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal))
            .Select(t => (t.Key[AliasTagPrefix.Length..], t.Value))
            .OrderBy(a => a.Item1, StringComparer.Ordinal);

    /// <summary>The newest version in each stage (MLflow's <c>latest_versions</c>), by version number.</summary>
    private static List<VersionRow> LatestPerStage(IEnumerable<VersionRow> versions) =>
        versions.GroupBy(Stage, StringComparer.Ordinal).Select(g => g.MaxBy(v => Number(v))!).OrderBy(v => Number(v)).ToList();

    private static void WriteModel(Utf8JsonWriter w, IMlflowWorkspace ws, ContainerRow c, IReadOnlyList<VersionRow> versions)
    {
        w.WriteStartObject();
        w.WriteString("name", c.Name);
        w.WriteNumber("creation_timestamp", c.CreatedAt.ToUnixTimeMilliseconds());
        w.WriteNumber("last_updated_timestamp", c.ModifiedAt.ToUnixTimeMilliseconds());
        if (Text(c.Properties, "description") is { Length: > 0 } description)
        {
            w.WriteString("description", description);
        }
        var latest = LatestPerStage(versions);
        if (latest.Count > 0)
        {
            w.WriteStartArray("latest_versions");
            foreach (var v in latest)
            {
                WriteVersion(w, ws, v, c);
            }
            w.WriteEndArray();
        }
        MlflowJson.Tags(w, "tags", Bag(c.Properties, "tags").Where(t => !t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal)).ToDictionary());
        var aliases = Aliases(c).ToList();
        if (aliases.Count > 0)
        {
            w.WriteStartArray("aliases");
            foreach (var (alias, version) in aliases)
            {
                w.WriteStartObject();
                w.WriteString("alias", alias);
                w.WriteString("version", version);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static Task ModelReplyAsync(MlflowCall call, ContainerRow c) => OkAsync(call, w =>
    {
        w.WritePropertyName("registered_model");
        WriteModel(w, call.Workspace, c, NumberedVersions(call.Workspace.Assets, c.Name));
    });

    private static Task VersionReplyAsync(MlflowCall call, VersionRow v) => OkAsync(call, w =>
    {
        w.WritePropertyName("model_version");
        WriteVersion(w, call.Workspace, v, call.Workspace.Assets.GetContainer(v.Name));
    });

    // ------------------------------------------------------------------ registered models

    private static async Task CreateRegisteredModelAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var tags = TagObject(call, forModel: true);
        var description = Description(call);
        var properties = new JsonObject { ["tags"] = tags, ["properties"] = new JsonObject(), ["isArchived"] = false };
        if (!string.IsNullOrEmpty(description))
        {
            properties["description"] = description;
        }
        if (!call.Workspace.Assets.TryCreateContainer(name, properties))
        {
            throw new MlflowException("RESOURCE_ALREADY_EXISTS", $"Registered Model (name={name}) already exists.");
        }
        await ModelReplyAsync(call, RequireModel(call, name)).ConfigureAwait(false);
    }

    private static Task GetRegisteredModelAsync(MlflowCall call) => ModelReplyAsync(call, RequireModel(call, ModelName(call)));

    private static async Task UpdateRegisteredModelAsync(MlflowCall call)
    {
        var name = ModelName(call);
        // As MLflow: the description is replaced by what was sent, an absent one clearing it.
        var description = Description(call) ?? string.Empty;
        var row = call.Workspace.Assets.UpdateContainer(name, p =>
        {
            if (description.Length == 0)
            {
                p.Remove("description");
            }
            else
            {
                p["description"] = description;
            }
        }) ?? throw RegisteredModelNotFound(name);
        await ModelReplyAsync(call, row).ConfigureAwait(false);
    }

    private static async Task RenameRegisteredModelAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var newName = ModelName(call, "new_name");
        switch (call.Workspace.Assets.RenameContainer(name, newName))
        {
            case RenameOutcome.NotFound:
                throw RegisteredModelNotFound(name);
            case RenameOutcome.NameTaken:
                throw new MlflowException("RESOURCE_ALREADY_EXISTS", $"Registered Model (name={newName}) already exists.");
        }
        await ModelReplyAsync(call, RequireModel(call, newName)).ConfigureAwait(false);
    }

    private static async Task DeleteRegisteredModelAsync(MlflowCall call)
    {
        var name = ModelName(call);
        if (!call.Workspace.Assets.DeleteContainer(name))
        {
            throw RegisteredModelNotFound(name);
        }
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task SearchRegisteredModelsAsync(MlflowCall call)
    {
        var max = call.Request.Long("max_results") ?? DefaultModelSearchPage;
        if (max is < 1 or > MaxModelSearchPage)
        {
            throw MlflowException.Invalid($"Invalid value for request parameter max_results. It must be at most {MaxModelSearchPage}, but got value {max}");
        }
        var matches = RegistryFilter.ForModels(call.Request.String("filter"));
        var order = call.Request.Strings("order_by");
        var offset = MlflowJson.ParseOffsetToken(call.Request.String("page_token"));
        var assets = call.Workspace.Assets;
        var models = assets.ListContainers()
            .Select(c => (Row: c, Tags: Bag(c.Properties, "tags")))
            .Where(m => matches(new RegistryFields(m.Row.Name, m.Tags.Where(t => !t.Key.StartsWith(AliasTagPrefix, StringComparison.Ordinal)).ToDictionary())))
            .Select(m => m.Row);
        var sorted = OrderModels(models, order).ToList();
        var page = sorted.Skip(offset).Take((int)max).ToList();
        var next = offset + page.Count < sorted.Count ? MlflowJson.OffsetToken(offset + page.Count) : null;
        await OkAsync(call, w =>
        {
            if (page.Count > 0)
            {
                w.WriteStartArray("registered_models");
                foreach (var c in page)
                {
                    WriteModel(w, call.Workspace, c, NumberedVersions(assets, c.Name));
                }
                w.WriteEndArray();
            }
            if (next is not null)
            {
                w.WriteString("next_page_token", next);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Registered model order: the clauses (name, or timestamp/last_updated_timestamp), then name ASC.</summary>
    private static IEnumerable<ContainerRow> OrderModels(IEnumerable<ContainerRow> rows, IReadOnlyList<string> orderBy)
    {
        IOrderedEnumerable<ContainerRow>? ordered = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var clause in orderBy)
        {
            var (field, descending) = OrderClause(clause);
            Func<ContainerRow, IComparable> key = field switch
            {
                "name" => c => c.Name,
                "timestamp" or "last_updated_timestamp" => c => c.ModifiedAt,
                _ => throw MlflowException.Invalid($"Invalid order by key '{field}' specified.Valid keys are '{{'name', 'last_updated_timestamp'}}'"),
            };
            if (!seen.Add(field == "name" ? "name" : "time"))
            {
                throw MlflowException.Invalid($"`order_by` contains duplicate fields: [{string.Join(", ", orderBy.Select(o => $"'{o}'"))}]");
            }
            ordered = ordered is null ? (descending ? rows.OrderByDescending(key) : rows.OrderBy(key)) : (descending ? ordered.ThenByDescending(key) : ordered.ThenBy(key));
        }
        return seen.Contains("name") ? ordered! : ordered is null ? rows.OrderBy(c => c.Name, StringComparer.Ordinal) : ordered.ThenBy(c => c.Name, StringComparer.Ordinal);
    }

    private static (string Field, bool Descending) OrderClause(string clause)
    {
        var parts = clause.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || (parts.Length == 2 && !parts[1].Equals("ASC", StringComparison.OrdinalIgnoreCase) && !parts[1].Equals("DESC", StringComparison.OrdinalIgnoreCase)))
        {
            throw MlflowException.Invalid($"Invalid order_by clause '{clause}'. Could not be parsed.");
        }
        var field = parts[0].StartsWith("attributes.", StringComparison.OrdinalIgnoreCase) ? parts[0]["attributes.".Length..] : parts[0];
        return (field.Trim('`'), parts.Length == 2 && parts[1].Equals("DESC", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task GetLatestVersionsAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var stages = call.Request.Strings("stages").Select(CanonicalStage).ToHashSet(StringComparer.Ordinal);
        var container = RequireModel(call, name);
        var latest = LatestPerStage(NumberedVersions(call.Workspace.Assets, container.Name))
            .Where(v => stages.Count == 0 || stages.Contains(Stage(v)))
            .ToList();
        await OkAsync(call, w =>
        {
            if (latest.Count > 0)
            {
                w.WriteStartArray("model_versions");
                foreach (var v in latest)
                {
                    WriteVersion(w, call.Workspace, v, container);
                }
                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }

    private static async Task SetRegisteredModelTagAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var (key, value) = RegistryTag(call.Request.RequiredString("key"), call.Request.String("value"), forModel: true);
        _ = call.Workspace.Assets.UpdateContainer(name, p => Tags(p)[key] = value) ?? throw RegisteredModelNotFound(name);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteRegisteredModelTagAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var key = call.Request.RequiredString("key");
        if (key.StartsWith(AliasTagPrefix, StringComparison.Ordinal))
        {
            RegistryTag(key, null, forModel: true); // reserved: refused the same way as set-tag
        }
        // As MLflow: deleting a tag that is not set is not an error; the model must exist.
        _ = call.Workspace.Assets.UpdateContainer(name, p => Tags(p).Remove(key)) ?? throw RegisteredModelNotFound(name);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static JsonObject Tags(JsonObject properties)
    {
        if (properties["tags"] is not JsonObject tags)
        {
            tags = [];
            properties["tags"] = tags;
        }
        return tags;
    }

    private static async Task SetRegisteredModelAliasAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var alias = AliasName(call);
        var version = VersionNumber(call);
        RequireVersion(call, name, version);
        _ = call.Workspace.Assets.UpdateContainer(name, p => Tags(p)[AliasTagPrefix + alias] = version) ?? throw RegisteredModelNotFound(name);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task DeleteRegisteredModelAliasAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var alias = AliasName(call);
        // As MLflow: a missing alias is deleted silently; the model must exist.
        _ = call.Workspace.Assets.UpdateContainer(name, p => Tags(p).Remove(AliasTagPrefix + alias)) ?? throw RegisteredModelNotFound(name);
        await OkAsync(call).ConfigureAwait(false);
    }

    private static async Task GetModelVersionByAliasAsync(MlflowCall call)
    {
        var name = ModelName(call);
        var alias = AliasName(call);
        var container = call.Workspace.Assets.GetContainer(name);
        string? version = null;
        if (container is null || !Bag(container.Properties, "tags").TryGetValue(AliasTagPrefix + alias, out version))
        {
            throw MlflowException.Invalid($"Registered model alias {alias} not found.");
        }
        await VersionReplyAsync(call, RequireVersion(call, name, version!)).ConfigureAwait(false);
    }
}
