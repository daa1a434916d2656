using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// The designer's JSON API: the palette (registered components with their typed inputs and outputs, and the computes), checking a
/// pipeline, and its YAML. POSTs carry the anti-forgery header (checked by the studio's pipeline, as every POST).
/// </summary>
internal static class DesignerApi
{
    /// <summary>Most JSON a designer request may send (a pipeline of <see cref="DesignerGraph.MaxSteps"/> steps fits easily).</summary>
    internal const int MaxBody = 1 << 20;

    /// <summary>Most components the palette lists.</summary>
    internal const int MaxComponents = 500;

    /// <summary><c>GET /api/designer/components</c>: the latest version of each registered component, and the computes.</summary>
    public static async Task ComponentsAsync(HttpContext context, StudioContext studio)
    {
        var ws = studio.Workspace(context);
        var components = await ListComponentsAsync(ws, context.RequestAborted).ConfigureAwait(false);
        var computes = await ListComputesAsync(ws, context.RequestAborted).ConfigureAwait(false);
        await Respond.JsonAsync(context, new JsonObject
        {
            ["components"] = new JsonArray([.. components.Select(ComponentJson)]),
            ["computes"] = new JsonArray([.. computes.Select(c => (JsonNode)c)]),
        }).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/designer/components/{name}/versions/{version}</c>: one component version (a step restored with an older version).</summary>
    public static async Task ComponentAsync(HttpContext context, StudioContext studio)
    {
        var component = await studio.Workspace(context).Components.GetAsync(Respond.Route(context, "name"), Respond.Route(context, "version"), cancellationToken: context.RequestAborted).ConfigureAwait(false);
        await Respond.JsonAsync(context, ComponentJson(component)).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/designer/components/{name}/versions</c>: the component's versions, newest first (the palette's version list).</summary>
    public static async Task VersionsAsync(HttpContext context, StudioContext studio)
    {
        var versions = new JsonArray();
        await foreach (var c in studio.Workspace(context).Components.ListAsync(Respond.Route(context, "name"), cancellationToken: context.RequestAborted).ConfigureAwait(false))
        {
            versions.Add((JsonNode?)c.Version);
            if (versions.Count == MaxComponents)
            {
                break;
            }
        }
        await Respond.JsonAsync(context, new JsonObject { ["versions"] = versions }).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/designer/validate</c>: the pipeline's problems (an empty list when it can be submitted).</summary>
    public static async Task ValidateAsync(HttpContext context, StudioContext studio)
    {
        var graph = DesignerGraph.Parse(await ReadBodyAsync(context).ConfigureAwait(false));
        var (_, problems) = await BuildAsync(studio.Workspace(context), graph, context.RequestAborted).ConfigureAwait(false);
        await Respond.JsonAsync(context, new JsonObject { ["problems"] = Problems(problems) }).ConfigureAwait(false);
    }

    /// <summary><c>POST /api/designer/yaml</c>: <c>{yaml}</c>, the az ml pipeline YAML of the designed pipeline, or 422 <c>{problems}</c>.</summary>
    public static async Task YamlAsync(HttpContext context, StudioContext studio)
    {
        var graph = DesignerGraph.Parse(await ReadBodyAsync(context).ConfigureAwait(false));
        var (pipeline, problems) = await BuildAsync(studio.Workspace(context), graph, context.RequestAborted).ConfigureAwait(false);
        if (pipeline is null)
        {
            await Respond.JsonAsync(context, new JsonObject { ["problems"] = Problems(problems) }, StatusCodes.Status422UnprocessableEntity).ConfigureAwait(false);
            return;
        }
        await Respond.JsonAsync(context, new JsonObject { ["yaml"] = pipeline.ToYaml(), ["problems"] = new JsonArray() }).ConfigureAwait(false);
    }

    internal static JsonArray Problems(IEnumerable<DesignerProblem> problems) => new([.. problems.Select(p => (JsonNode)p.ToJson())]);

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBody)
        {
            throw new InvalidInputException($"The designer's pipeline is larger than {MaxBody / 1024} KB.");
        }
        using var reader = new StreamReader(context.Request.Body);
        var buffer = new char[MaxBody + 1];
        var read = 0;
        int n;
        while (read <= MaxBody && (n = await reader.ReadAsync(buffer.AsMemory(read), context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            read += n;
        }
        if (read > MaxBody)
        {
            throw new InvalidInputException($"The designer's pipeline is larger than {MaxBody / 1024} KB.");
        }
        return new string(buffer, 0, read);
    }

    /// <summary>Fetches the graph's components (each version once) and builds its pipeline.</summary>
    internal static async Task<(PipelineJob? Pipeline, IReadOnlyList<DesignerProblem> Problems)> BuildAsync(Workspace ws, DesignerGraph graph, CancellationToken ct)
    {
        var components = new Dictionary<(string, string), CommandComponent>();
        foreach (var (name, version) in graph.ComponentRefs())
        {
            try
            {
                components[(name, version)] = await ws.Components.GetAsync(name, version, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ResourceNotFoundException or InvalidInputException)
            {
                // Reported by Build as the step's unregistered component.
            }
        }
        return graph.Build(components);
    }

    internal static async Task<List<CommandComponent>> ListComponentsAsync(Workspace ws, CancellationToken ct)
    {
        var list = new List<CommandComponent>();
        await foreach (var c in ws.Components.ListAsync(cancellationToken: ct).ConfigureAwait(false))
        {
            list.Add(c);
            if (list.Count == MaxComponents)
            {
                break;
            }
        }
        list.Sort((a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name));
        return list;
    }

    /// <summary>The computes a pipeline can name: <c>local</c> on a local workspace, then the workspace's.</summary>
    internal static async Task<List<string>> ListComputesAsync(Workspace ws, CancellationToken ct)
    {
        var names = new List<string>();
        if (ws.Kind == WorkspaceKind.Local)
        {
            names.Add("local");
        }
        try
        {
            await foreach (var c in ws.Computes.ListAsync(ct).ConfigureAwait(false))
            {
                if (!names.Contains(c.Name, StringComparer.Ordinal))
                {
                    names.Add(c.Name);
                }
            }
        }
        catch (AzureMlNotSupportedException)
        {
            // A backend without computes (an MLflow server): the workspace's default only.
        }
        return names;
    }

    internal static JsonObject ComponentJson(CommandComponent c)
    {
        var inputs = new JsonArray();
        foreach (var (name, i) in c.Inputs)
        {
            inputs.Add(new JsonObject
            {
                ["name"] = name,
                ["type"] = DesignerGraph.TypeName(i.Type),
                ["optional"] = i.Optional,
                ["default"] = i.Default is null ? null : Input.IsLiteralType(i.Type) ? LiteralText(i.Default) : null,
                ["description"] = i.Description,
                ["enum"] = i.Enum is { Count: > 0 } e ? new JsonArray([.. e.Select(v => (JsonNode)v)]) : null,
                ["min"] = i.Min,
                ["max"] = i.Max,
            });
        }
        var outputs = new JsonArray();
        foreach (var (name, o) in c.Outputs)
        {
            outputs.Add(new JsonObject { ["name"] = name, ["type"] = DesignerGraph.TypeName(o.Type), ["description"] = o.Description });
        }
        return new JsonObject
        {
            ["name"] = c.Name,
            ["version"] = c.Version,
            ["displayName"] = c.DisplayName,
            ["description"] = c.Description,
            ["inputs"] = inputs,
            ["outputs"] = outputs,
        };
    }

    internal static string? LiteralText(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
