using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>The JSON the pages' scripts read: metric series (downsampled), live run updates (server-sent events), artifacts.</summary>
internal static class StudioApi
{
    public static async Task ExperimentsAsync(HttpContext context, StudioContext studio)
    {
        var list = new JsonArray();
        await foreach (var e in studio.Workspace(context).ListExperimentsAsync(context.RequestAborted).ConfigureAwait(false))
        {
            list.Add(new JsonObject { ["id"] = e.Id, ["name"] = e.Name, ["creationTime"] = e.CreationTime.ToString("O", CultureInfo.InvariantCulture), ["tags"] = Obj(e.Tags) });
        }
        await Respond.JsonAsync(context, new JsonObject { ["experiments"] = list }).ConfigureAwait(false);
    }

    public static async Task RunsAsync(HttpContext context, StudioContext studio)
    {
        var exp = await studio.Workspace(context).GetExperimentAsync(Respond.Route(context, "name"), context.RequestAborted).ConfigureAwait(false);
        var q = context.Request.Query;
        var max = int.TryParse(q["max"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m > 0 ? Math.Min(m, 10_000) : studio.Options.RunsPageSize;
        var filter = q["filter"].ToString();
        var order = q["order"].ToString();
        var list = new JsonArray();
        await foreach (var run in exp.GetRunsAsync(filter.Length == 0 ? null : filter, order.Length == 0 ? null : order, max, context.RequestAborted).ConfigureAwait(false))
        {
            list.Add(RunJson(run));
        }
        await Respond.JsonAsync(context, new JsonObject { ["experiment"] = exp.Name, ["runs"] = list }).ConfigureAwait(false);
    }

    public static async Task RunAsync(HttpContext context, StudioContext studio)
    {
        var run = await studio.Workspace(context).GetRunAsync(Respond.Route(context, "id"), context.RequestAborted).ConfigureAwait(false);
        await Respond.JsonAsync(context, RunJson(run)).ConfigureAwait(false);
    }

    internal static JsonObject RunJson(Run run)
    {
        var metrics = new JsonObject();
        foreach (var (k, p) in run.LatestMetrics.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            metrics[k] = new JsonObject { ["value"] = Finite(p.Value), ["step"] = p.Step, ["timestamp"] = p.Timestamp.ToUnixTimeMilliseconds() };
        }
        return new JsonObject
        {
            ["id"] = run.Id,
            ["displayName"] = run.DisplayName,
            ["experimentId"] = run.ExperimentId,
            ["status"] = run.Status.ToString(),
            ["startTime"] = run.StartTime.ToString("O", CultureInfo.InvariantCulture),
            ["endTime"] = run.EndTime?.ToString("O", CultureInfo.InvariantCulture),
            ["parentRunId"] = run.ParentRunId,
            ["params"] = Obj(run.Params),
            ["tags"] = Obj(run.Tags),
            ["metrics"] = metrics,
        };
    }

    private static JsonObject Obj(IReadOnlyDictionary<string, string> d)
    {
        var o = new JsonObject();
        foreach (var (k, v) in d.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            o[k] = v;
        }
        return o;
    }

    private static JsonValue Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// <c>GET /api/metrics?run=A&amp;run=B&amp;key=loss&amp;x=step|time&amp;points=N</c>: each run's series of one metric, downsampled
    /// (LTTB) to at most N points (the studio's <see cref="StudioOptions.MaxChartPoints"/> by default); <c>total</c> is the
    /// stored length. Time is in seconds since the epoch.
    /// </summary>
    public static async Task MetricsAsync(HttpContext context, StudioContext studio)
    {
        var q = context.Request.Query;
        var ids = q["run"].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();
        var key = q["key"].ToString();
        if (ids.Count == 0 || key.Length == 0)
        {
            throw new InvalidInputException("Give one or more runs (run=<id>) and a metric (key=<name>).");
        }
        if (ids.Count > 50)
        {
            throw new InvalidInputException($"At most 50 runs per chart; got {ids.Count}.");
        }
        var byTime = q["x"] == "time";
        var limit = int.TryParse(q["points"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 10, studio.Options.MaxChartPoints) : studio.Options.MaxChartPoints;
        var ws = studio.Workspace(context);
        var series = new JsonArray();
        foreach (var id in ids)
        {
            var run = await ws.GetRunAsync(id, context.RequestAborted).ConfigureAwait(false);
            var cacheKey = (run.Id, key, byTime, limit);
            var signature = SeriesSignature(run, key);
            if (!studio.Options.CacheSeries || !Html.IsTerminal(run.Status)
                || !SeriesCache.TryGetValue(cacheKey, out var cached) || cached.Signature != signature || cached.Expires < DateTimeOffset.UtcNow)
            {
                cached = null;
                if (Prefetched.TryRemove((ws, run.Id, key, byTime, limit), out var prefetch)
                    && await prefetch.Read.WaitAsync(context.RequestAborted).ConfigureAwait(false) is { } read && read.Signature == signature)
                {
                    cached = read; // the run's page started this read while the browser loaded the page and its scripts
                }
                cached ??= await ReadSeriesAsync(run, key, byTime, limit, signature, context.RequestAborted).ConfigureAwait(false);
                if (studio.Options.CacheSeries && Html.IsTerminal(run.Status))
                {
                    if (SeriesCache.Count >= 256)
                    {
                        SeriesCache.Clear();
                    }
                    SeriesCache[cacheKey] = cached;
                }
            }
            series.Add(new JsonObject
            {
                ["run"] = run.Id,
                ["name"] = string.IsNullOrEmpty(run.DisplayName) ? run.Id : run.DisplayName,
                ["status"] = run.Status.ToString(),
                ["total"] = cached.Total,
                ["x"] = new JsonArray([.. cached.X.Select(v => (JsonNode?)JsonValue.Create(v))]),
                ["y"] = new JsonArray([.. cached.Y.Select(v => (JsonNode?)JsonValue.Create(v))]),
            });
        }
        await Respond.JsonAsync(context, new JsonObject { ["key"] = key, ["x"] = byTime ? "time" : "step", ["series"] = series }).ConfigureAwait(false);
    }

    private sealed record Series(string Signature, int Total, double[] X, double[] Y, DateTimeOffset Expires);

    /// <summary>What a series depends on: the run's state and the metric's latest point (a new point changes it).</summary>
    private static string SeriesSignature(Run run, string key) => run.LatestMetrics.TryGetValue(key, out var latest)
        ? $"{run.Status}|{latest.Step}|{latest.Timestamp.UtcTicks}|{latest.Value.ToString("R", CultureInfo.InvariantCulture)}"
        : run.Status.ToString();

    /// <summary>Most series a run's page reads ahead (its first charts).</summary>
    private const int MaxPrefetch = 8;

    /// <summary>
    /// Series reads that a run's page starts as it is sent (<see cref="Prefetch"/>), so that reading a long series overlaps the browser
    /// loading the page and its scripts; the first <c>/api/metrics</c> request for the same series takes the read (and re-reads if the
    /// metric changed since). Unclaimed reads are dropped after <see cref="PrefetchLifetime"/>.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Workspace Ws, string Run, string Key, bool ByTime, int Limit), (Task<Series?> Read, DateTimeOffset Started)> Prefetched = new();

    private static readonly TimeSpan PrefetchLifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Starts reading (and downsampling) the series the charts of <paramref name="run"/>'s page will ask for first (the default x axis,
    /// <see cref="StudioOptions.MaxChartPoints"/>), unless the series cache already holds them.
    /// </summary>
    internal static void Prefetch(StudioContext studio, Workspace ws, Run run, IEnumerable<string> keys)
    {
        if (!studio.Options.ReadAhead)
        {
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var limit = studio.Options.MaxChartPoints;
        foreach (var key in keys.Take(MaxPrefetch))
        {
            var signature = SeriesSignature(run, key);
            if (studio.Options.CacheSeries && Html.IsTerminal(run.Status)
                && SeriesCache.TryGetValue((run.Id, key, false, limit), out var cached) && cached.Signature == signature && cached.Expires >= now)
            {
                continue;
            }
            if (Prefetched.Count >= 8 * MaxPrefetch)
            {
                return;
            }
            var entryKey = (ws, run.Id, key, false, limit);
            var entry = (Task.Run<Series?>(async () =>
            {
                using var timeout = new CancellationTokenSource(PrefetchLifetime);
                try
                {
                    return await ReadSeriesAsync(run, key, false, limit, signature, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return null; // the API reads it again (and answers the error, if any)
                }
            }), now);
            Prefetched[entryKey] = entry;
            _ = ForgetLaterAsync(entryKey, entry);
        }
    }

    /// <summary>Drops a read-ahead nobody claimed (the page was fetched by something other than a browser, or closed first).</summary>
    private static async Task ForgetLaterAsync((Workspace, string, string, bool, int) key, (Task<Series?> Read, DateTimeOffset Started) entry)
    {
        await Task.Delay(PrefetchLifetime).ConfigureAwait(false);
        Prefetched.TryRemove(KeyValuePair.Create(key, entry));
    }

    /// <summary>Downsampled series of finished runs, by (run, metric, x axis, points), while the run's latest value of the metric is unchanged (5 minutes at most).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Run, string Key, bool ByTime, int Limit), Series> SeriesCache = new();

    private static async Task<Series> ReadSeriesAsync(Run run, string key, bool byTime, int limit, string signature, CancellationToken ct)
    {
        var history = await run.GetMetricsAsync(key, ct).ConfigureAwait(false);
        var points = history.TryGetValue(key, out var h) ? h : [];
        var xs = new double[points.Count];
        var ys = new double[points.Count];
        var n = 0;
        var sorted = true;
        foreach (var p in points)
        {
            if (!double.IsFinite(p.Value))
            {
                continue;
            }
            xs[n] = byTime ? p.Timestamp.ToUnixTimeMilliseconds() / 1000.0 : p.Step;
            ys[n] = p.Value;
            sorted &= n == 0 || xs[n] >= xs[n - 1];
            n++;
        }
        Array.Resize(ref xs, n);
        Array.Resize(ref ys, n);
        if (!sorted)
        {
            Array.Sort(xs, ys);
        }
        var keep = Lttb.Select(xs, ys, limit);
        return new Series(signature, points.Count, [.. keep.Select(i => xs[i])], [.. keep.Select(i => ys[i])], DateTimeOffset.UtcNow.AddMinutes(5));
    }

    /// <summary>
    /// <c>GET /api/runs/{id}/events</c>: server-sent events for a run's page. An <c>update</c> event (status, latest metrics)
    /// whenever they change, checked every <see cref="StudioOptions.LiveUpdateInterval"/>; <c>end</c> once the run is finished.
    /// </summary>
    public static async Task EventsAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var id = Respond.Route(context, "id");
        var run = await ws.GetRunAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        string? last = null;
        var ct = context.RequestAborted;
        var idle = 0;
        while (!ct.IsCancellationRequested)
        {
            var json = RunJson(run);
            var signature = json.ToJsonString();
            if (signature != last)
            {
                last = signature;
                idle = 0;
                await WriteEventAsync(context, "update", signature, ct).ConfigureAwait(false);
            }
            else if (++idle * studio.Options.LiveUpdateInterval > TimeSpan.FromSeconds(15))
            {
                idle = 0;
                await context.Response.WriteAsync(": keep-alive\n\n", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
            if (Html.IsTerminal(run.Status))
            {
                await WriteEventAsync(context, "end", "{\"status\":\"" + run.Status + "\"}", ct).ConfigureAwait(false);
                return;
            }
            try
            {
                await Task.Delay(studio.Options.LiveUpdateInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            run = await ws.GetRunAsync(id, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>GET /api/runs/{id}/log?path=p</c>: server-sent events with a log artifact's text as it grows — <c>append</c> events
    /// (JSON strings: the first one the last 64 KB, then what was added), checked every <see cref="StudioOptions.LiveUpdateInterval"/>,
    /// and <c>end</c> once the run is finished and the log read one last time.
    /// </summary>
    public static async Task LogTailAsync(HttpContext context, StudioContext studio)
    {
        const int FirstTail = 64 * 1024;
        var ws = studio.Workspace(context);
        var id = Respond.Route(context, "id");
        var path = context.Request.Query["path"].ToString();
        var run = await ws.GetRunAsync(id, context.RequestAborted).ConfigureAwait(false);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        long sent = -1;
        while (!ct.IsCancellationRequested)
        {
            var finished = Html.IsTerminal(run.Status);
            var names = await run.GetFileNamesAsync(ct).ConfigureAwait(false);
            if (names.Contains(path))
            {
                using var file = await ArtifactFile.DownloadAsync(run, path, ct).ConfigureAwait(false);
                var length = file.Length;
                if (length != sent)
                {
                    var from = sent < 0 ? Math.Max(0, length - FirstTail) : Math.Min(sent, length);
                    await using var stream = File.OpenRead(file.Path);
                    stream.Position = from;
                    var bytes = new byte[length - from];
                    await stream.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
                    sent = length;
                    await WriteEventAsync(context, "append", System.Text.Json.JsonSerializer.Serialize(Encoding.UTF8.GetString(bytes), StudioJson.Default.String), ct).ConfigureAwait(false);
                }
            }
            if (finished)
            {
                await WriteEventAsync(context, "end", "{\"status\":\"" + run.Status + "\"}", ct).ConfigureAwait(false);
                return;
            }
            try
            {
                await Task.Delay(studio.Options.LiveUpdateInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            run = await ws.GetRunAsync(id, ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, string data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Image types shown inline; every other artifact is sent as a download (an HTML or SVG artifact never runs in the studio's origin).</summary>
    internal static string? InlineImageType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".bmp" => "image/bmp",
        _ => null,
    };

    /// <summary><c>GET /api/runs/{id}/artifact?path=p[&amp;download=1]</c>: an artifact's bytes.</summary>
    public static async Task ArtifactAsync(HttpContext context, StudioContext studio)
    {
        var run = await studio.Workspace(context).GetRunAsync(Respond.Route(context, "id"), context.RequestAborted).ConfigureAwait(false);
        var path = context.Request.Query["path"].ToString();
        using var file = await ArtifactFile.DownloadAsync(run, path, context.RequestAborted).ConfigureAwait(false);
        var image = InlineImageType(path);
        var download = context.Request.Query["download"] == "1" || image is null;
        context.Response.ContentType = image ?? "application/octet-stream";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        context.Response.Headers.CacheControl = "private, max-age=60";
        if (download)
        {
            context.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = Path.GetFileName(path), DispositionType = "attachment" }.ToString();
        }
        context.Response.ContentLength = new FileInfo(file.Path).Length;
        await context.Response.SendFileAsync(file.Path, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>Source-generated JSON for plain strings.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class StudioJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>An artifact downloaded to a temporary file through the public <see cref="Run.DownloadFileAsync"/>; deleted on dispose.</summary>
internal sealed class ArtifactFile : IDisposable
{
    private readonly string _folder;

    private ArtifactFile(string folder, string path)
    {
        _folder = folder;
        Path = path;
    }

    public string Path { get; }

    public static async Task<ArtifactFile> DownloadAsync(Run run, string artifactPath, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(artifactPath))
        {
            throw new InvalidInputException("Name an artifact: path=<artifact path>.", "path");
        }
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "azml-studio-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var target = System.IO.Path.Combine(folder, "artifact");
        try
        {
            await run.DownloadFileAsync(artifactPath, target, null, cancellationToken).ConfigureAwait(false);
            return new ArtifactFile(folder, target);
        }
        catch
        {
            TryDelete(folder);
            throw;
        }
    }

    /// <summary>Reads at most <paramref name="max"/> bytes.</summary>
    public byte[] ReadHead(int max)
    {
        using var s = File.OpenRead(Path);
        var buffer = new byte[(int)Math.Min(max, s.Length)];
        s.ReadExactly(buffer);
        return buffer;
    }

    public long Length => new FileInfo(Path).Length;

    public void Dispose() => TryDelete(_folder);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Whether bytes look like text (UTF-8 without NULs).</summary>
    public static bool LooksLikeText(byte[] head)
    {
        if (Array.IndexOf(head, (byte)0) >= 0)
        {
            return false;
        }
        try
        {
            _ = new UTF8Encoding(false, true).GetString(head, 0, head.Length - TrailingPartial(head));
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Bytes of a UTF-8 sequence cut by the head's end.</summary>
    private static int TrailingPartial(byte[] b)
    {
        for (var i = 1; i <= Math.Min(3, b.Length); i++)
        {
            var c = b[^i];
            if ((c & 0xC0) == 0xC0)
            {
                var need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
                return need > i ? i : 0;
            }
            if ((c & 0x80) == 0)
            {
                return 0;
            }
        }
        return 0;
    }
}
