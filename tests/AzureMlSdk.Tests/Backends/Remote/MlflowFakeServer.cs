using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// An in-memory MLflow server on the loopback host: just enough of the tracking (<c>runs/get</c>), model registry and
/// artifacts-proxy protocol to drive the SDK's MLflow registry and artifact store, answering as MLflow does
/// (snake_case JSON, versions as strings, <c>{error_code, message}</c> errors with MLflow's statuses).
/// </summary>
public sealed partial class MlflowFakeServer : IAsyncDisposable
{
    public const string Root = "/srv";
    private const string Api = Root + "/api/2.0/mlflow/";
    private const string Artifacts = Root + "/api/2.0/mlflow-artifacts/artifacts";
    private readonly object _gate = new();

    private MlflowFakeServer(LoopbackServer server) => Server = server;

    public LoopbackServer Server { get; }

    /// <summary>The base URL to connect to (with a path prefix, as a proxied server would have).</summary>
    public Uri BaseUri => new(Server.BaseUri, Root + "/");

    /// <summary>run id → artifact_uri.</summary>
    public Dictionary<string, string?> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>Artifact-root-relative path → bytes.</summary>
    public SortedDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths whose downloads come back with one byte flipped.</summary>
    public HashSet<string> CorruptOnDownload { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FakeModel> Models { get; } = new(StringComparer.Ordinal);

    public long Clock { get; set; } = 1767225600000; // 2026-01-01

    public sealed class FakeModel
    {
        public List<FakeVersion> Versions { get; } = [];
        public Dictionary<string, int> Aliases { get; } = new(StringComparer.Ordinal);
    }

    public sealed class FakeVersion
    {
        public int Version { get; init; }
        public string Source { get; init; } = string.Empty;
        public string? RunId { get; init; }
        public string? Description { get; set; }
        public long Created { get; init; }
        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
    }

    public static async Task<MlflowFakeServer> StartAsync()
    {
        var server = new MlflowFakeServer(await LoopbackServer.StartAsync());
        server.Server.Handle = server.HandleAsync;
        return server;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    /// <summary>The requests to the registry and artifacts APIs (method, path after the API prefix, body).</summary>
    public List<SeenRequest> Seen(string method, string pathSuffix) =>
        Server.Requests.Where(r => r.Method == method && r.Path.EndsWith(pathSuffix, StringComparison.Ordinal)).ToList();

    private async Task HandleAsync(HttpContext ctx, SeenRequest req)
    {
        int status;
        string json;
        byte[]? raw = null;
        lock (_gate)
        {
            (status, json, raw) = Dispatch(ctx, req);
        }
        if (raw is not null)
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.ContentLength = raw.Length;
            await ctx.Response.Body.WriteAsync(raw);
            return;
        }
        await LoopbackServer.JsonAsync(ctx, status, json, ("x-request-id", "req-" + Server.Requests.Count.ToString(CultureInfo.InvariantCulture)));
    }

    private static (int, string, byte[]?) Error(int status, string code, string message) =>
        (status, new JsonObject { ["error_code"] = code, ["message"] = message }.ToJsonString(), null);

    private static (int, string, byte[]?) Ok(JsonNode node) => (200, node.ToJsonString(), null);

    private (int, string, byte[]?) Dispatch(HttpContext ctx, SeenRequest req)
    {
        var q = ctx.Request.Query;
        var body = req.Body.Length > 0 && req.Body.TrimStart().StartsWith('{') ? JsonNode.Parse(req.Body)!.AsObject() : new JsonObject();
        string B(string key) => body[key]?.GetValue<string>() ?? string.Empty;

        if (req.Path.StartsWith(Artifacts, StringComparison.Ordinal))
        {
            return DispatchArtifacts(req, q);
        }
        if (!req.Path.StartsWith(Api, StringComparison.Ordinal))
        {
            return Error(404, "ENDPOINT_NOT_FOUND", "no such route");
        }
        var route = req.Method + " " + req.Path[Api.Length..];
        switch (route)
        {
            case "GET runs/get":
                {
                    var id = q["run_id"].ToString();
                    if (!Runs.TryGetValue(id, out var uri))
                    {
                        return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{id}' not found");
                    }
                    var info = new JsonObject { ["run_id"] = id, ["run_uuid"] = id, ["experiment_id"] = "1", ["status"] = "RUNNING", ["lifecycle_stage"] = "active", ["start_time"] = Clock };
                    if (uri is not null)
                    {
                        info["artifact_uri"] = uri;
                    }
                    return Ok(new JsonObject { ["run"] = new JsonObject { ["info"] = info, ["data"] = new JsonObject() } });
                }
            case "POST registered-models/create":
                {
                    var name = B("name");
                    if (Models.ContainsKey(name))
                    {
                        return Error(400, "RESOURCE_ALREADY_EXISTS", $"Registered Model (name={name}) already exists.");
                    }
                    Models[name] = new FakeModel();
                    return Ok(new JsonObject { ["registered_model"] = new JsonObject { ["name"] = name, ["creation_timestamp"] = Clock, ["last_updated_timestamp"] = Clock } });
                }
            case "GET registered-models/get":
                {
                    var name = q["name"].ToString();
                    return Models.ContainsKey(name)
                        ? Ok(new JsonObject { ["registered_model"] = new JsonObject { ["name"] = name } })
                        : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
                }
            case "POST model-versions/create":
                {
                    var name = B("name");
                    if (!Models.TryGetValue(name, out var model))
                    {
                        return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
                    }
                    var v = new FakeVersion
                    {
                        Version = model.Versions.Count == 0 ? 1 : model.Versions.Max(x => x.Version) + 1,
                        Source = B("source"),
                        RunId = body["run_id"]?.GetValue<string>(),
                        Description = body["description"]?.GetValue<string>(),
                        Created = Clock++,
                    };
                    foreach (var tag in body["tags"]?.AsArray() ?? [])
                    {
                        v.Tags[tag!["key"]!.GetValue<string>()] = tag["value"]!.GetValue<string>();
                    }
                    model.Versions.Add(v);
                    return Ok(new JsonObject { ["model_version"] = VersionJson(name, model, v) });
                }
            case "GET model-versions/get":
                return FindVersion(q["name"].ToString(), q["version"].ToString(), out var m1, out var v1, out var e1) ? Ok(new JsonObject { ["model_version"] = VersionJson(q["name"].ToString(), m1!, v1!) }) : e1;
            case "GET model-versions/search":
                return Search(q);
            case "PATCH model-versions/update":
                if (!FindVersion(B("name"), B("version"), out var m2, out var v2, out var e2))
                {
                    return e2;
                }
                v2!.Description = B("description");
                return Ok(new JsonObject { ["model_version"] = VersionJson(B("name"), m2!, v2) });
            case "DELETE model-versions/delete":
                if (!FindVersion(B("name"), B("version"), out var m3, out var v3, out var e3))
                {
                    return e3;
                }
                m3!.Versions.Remove(v3!);
                foreach (var a in m3.Aliases.Where(a => a.Value == v3!.Version).Select(a => a.Key).ToList())
                {
                    m3.Aliases.Remove(a);
                }
                return Ok(new JsonObject());
            case "POST model-versions/set-tag":
                if (!FindVersion(B("name"), B("version"), out _, out var v4, out var e4))
                {
                    return e4;
                }
                v4!.Tags[B("key")] = B("value");
                return Ok(new JsonObject());
            case "DELETE model-versions/delete-tag":
                if (!FindVersion(B("name"), B("version"), out _, out var v5, out var e5))
                {
                    return e5;
                }
                v5!.Tags.Remove(B("key"));
                return Ok(new JsonObject());
            case "POST registered-models/alias":
                if (!FindVersion(B("name"), B("version"), out var m6, out var v6, out var e6))
                {
                    return e6;
                }
                m6!.Aliases[B("alias")] = v6!.Version;
                return Ok(new JsonObject());
            case "DELETE registered-models/alias":
                if (Models.TryGetValue(B("name"), out var m7))
                {
                    m7.Aliases.Remove(B("alias")); // MLflow ignores a missing alias
                }
                return Ok(new JsonObject());
            case "GET registered-models/alias":
                {
                    var name = q["name"].ToString();
                    var alias = q["alias"].ToString();
                    if (!Models.TryGetValue(name, out var m8) || !m8.Aliases.TryGetValue(alias, out var target))
                    {
                        return Error(400, "INVALID_PARAMETER_VALUE", $"Registered model alias {alias} not found.");
                    }
                    var v8 = m8.Versions.Single(x => x.Version == target);
                    return Ok(new JsonObject { ["model_version"] = VersionJson(name, m8, v8) });
                }
            default:
                return Error(404, "ENDPOINT_NOT_FOUND", $"no route {route}");
        }
    }

    private bool FindVersion(string name, string version, out FakeModel? model, out FakeVersion? v, out (int, string, byte[]?) error)
    {
        v = null;
        error = default;
        if (!Models.TryGetValue(name, out model))
        {
            error = Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
            return false;
        }
        v = model.Versions.FirstOrDefault(x => x.Version.ToString(CultureInfo.InvariantCulture) == version);
        if (v is null)
        {
            error = Error(404, "RESOURCE_DOES_NOT_EXIST", $"Model Version (name={name}, version={version}) not found");
            return false;
        }
        return true;
    }

    [GeneratedRegex(@"^name\s*=\s*'([^']*)'$")]
    private static partial Regex NameFilter();

    private (int, string, byte[]?) Search(IQueryCollection q)
    {
        var filter = q["filter"].ToString();
        string? name = null;
        if (filter.Length > 0)
        {
            var match = NameFilter().Match(filter);
            if (!match.Success)
            {
                return Error(400, "INVALID_PARAMETER_VALUE", $"Unsupported filter '{filter}'");
            }
            name = match.Groups[1].Value;
        }
        if (!q["order_by"].SequenceEqual(["name ASC", "version_number DESC"]))
        {
            return Error(400, "INVALID_PARAMETER_VALUE", $"Unexpected order_by '{q["order_by"]}'");
        }
        var max = q.TryGetValue("max_results", out var mr) ? int.Parse(mr.ToString(), CultureInfo.InvariantCulture) : 10000;
        var offset = q.TryGetValue("page_token", out var pt) && pt.ToString().Length > 0 ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(pt.ToString())), CultureInfo.InvariantCulture) : 0;
        var all = Models.Where(m => name is null || m.Key == name).OrderBy(m => m.Key, StringComparer.Ordinal)
            .SelectMany(m => m.Value.Versions.OrderByDescending(v => v.Version).Select(v => VersionJson(m.Key, m.Value, v))).ToList();
        var page = all.Skip(offset).Take(max).ToList();
        var reply = new JsonObject { ["model_versions"] = new JsonArray([.. page]) };
        if (offset + page.Count < all.Count)
        {
            reply["next_page_token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + page.Count).ToString(CultureInfo.InvariantCulture)));
        }
        return Ok(reply);
    }

    private JsonObject VersionJson(string name, FakeModel model, FakeVersion v)
    {
        var o = new JsonObject
        {
            ["name"] = name,
            ["version"] = v.Version.ToString(CultureInfo.InvariantCulture),
            ["creation_timestamp"] = v.Created,
            ["last_updated_timestamp"] = v.Created,
            ["current_stage"] = "None",
            ["source"] = v.Source,
            ["status"] = "READY",
            ["tags"] = new JsonArray([.. v.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value })]),
            ["aliases"] = new JsonArray([.. model.Aliases.Where(a => a.Value == v.Version).Select(a => (JsonNode)JsonValue.Create(a.Key))]),
        };
        if (v.RunId is not null)
        {
            o["run_id"] = v.RunId;
        }
        if (!string.IsNullOrEmpty(v.Description))
        {
            o["description"] = v.Description;
        }
        return o;
    }

    private (int, string, byte[]?) DispatchArtifacts(SeenRequest req, IQueryCollection q)
    {
        if (req.Path == Artifacts && req.Method == "GET")
        {
            var folder = q["path"].ToString().Trim('/');
            var prefix = folder.Length == 0 ? string.Empty : folder + "/";
            var entries = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (var (path, bytes) in Files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                var rest = path[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                entries[slash < 0 ? rest : rest[..slash]] = slash < 0
                    ? new JsonObject { ["path"] = rest, ["is_dir"] = false, ["file_size"] = bytes.Length }
                    : new JsonObject { ["path"] = rest[..slash], ["is_dir"] = true };
            }
            var reply = new JsonObject();
            if (entries.Count > 0)
            {
                reply["files"] = new JsonArray([.. entries.Values]);
            }
            return Ok(reply);
        }
        var artifactPath = Uri.UnescapeDataString(req.Path[(Artifacts.Length + 1)..]);
        switch (req.Method)
        {
            case "PUT":
                Files[artifactPath] = Encoding.UTF8.GetBytes(req.Body);
                return Ok(new JsonObject());
            case "GET":
                if (!Files.TryGetValue(artifactPath, out var content))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"File '{artifactPath}' not found");
                }
                var copy = content.ToArray();
                if (CorruptOnDownload.Contains(artifactPath) && copy.Length > 0)
                {
                    copy[0] ^= 0xFF;
                }
                return (200, string.Empty, copy);
            default:
                return Error(405, "ENDPOINT_NOT_FOUND", "method not allowed");
        }
    }
}
