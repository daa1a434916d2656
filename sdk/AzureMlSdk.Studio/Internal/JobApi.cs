using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>Server-sent events for a job's page: its state as it changes, and its log as it is written.</summary>
internal static class JobApi
{
    internal static JsonObject JobJson(Job job) => new()
    {
        ["name"] = job.Name,
        ["status"] = job.Status.ToString(),
        ["terminal"] = job.Status.IsTerminal(),
        ["started"] = Html.Time(job.StartedAt),
        ["ended"] = Html.Time(job.EndedAt),
        ["duration"] = Html.Duration(job.StartedAt is { } s ? (job.EndedAt ?? DateTimeOffset.UtcNow) - s : null),
        ["error"] = job.Error is { } e ? new JsonObject { ["code"] = e.Code, ["message"] = e.Message } : null,
    };

    /// <summary>
    /// <c>GET /api/jobs/{name}/events</c>: an <c>update</c> event (status, start, end, duration, error) whenever the job changes, checked every
    /// <see cref="StudioOptions.LiveUpdateInterval"/>, and <c>end</c> once it has ended. A pipeline's stream also has a <c>steps</c> event
    /// (its graph: <see cref="PipelineView.ToJson"/>) first and whenever a step changes (state, job, reuse), sent before the
    /// <c>update</c> of the same check, so the last <c>steps</c> before <c>end</c> shows every step's final state.
    /// </summary>
    public static async Task EventsAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var name = Respond.Route(context, "name");
        var ct = context.RequestAborted;
        var job = await ws.Jobs.GetAsync(name, ct).ConfigureAwait(false);
        StartEvents(context);
        string? last = null;
        string? lastSteps = null;
        var idle = 0;
        var pathBase = context.Request.PathBase.Value ?? string.Empty;
        while (!ct.IsCancellationRequested)
        {
            if (job.Type == JobType.Pipeline)
            {
                var graph = await PipelineView.LoadAsync(ws, job, ct).ConfigureAwait(false);
                var stepsSignature = graph.Signature() + job.Status.IsTerminal();
                if (stepsSignature != lastSteps)
                {
                    lastSteps = stepsSignature;
                    idle = 0;
                    await WriteEventAsync(context, "steps", graph.ToJson(pathBase, job.Status.IsTerminal()).ToJsonString(), ct).ConfigureAwait(false);
                }
            }
            var json = JobJson(job);
            json.Remove("duration"); // changes every second while running: not a change of the job
            var signature = json.ToJsonString();
            if (signature != last)
            {
                last = signature;
                idle = 0;
                await WriteEventAsync(context, "update", JobJson(job).ToJsonString(), ct).ConfigureAwait(false);
            }
            else if (++idle * studio.Options.LiveUpdateInterval > TimeSpan.FromSeconds(15))
            {
                idle = 0;
                await context.Response.WriteAsync(": keep-alive\n\n", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
            if (job.Status.IsTerminal())
            {
                await WriteEventAsync(context, "end", JobJson(job).ToJsonString(), ct).ConfigureAwait(false);
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
            job = await ws.Jobs.GetAsync(name, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>GET /api/jobs/{name}/log</c>: the job's log (<see cref="JobOperations.StreamAsync"/>, from its start) as <c>append</c> events
    /// (JSON strings) as it is written, then <c>end</c> once the job has ended and its log is complete.
    /// </summary>
    public static async Task LogAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var name = Respond.Route(context, "name");
        var ct = context.RequestAborted;
        var job = await ws.Jobs.GetAsync(name, ct).ConfigureAwait(false);
        StartEvents(context);
        await using var writer = new EventWriter(context);
        job = await job.StreamAsync(writer, ct).ConfigureAwait(false);
        await writer.FlushAsync(ct).ConfigureAwait(false);
        await WriteEventAsync(context, "end", JobJson(job).ToJsonString(), ct).ConfigureAwait(false);
    }

    private static void StartEvents(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static async Task WriteEventAsync(HttpContext context, string name, string data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A text writer whose flushes send what was written since as one <c>append</c> event.</summary>
    private sealed class EventWriter(HttpContext context) : TextWriter
    {
        private readonly StringBuilder _pending = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => _pending.Append(value);

        public override void Write(string? value) => _pending.Append(value);

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            _pending.Append(buffer.Span);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(string? value)
        {
            _pending.Append(value);
            return Task.CompletedTask;
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_pending.Length == 0)
            {
                return;
            }
            var text = _pending.ToString();
            _pending.Clear();
            await WriteEventAsync(context, "append", System.Text.Json.JsonSerializer.Serialize(text, StudioJson.Default.String), cancellationToken).ConfigureAwait(false);
        }

        public override Task FlushAsync() => FlushAsync(CancellationToken.None);
    }
}
