using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Jobs.Yaml;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.Backends.Local;

/// <content>
/// Data, environment and component versions of the local workspace (table <c>asset_versions</c>), their content in the local
/// datastore. az ml semantics: a version is immutable (creating it again with the same content updates only its description and
/// tags; with other content it is <see cref="ResourceExistsException"/>), an omitted version is the next integer, <c>latest</c> is
/// the newest non-archived version.
/// </content>
internal sealed partial class LocalAssetBackend
{
    private const int MaxPageSize = 1000;

    private sealed record Row(AssetKind Kind, string Name, string Version, JsonObject Spec, bool IsArchived, DateTimeOffset CreatedAt, string? Description, Dictionary<string, string> Tags);

    // ------------------------------------------------------------------ create

    public async Task<AssetVersion<DataAsset>> CreateDataAsync(DataAsset data, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        AssetValidation.Name(AssetKind.Data, data.Name);
        AssetValidation.Version(AssetKind.Data, data.Version);
        data.Validate();
        var prepared = await AssetPreparation.PrepareDataAsync(data, _datastore, progress, cancellationToken).ConfigureAwait(false);
        var row = Insert(AssetKind.Data, prepared.Name, prepared.Version, AssetSpecs.ToSpec(prepared), cancellationToken);
        return DataOf(row);
    }

    public async Task<AssetVersion<EnvironmentAsset>> CreateEnvironmentAsync(EnvironmentAsset environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var name = AssetValidation.Name(AssetKind.Environment, environment.Name);
        AssetValidation.Version(AssetKind.Environment, environment.Version);
        environment.Validate();
        var prepared = await AssetPreparation.PrepareEnvironmentAsync(environment, _datastore, cancellationToken).ConfigureAwait(false);
        var row = Insert(AssetKind.Environment, name, prepared.Version, AssetSpecs.ToSpec(prepared), cancellationToken);
        return EnvironmentOf(row);
    }

    public async Task<AssetVersion<CommandComponent>> CreateComponentAsync(CommandComponent component, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(component);
        AssetValidation.Name(AssetKind.Component, component.Name);
        AssetValidation.Version(AssetKind.Component, component.Version);
        component.Validate();
        var prepared = await AssetPreparation.PrepareComponentAsync(component, this, _datastore, progress, cancellationToken).ConfigureAwait(false);
        var row = Insert(AssetKind.Component, prepared.Name, prepared.Version, AssetSpecs.ToSpec(prepared), cancellationToken);
        return ComponentOf(row);
    }

    /// <summary>
    /// Inserts a version (the next integer when <paramref name="version"/> is null) in one write transaction; an existing version
    /// with the same immutable content has its description and tags updated, one with other content is a conflict.
    /// </summary>
    private Row Insert(AssetKind kind, string name, string? version, JsonObject spec, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var kindText = AssetValidation.Segment(kind);
        return _database.Write((connection, transaction) =>
        {
            var assigned = version;
            if (assigned is not null)
            {
                spec["version"] = assigned;
                var existing = Select(connection, transaction, kind, "name = $name AND version = $version", null, ("$name", name), ("$version", assigned)).FirstOrDefault();
                if (existing is not null)
                {
                    if (Immutable(existing.Spec) != Immutable(spec))
                    {
                        throw new ResourceExistsException(
                            $"{AssetValidation.Noun(kind)} '{existing.Name}' version '{assigned}' already exists with different content. Versions are immutable: create a new version, or omit the version to get the next one.");
                    }
                    Execute(connection, transaction, """
                        UPDATE asset_versions SET spec = $spec, canonical = $canonical, description = $description, tags = $tags
                        WHERE kind = $kind AND name = $name AND version = $version
                        """, ("$spec", spec.ToJsonString()), ("$canonical", Immutable(spec)), ("$description", AssetSpecs.Text(spec, "description")),
                        ("$tags", TagsJson(spec)), ("$kind", kindText), ("$name", name), ("$version", assigned));
                    return existing with { Spec = spec, Description = AssetSpecs.Text(spec, "description"), Tags = AssetSpecs.StringMap(spec, "tags") };
                }
            }
            else
            {
                var versions = new List<string>();
                using (var command = Command(connection, transaction, "SELECT version FROM asset_versions WHERE kind = $kind AND name = $name", ("$kind", kindText), ("$name", name)))
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        versions.Add(reader.GetString(0));
                    }
                }
                assigned = AssetPreparation.NextVersion(versions);
                spec["version"] = assigned;
            }
            // A name keeps the spelling of its first version (names compare case-insensitively).
            var stored = Scalar<string>(connection, transaction, "SELECT name FROM asset_versions WHERE kind = $kind AND name = $name LIMIT 1", ("$kind", kindText), ("$name", name)) ?? name;
            spec["name"] = stored;
            var seq = Scalar<long>(connection, transaction, "SELECT COALESCE(MAX(seq), 0) + 1 FROM asset_versions");
            Execute(connection, transaction, """
                INSERT INTO asset_versions (kind, name, version, seq, spec, canonical, description, tags, is_archived, created_at)
                VALUES ($kind, $name, $version, $seq, $spec, $canonical, $description, $tags, 0, $created)
                """, ("$kind", kindText), ("$name", stored), ("$version", assigned), ("$seq", seq), ("$spec", spec.ToJsonString()), ("$canonical", Immutable(spec)),
                ("$description", AssetSpecs.Text(spec, "description")), ("$tags", TagsJson(spec)), ("$created", now));
            return new Row(kind, stored, assigned, spec, false, DateTimeOffset.FromUnixTimeMilliseconds(now), AssetSpecs.Text(spec, "description"), AssetSpecs.StringMap(spec, "tags"));
        }, cancellationToken);
    }

    private static string Immutable(JsonObject spec) => AssetSpecs.ImmutableCanonical(spec);

    private static string TagsJson(JsonObject spec) => (spec["tags"] as JsonObject)?.ToJsonString() ?? "{}";

    // ------------------------------------------------------------------ get

    public Task<AssetVersion<DataAsset>> GetDataAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        Task.FromResult(DataOf(Get(AssetKind.Data, name, version, label, cancellationToken)));

    public Task<AssetVersion<EnvironmentAsset>> GetEnvironmentAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        Task.FromResult(EnvironmentOf(Get(AssetKind.Environment, name, version, label, cancellationToken)));

    public Task<AssetVersion<CommandComponent>> GetComponentAsync(string name, string? version, string? label, CancellationToken cancellationToken) =>
        Task.FromResult(ComponentOf(Get(AssetKind.Component, name, version, label, cancellationToken)));

    private Row Get(AssetKind kind, string name, string? version, string? label, CancellationToken cancellationToken)
    {
        AssetValidation.Name(kind, name);
        AssetValidation.VersionOrLabel(kind, name, version, label);
        return _database.Read(connection =>
        {
            if (version is not null)
            {
                return Select(connection, null, kind, "name = $name AND version = $version", null, ("$name", name), ("$version", version)).FirstOrDefault()
                    ?? throw new ResourceNotFoundException($"{AssetValidation.Noun(kind)} '{name}' version '{version}' does not exist in workspace '{WorkspaceInfo.LocalName}'.");
            }
            return Select(connection, null, kind, "name = $name AND is_archived = 0", "seq DESC LIMIT 1", ("$name", name)).FirstOrDefault()
                ?? throw new ResourceNotFoundException(Exists(connection, kind, name)
                    ? $"{AssetValidation.Noun(kind)} '{name}' has no active version for the label '{AssetValidation.Latest}': all its versions are archived."
                    : $"{AssetValidation.Noun(kind)} '{name}' does not exist in workspace '{WorkspaceInfo.LocalName}'.");
        }, cancellationToken);
    }

    private static bool Exists(SqliteConnection connection, AssetKind kind, string name) =>
        Scalar<long>(connection, null, "SELECT COUNT(*) FROM asset_versions WHERE kind = $kind AND name = $name", ("$kind", AssetValidation.Segment(kind)), ("$name", name)) > 0;

    // ------------------------------------------------------------------ list, archive

    public Task<ResultPage<AssetVersionInfo>> ListAsync(AssetQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        RequireStoredKind(query.Kind);
        if (query.Name is not null)
        {
            AssetValidation.Name(query.Kind, query.Name);
        }
        var size = Math.Clamp(query.MaxResults, 1, MaxPageSize);
        var offset = 0;
        if (query.PageToken is { Length: > 0 } token && (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw new InvalidInputException($"Page token '{Validate.Shorten(token)}' is not one this workspace issued.", "pageToken");
        }
        var active = query.IncludeArchived ? "" : " AND is_archived = 0";
        var rows = _database.Read(connection => query.Name is not null
            ? Select(connection, null, query.Kind, "name = $name" + active, $"seq DESC LIMIT {size + 1} OFFSET {offset}", ("$name", query.Name))
            : Select(connection, null, query.Kind,
                $"seq = (SELECT MAX(b.seq) FROM asset_versions b WHERE b.kind = asset_versions.kind AND b.name = asset_versions.name{active.Replace("is_archived", "b.is_archived", StringComparison.Ordinal)}){active}",
                $"name COLLATE NOCASE LIMIT {size + 1} OFFSET {offset}"), cancellationToken);
        var next = rows.Count > size ? (offset + size).ToString(CultureInfo.InvariantCulture) : null;
        var items = rows.Take(size).Select(r => new AssetVersionInfo(r.Kind, r.Name, r.Version, Id(r.Name, r.Version), r.Description, r.Tags, r.CreatedAt, r.IsArchived)).ToList();
        return Task.FromResult(new ResultPage<AssetVersionInfo>(items, next));
    }

    public Task ArchiveAsync(AssetKind kind, string name, string? version, bool archived, CancellationToken cancellationToken)
    {
        RequireStoredKind(kind);
        AssetValidation.Name(kind, name);
        AssetValidation.Version(kind, version);
        var changed = _database.Write((connection, transaction) => Execute(connection, transaction,
            "UPDATE asset_versions SET is_archived = $archived WHERE kind = $kind AND name = $name" + (version is null ? "" : " AND version = $version"),
            ("$archived", archived ? 1 : 0), ("$kind", AssetValidation.Segment(kind)), ("$name", name), ("$version", version)), cancellationToken);
        if (changed == 0)
        {
            throw new ResourceNotFoundException(version is null
                ? $"{AssetValidation.Noun(kind)} '{name}' does not exist in workspace '{WorkspaceInfo.LocalName}'."
                : $"{AssetValidation.Noun(kind)} '{name}' version '{version}' does not exist in workspace '{WorkspaceInfo.LocalName}'.");
        }
        return Task.CompletedTask;
    }

    private static void RequireStoredKind(AssetKind kind)
    {
        if (kind is not (AssetKind.Data or AssetKind.Environment or AssetKind.Component))
        {
            throw new InvalidInputException($"Listing and archiving apply to data, environments and components, not {kind}.", "kind");
        }
    }

    // ------------------------------------------------------------------ rows

    /// <summary>The local id of a version: <c>azureml:name:version</c>, the reference a job uses.</summary>
    internal static string Id(string name, string version) => $"azureml:{name}:{version}";

    private static AssetVersion<DataAsset> DataOf(Row r) =>
        new(r.Name, r.Version, Id(r.Name, r.Version), AssetSpecs.DataFromSpec(r.Spec), r.CreatedAt, r.IsArchived);

    private static AssetVersion<EnvironmentAsset> EnvironmentOf(Row r) =>
        new(r.Name, r.Version, Id(r.Name, r.Version), AssetSpecs.EnvironmentFromSpec(r.Spec), r.CreatedAt, r.IsArchived);

    private static AssetVersion<CommandComponent> ComponentOf(Row r) =>
        new(r.Name, r.Version, Id(r.Name, r.Version), AssetSpecs.ComponentFromSpec(r.Spec, $"component {r.Name}:{r.Version}"), r.CreatedAt, r.IsArchived);

    private static List<Row> Select(SqliteConnection connection, SqliteTransaction? transaction, AssetKind kind, string where, string? orderAndLimit, params (string Name, object? Value)[] parameters)
    {
        var sql = $"SELECT name, version, spec, is_archived, created_at, description, tags FROM asset_versions WHERE kind = $kind AND {where}" +
            (orderAndLimit is null ? "" : " ORDER BY " + orderAndLimit);
        using var command = Command(connection, transaction, sql, [("$kind", AssetValidation.Segment(kind)), .. parameters]);
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            var spec = JsonNode.Parse(reader.GetString(2)) as JsonObject ?? [];
            var tags = JsonSerializer.Deserialize(reader.GetString(6), LocalAssetJson.Default.DictionaryStringString) ?? [];
            rows.Add(new Row(kind, reader.GetString(0), reader.GetString(1), spec, reader.GetInt64(3) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.IsDBNull(5) ? null : reader.GetString(5), tags));
        }
        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static T? Scalar<T>(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
    }
}

/// <summary>JSON of the local asset store's columns.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class LocalAssetJson : System.Text.Json.Serialization.JsonSerializerContext;
