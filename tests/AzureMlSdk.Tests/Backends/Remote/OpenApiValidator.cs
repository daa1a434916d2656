using System.Text.Json;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// A small validator of JSON instances against the OpenAPI 2.0 schemas of the Azure ML spec: <c>$ref</c> (local and
/// common-types), <c>allOf</c>, <c>discriminator</c>/<c>x-ms-discriminator-value</c>, <c>required</c>, <c>type</c>, <c>enum</c>,
/// <c>pattern</c>, <c>additionalProperties</c>, and unknown properties (a property no schema in the chain declares).
/// Read-only properties are allowed in requests (ARM ignores them), as the service does.
/// </summary>
public sealed class OpenApiValidator
{
    private readonly JsonElement _root;
    private readonly Dictionary<string, JsonElement> _external = new(StringComparer.Ordinal);

    public OpenApiValidator(string openApiPath, string commonTypesDirectory)
    {
        _root = JsonDocument.Parse(File.ReadAllText(openApiPath)).RootElement;
        foreach (var file in Directory.EnumerateFiles(commonTypesDirectory, "*.json", SearchOption.AllDirectories))
        {
            _external[Path.GetFileName(file)] = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
        }
    }

    public JsonElement Root => _root;

    /// <summary>The schema of a definition by name.</summary>
    public (JsonElement Schema, JsonElement Doc) Definition(string name) => (_root.GetProperty("definitions").GetProperty(name), _root);

    /// <summary>Resolves a <c>$ref</c> relative to the document it appears in.</summary>
    public (JsonElement Schema, JsonElement Doc) Resolve(string reference, JsonElement doc)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var file = hash > 0 ? Path.GetFileName(reference[..hash]) : null;
        var target = file is null ? doc : _external[file];
        var node = target;
        foreach (var part in reference[(hash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }
        return (node, target);
    }

    /// <summary>Validates <paramref name="instance"/>; returns the problems (empty when valid).</summary>
    public List<string> Validate(JsonElement instance, JsonElement schema, JsonElement doc, string path = "$")
    {
        var errors = new List<string>();
        Check(instance, schema, doc, path, errors);
        return errors;
    }

    private void Check(JsonElement instance, JsonElement schema, JsonElement doc, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var r))
        {
            var (s, d) = Resolve(r.GetString()!, doc);
            Check(instance, s, d, path, errors);
            return;
        }
        if (instance.ValueKind == JsonValueKind.Null)
        {
            return; // the spec marks most fields x-nullable; ARM accepts null as "not set"
        }

        // Polymorphism: pick the subtype named by the discriminator.
        var (effective, effectiveDoc) = PickSubtype(instance, schema, doc);
        var chain = Chain(effective, effectiveDoc).ToList();
        var type = chain.Select(c => c.Schema.TryGetProperty("type", out var t) ? t.GetString() : null).FirstOrDefault(t => t is not null);
        if (type is null && chain.Any(c => c.Schema.TryGetProperty("properties", out _)))
        {
            type = "object";
        }

        switch (type)
        {
            case "object":
                if (instance.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: expected an object, got {instance.ValueKind}");
                    return;
                }
                var declared = new Dictionary<string, (JsonElement Schema, JsonElement Doc)>(StringComparer.Ordinal);
                (JsonElement Schema, JsonElement Doc)? additional = null;
                var required = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (s, d) in chain)
                {
                    if (s.TryGetProperty("properties", out var props))
                    {
                        foreach (var p in props.EnumerateObject())
                        {
                            declared[p.Name] = (p.Value, d);
                        }
                    }
                    if (s.TryGetProperty("required", out var req))
                    {
                        foreach (var n in req.EnumerateArray())
                        {
                            required.Add(n.GetString()!);
                        }
                    }
                    if (s.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.Object)
                    {
                        additional = (ap, d);
                    }
                }
                foreach (var name in required)
                {
                    if (!instance.TryGetProperty(name, out _) && !(declared.TryGetValue(name, out var ds) && IsReadOnly(ds.Schema)))
                    {
                        errors.Add($"{path}: required property '{name}' is missing");
                    }
                }
                foreach (var p in instance.EnumerateObject())
                {
                    if (declared.TryGetValue(p.Name, out var ps))
                    {
                        Check(p.Value, ps.Schema, ps.Doc, $"{path}.{p.Name}", errors);
                    }
                    else if (additional is { } a)
                    {
                        Check(p.Value, a.Schema, a.Doc, $"{path}.{p.Name}", errors);
                    }
                    else if (declared.Count > 0)
                    {
                        errors.Add($"{path}: property '{p.Name}' is not in the schema");
                    }
                }
                break;
            case "array":
                if (instance.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{path}: expected an array, got {instance.ValueKind}");
                    return;
                }
                var items = chain.Select(c => c.Schema.TryGetProperty("items", out var it) ? (it, c.Doc) : ((JsonElement, JsonElement)?)null).FirstOrDefault(x => x is not null);
                var i = 0;
                foreach (var item in instance.EnumerateArray())
                {
                    if (items is { } its)
                    {
                        Check(item, its.Item1, its.Item2, $"{path}[{i}]", errors);
                    }
                    i++;
                }
                break;
            case "string":
                if (instance.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path}: expected a string, got {instance.ValueKind}");
                    return;
                }
                var text = instance.GetString()!;
                foreach (var (s, _) in chain)
                {
                    if (s.TryGetProperty("enum", out var en) && !en.EnumerateArray().Any(e => string.Equals(e.GetString(), text, StringComparison.OrdinalIgnoreCase)))
                    {
                        errors.Add($"{path}: '{text}' is not one of [{string.Join(", ", en.EnumerateArray().Select(e => e.GetString()))}]");
                    }
                    if (s.TryGetProperty("pattern", out var pat) && !Regex.IsMatch(text, pat.GetString()!))
                    {
                        errors.Add($"{path}: '{text}' does not match {pat.GetString()}");
                    }
                }
                break;
            case "integer":
                if (instance.ValueKind != JsonValueKind.Number || !instance.TryGetInt64(out _))
                {
                    errors.Add($"{path}: expected an integer, got {instance}");
                }
                break;
            case "number":
                if (instance.ValueKind != JsonValueKind.Number)
                {
                    errors.Add($"{path}: expected a number, got {instance.ValueKind}");
                }
                break;
            case "boolean":
                if (instance.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path}: expected a boolean, got {instance.ValueKind}");
                }
                break;
        }
    }

    private static bool IsReadOnly(JsonElement schema) => schema.TryGetProperty("readOnly", out var ro) && ro.ValueKind == JsonValueKind.True;

    /// <summary>The schema and the schemas its allOf brings in (transitively).</summary>
    private IEnumerable<(JsonElement Schema, JsonElement Doc)> Chain(JsonElement schema, JsonElement doc)
    {
        if (schema.TryGetProperty("$ref", out var r))
        {
            var (s, d) = Resolve(r.GetString()!, doc);
            foreach (var x in Chain(s, d))
            {
                yield return x;
            }
            yield break;
        }
        yield return (schema, doc);
        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var part in all.EnumerateArray())
            {
                foreach (var x in Chain(part, doc))
                {
                    yield return x;
                }
            }
        }
    }

    private (JsonElement, JsonElement) PickSubtype(JsonElement instance, JsonElement schema, JsonElement doc)
    {
        if (instance.ValueKind != JsonValueKind.Object)
        {
            return (schema, doc);
        }
        foreach (var (s, d) in Chain(schema, doc).ToList())
        {
            if (!s.TryGetProperty("discriminator", out var disc) || !instance.TryGetProperty(disc.GetString()!, out var value))
            {
                continue;
            }
            var baseName = d.GetProperty("definitions").EnumerateObject().FirstOrDefault(p => p.Value.Equals(s) || JsonElement.DeepEquals(p.Value, s)).Name;
            foreach (var def in d.GetProperty("definitions").EnumerateObject())
            {
                var matches = def.Value.TryGetProperty("x-ms-discriminator-value", out var dv) && string.Equals(dv.GetString(), value.GetString(), StringComparison.OrdinalIgnoreCase);
                if (matches && def.Value.TryGetProperty("allOf", out var all)
                    && all.EnumerateArray().Any(a => a.TryGetProperty("$ref", out var ar) && ar.GetString()!.EndsWith("/" + baseName, StringComparison.Ordinal)))
                {
                    return (def.Value, d);
                }
            }
        }
        return (schema, doc);
    }
}
