using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// The request-body rules of the ARM spec the Emulator follows (<c>2026-07-01/openapi.json</c> and the common types it refers to,
/// embedded in the assembly), applied to every ARM PUT, PATCH and POST it serves, as the service applies them: the operation is
/// found by method and path template, its body parameter's schema is walked (<c>$ref</c>, <c>allOf</c>, discriminated subtypes),
/// and <c>type</c>, <c>format</c> (int32), <c>required</c> (read-only properties excepted), <c>enum</c> (case-insensitive),
/// <c>pattern</c>, <c>minLength</c>/<c>maxLength</c>, <c>minimum</c>/<c>maximum</c> and <c>minItems</c>/<c>maxItems</c> are checked,
/// plus the path parameters' patterns. Unknown properties are ignored, and <c>null</c> means "not set", as ARM does.
/// <para>
/// The spec bounds no tag or description length, so the Emulator applies Azure's documented ones and its own (README, "Limits"):
/// a tracked resource's <c>tags</c> (the top-level ones of a workspace or an endpoint) at most <see cref="MaxResourceTags"/>
/// pairs, names up to <see cref="MaxResourceTagNameLength"/> and values up to <see cref="MaxResourceTagValueLength"/>
/// characters (Azure Resource Manager's tag limits); an asset's or endpoint's <c>properties.description</c> up to
/// <see cref="MaxDescriptionLength"/> characters, its <c>properties.tags</c> and <c>properties.properties</c> names up to
/// <see cref="MaxAssetKeyLength"/> and tag values up to <see cref="MaxAssetTagValueLength"/> characters (MLflow's model
/// registry limits, which the same models meet through the MLflow routes).
/// </para>
/// </summary>
internal sealed class ArmSchema
{
    /// <summary>Most tags on a tracked resource (Azure Resource Manager).</summary>
    public const int MaxResourceTags = 50;
    /// <summary>Longest tag name on a tracked resource (Azure Resource Manager).</summary>
    public const int MaxResourceTagNameLength = 512;
    /// <summary>Longest tag value on a tracked resource (Azure Resource Manager).</summary>
    public const int MaxResourceTagValueLength = 256;
    /// <summary>Longest <c>properties.description</c>.</summary>
    public const int MaxDescriptionLength = ModelAssetStore.MaxDescriptionLength;
    /// <summary>Longest name in <c>properties.tags</c> / <c>properties.properties</c>.</summary>
    public const int MaxAssetKeyLength = 250;
    /// <summary>Longest value in <c>properties.tags</c>.</summary>
    public const int MaxAssetTagValueLength = 100_000;

    private const int MaxProblems = 5;
    private const string RequiredProblem = "the property is required";
    private static readonly Lazy<ArmSchema> Instance = new(Load);

    private readonly JsonElement _root;
    private readonly Dictionary<string, JsonElement> _external;
    private readonly List<Operation> _operations = [];
    private readonly Dictionary<(string Base, string Value), string> _subtypes = [];
    private readonly Dictionary<string, Regex> _patterns = new(StringComparer.Ordinal);
    private readonly Lock _patternGate = new();

    private sealed record Operation(string Method, string[] Segments, JsonElement? Body, List<(int Index, string Name, string Pattern)> PathPatterns);

    private ArmSchema(JsonElement root, Dictionary<string, JsonElement> external)
    {
        _root = root;
        _external = external;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            var segments = path.Name.Trim('/').Split('/');
            foreach (var op in path.Value.EnumerateObject())
            {
                if (op.Name is not ("put" or "patch" or "post"))
                {
                    continue;
                }
                JsonElement? body = null;
                var patterns = new List<(int, string, string)>();
                if (op.Value.TryGetProperty("parameters", out var parameters))
                {
                    foreach (var raw in parameters.EnumerateArray())
                    {
                        var (parameter, _) = raw.TryGetProperty("$ref", out var r) ? Resolve(r.GetString()!, _root) : (raw, _root);
                        var location = parameter.TryGetProperty("in", out var i) ? i.GetString() : null;
                        if (location == "body" && parameter.TryGetProperty("schema", out var schema))
                        {
                            body = schema;
                        }
                        else if (location == "path" && parameter.TryGetProperty("pattern", out var pattern) && parameter.TryGetProperty("name", out var name))
                        {
                            var index = Array.IndexOf(segments, "{" + name.GetString() + "}");
                            if (index >= 0)
                            {
                                patterns.Add((index, name.GetString()!, pattern.GetString()!));
                            }
                        }
                    }
                }
                _operations.Add(new Operation(op.Name.ToUpperInvariant(), segments, body, patterns));
            }
        }
        foreach (var definition in root.GetProperty("definitions").EnumerateObject())
        {
            if (definition.Value.TryGetProperty("x-ms-discriminator-value", out var value) && definition.Value.TryGetProperty("allOf", out var all))
            {
                foreach (var part in all.EnumerateArray())
                {
                    if (part.TryGetProperty("$ref", out var r) && r.GetString() is { } reference)
                    {
                        _subtypes[(reference[(reference.LastIndexOf('/') + 1)..], value.GetString()!.ToUpperInvariant())] = definition.Name;
                    }
                }
            }
        }
    }

    /// <summary>The spec embedded in the Emulator.</summary>
    public static ArmSchema Default => Instance.Value;

    private static ArmSchema Load()
    {
        var assembly = typeof(ArmSchema).Assembly;
        JsonElement Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"The embedded spec file '{name}' is missing.");
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.Clone();
        }
        var external = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["types.json"] = Read("ArmSpec/types.json"),
            ["managedidentity.json"] = Read("ArmSpec/managedidentity.json"),
        };
        return new ArmSchema(Read("ArmSpec/openapi.json"), external);
    }

    /// <summary>
    /// Checks the body of the request <paramref name="context"/> carries against its operation's schema; throws the 400
    /// <see cref="ArmException"/> (code <c>ValidationError</c>, or ARM's <c>LocationRequired</c>; target the first offending field) that lists the problems.
    /// Requests of operations the spec does not describe pass unchecked.
    /// </summary>
    public void ValidateRequestBody(HttpContext context, JsonElement body)
    {
        var problems = Validate(context.Request.Method, context.Request.Path.Value ?? string.Empty, body);
        if (problems.Contains(("$.location", RequiredProblem)))
        {
            throw new ArmException(400, "LocationRequired", "The location property is required for this definition.", "location");
        }
        if (problems.Contains(("$.properties", RequiredProblem)))
        {
            throw new ArmException(400, "InvalidRequestContent", "The request content must have a 'properties' object.", "properties");
        }
        if (problems.Count > 0)
        {
            var shown = string.Join("; ", problems.Take(MaxProblems).Select(p => $"{p.Path}: {p.Problem}"));
            var more = problems.Count > MaxProblems ? $" (and {problems.Count - MaxProblems} more)" : string.Empty;
            throw new ArmException(400, "ValidationError", $"The request body is invalid: {shown}{more}.", problems[0].Path);
        }
    }

    /// <summary>The problems of <paramref name="body"/> for <paramref name="method"/> <paramref name="path"/> (empty when valid or not described).</summary>
    public List<(string Path, string Problem)> Validate(string method, string path, JsonElement body)
    {
        var problems = new List<(string, string)>();
        var segments = path.Trim('/').Split('/');
        var operation = Find(method, segments);
        if (operation is null)
        {
            return problems;
        }
        foreach (var (index, name, pattern) in operation.PathPatterns)
        {
            if (!Pattern(pattern).IsMatch(segments[index]))
            {
                problems.Add((name, $"'{Shorten(segments[index])}' does not match {pattern}"));
            }
        }
        if (operation.Body is { } schema)
        {
            Check(body, schema, _root, "$", problems);
            ExtraLimits(body, problems);
        }
        return problems;
    }

    private Operation? Find(string method, string[] segments)
    {
        Operation? best = null;
        var bestLiterals = -1;
        foreach (var op in _operations)
        {
            if (op.Segments.Length != segments.Length || !string.Equals(op.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var literals = 0;
            var ok = true;
            for (var i = 0; i < segments.Length && ok; i++)
            {
                var t = op.Segments[i];
                if (t.StartsWith('{'))
                {
                    ok = segments[i].Length > 0;
                }
                else
                {
                    ok = string.Equals(t, segments[i], StringComparison.OrdinalIgnoreCase);
                    literals++;
                }
            }
            if (ok && literals > bestLiterals)
            {
                best = op;
                bestLiterals = literals;
            }
        }
        return best;
    }

    /// <summary>The limits the spec leaves open (see the class summary).</summary>
    private static void ExtraLimits(JsonElement body, List<(string, string)> problems)
    {
        if (body.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object)
        {
            var count = 0;
            foreach (var tag in tags.EnumerateObject())
            {
                count++;
                if (tag.Name.Length > MaxResourceTagNameLength)
                {
                    problems.Add(($"$.tags", $"the tag name '{Shorten(tag.Name)}' is {tag.Name.Length} characters long; the limit is {MaxResourceTagNameLength}"));
                }
                if (tag.Value.ValueKind == JsonValueKind.String && tag.Value.GetString()!.Length is var length && length > MaxResourceTagValueLength)
                {
                    problems.Add(($"$.tags.{Shorten(tag.Name, 64)}", $"the tag value is {length} characters long; the limit is {MaxResourceTagValueLength}"));
                }
            }
            if (count > MaxResourceTags)
            {
                problems.Add(("$.tags", $"{count} tags; a resource may have at most {MaxResourceTags}"));
            }
        }
        if (!body.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (properties.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String
            && description.GetString()!.Length is var descriptionLength && descriptionLength > MaxDescriptionLength)
        {
            problems.Add(("$.properties.description", $"{descriptionLength} characters long; the limit is {MaxDescriptionLength}"));
        }
        foreach (var field in new[] { "tags", "properties" })
        {
            if (!properties.TryGetProperty(field, out var map) || map.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Name.Length > MaxAssetKeyLength)
                {
                    problems.Add(($"$.properties.{field}", $"the name '{Shorten(entry.Name)}' is {entry.Name.Length} characters long; the limit is {MaxAssetKeyLength}"));
                }
                if (field == "tags" && entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString()!.Length is var length && length > MaxAssetTagValueLength)
                {
                    problems.Add(($"$.properties.tags.{Shorten(entry.Name, 64)}", $"the tag value is {length} characters long; the limit is {MaxAssetTagValueLength}"));
                }
            }
        }
    }

    private (JsonElement Schema, JsonElement Doc) Resolve(string reference, JsonElement doc)
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

    private void Check(JsonElement instance, JsonElement schema, JsonElement doc, string path, List<(string, string)> problems, int depth = 0, string? definition = null)
    {
        if (depth > 64)
        {
            return;
        }
        if (schema.TryGetProperty("$ref", out var r))
        {
            var reference = r.GetString()!;
            var (s, d) = Resolve(reference, doc);
            Check(instance, s, d, path, problems, depth + 1, reference.StartsWith("#/definitions/", StringComparison.Ordinal) && doc.Equals(_root) ? reference["#/definitions/".Length..] : null);
            return;
        }
        if (instance.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        var (effective, effectiveDoc) = PickSubtype(instance, schema, doc, definition);
        var chain = Chain(effective, effectiveDoc, 0).ToList();
        var type = chain.Select(c => c.Schema.TryGetProperty("type", out var t) ? t.GetString() : null).FirstOrDefault(t => t is not null);
        if (type is null && chain.Any(c => c.Schema.TryGetProperty("properties", out _) || c.Schema.TryGetProperty("additionalProperties", out _)))
        {
            type = "object";
        }
        switch (type)
        {
            case "object":
                CheckObject(instance, chain, path, problems, depth);
                break;
            case "array":
                if (instance.ValueKind != JsonValueKind.Array)
                {
                    problems.Add((path, $"expected an array, got {Kind(instance)}"));
                    return;
                }
                var length = instance.GetArrayLength();
                foreach (var (s, _) in chain)
                {
                    if (s.TryGetProperty("minItems", out var min) && length < min.GetInt32())
                    {
                        problems.Add((path, $"{length} items; at least {min.GetInt32()} required"));
                    }
                    if (s.TryGetProperty("maxItems", out var max) && length > max.GetInt32())
                    {
                        problems.Add((path, $"{length} items; at most {max.GetInt32()} allowed"));
                    }
                }
                var items = chain.Where(c => c.Schema.TryGetProperty("items", out _)).Select(c => (c.Schema.GetProperty("items"), c.Doc)).FirstOrDefault();
                if (items.Item1.ValueKind != JsonValueKind.Undefined)
                {
                    var i = 0;
                    foreach (var item in instance.EnumerateArray())
                    {
                        Check(item, items.Item1, items.Item2, $"{path}[{i++}]", problems, depth + 1);
                    }
                }
                break;
            case "string":
                if (instance.ValueKind != JsonValueKind.String)
                {
                    problems.Add((path, $"expected a string, got {Kind(instance)}"));
                    return;
                }
                var text = instance.GetString()!;
                foreach (var (s, _) in chain)
                {
                    if (s.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(e => string.Equals(e.GetString(), text, StringComparison.OrdinalIgnoreCase)))
                    {
                        problems.Add((path, $"'{Shorten(text)}' is not one of [{string.Join(", ", values.EnumerateArray().Select(e => e.GetString()))}]"));
                    }
                    if (s.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                    {
                        problems.Add((path, $"{text.Length} characters; at least {minLength.GetInt32()} required"));
                    }
                    if (s.TryGetProperty("maxLength", out var maxLength) && text.Length > maxLength.GetInt32())
                    {
                        problems.Add((path, $"{text.Length} characters long; the limit is {maxLength.GetInt32()}"));
                    }
                    if (s.TryGetProperty("pattern", out var pattern) && !Pattern(pattern.GetString()!).IsMatch(text))
                    {
                        problems.Add((path, $"'{Shorten(text)}' does not match {pattern.GetString()}"));
                    }
                }
                break;
            case "integer":
                if (instance.ValueKind != JsonValueKind.Number || !instance.TryGetInt64(out var integer))
                {
                    problems.Add((path, $"expected an integer, got {Kind(instance)}"));
                    return;
                }
                if (chain.Any(c => c.Schema.TryGetProperty("format", out var f) && f.GetString() == "int32") && integer is < int.MinValue or > int.MaxValue)
                {
                    problems.Add((path, $"{integer} is out of the int32 range"));
                }
                CheckRange(path, integer, chain, problems);
                break;
            case "number":
                if (instance.ValueKind != JsonValueKind.Number || !instance.TryGetDouble(out var number))
                {
                    problems.Add((path, $"expected a number, got {Kind(instance)}"));
                    return;
                }
                CheckRange(path, number, chain, problems);
                break;
            case "boolean":
                if (instance.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add((path, $"expected a boolean, got {Kind(instance)}"));
                }
                break;
        }
    }

    private void CheckObject(JsonElement instance, List<(JsonElement Schema, JsonElement Doc)> chain, string path, List<(string, string)> problems, int depth)
    {
        if (instance.ValueKind != JsonValueKind.Object)
        {
            problems.Add((path, $"expected an object, got {Kind(instance)}"));
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
            if (s.TryGetProperty("required", out var names))
            {
                foreach (var n in names.EnumerateArray())
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
            var present = instance.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;
            if (!present && !(declared.TryGetValue(name, out var ds) && IsReadOnly(ds.Schema, ds.Doc)))
            {
                problems.Add(($"{path}.{name}", RequiredProblem));
            }
        }
        foreach (var p in instance.EnumerateObject())
        {
            if (declared.TryGetValue(p.Name, out var ps))
            {
                if (!IsReadOnly(ps.Schema, ps.Doc))
                {
                    Check(p.Value, ps.Schema, ps.Doc, $"{path}.{p.Name}", problems, depth + 1);
                }
            }
            else if (additional is { } a)
            {
                Check(p.Value, a.Schema, a.Doc, $"{path}.{Shorten(p.Name, 64)}", problems, depth + 1);
            }
        }
    }

    private static void CheckRange(string path, double value, List<(JsonElement Schema, JsonElement Doc)> chain, List<(string, string)> problems)
    {
        foreach (var (s, _) in chain)
        {
            if (s.TryGetProperty("minimum", out var min) && value < min.GetDouble())
            {
                problems.Add((path, $"{value.ToString(CultureInfo.InvariantCulture)} is below the minimum {min.GetRawText()}"));
            }
            if (s.TryGetProperty("maximum", out var max) && value > max.GetDouble())
            {
                problems.Add((path, $"{value.ToString(CultureInfo.InvariantCulture)} is above the maximum {max.GetRawText()}"));
            }
        }
    }

    /// <summary>Read-only properties (ARM ignores them in requests, whatever they hold).</summary>
    private bool IsReadOnly(JsonElement schema, JsonElement doc)
    {
        if (schema.TryGetProperty("readOnly", out var ro) && ro.ValueKind == JsonValueKind.True)
        {
            return true;
        }
        return schema.TryGetProperty("$ref", out var r) && Resolve(r.GetString()!, doc).Schema is var target
            && target.TryGetProperty("readOnly", out var tro) && tro.ValueKind == JsonValueKind.True;
    }

    /// <summary>The schema and those its <c>allOf</c> brings in, transitively.</summary>
    private IEnumerable<(JsonElement Schema, JsonElement Doc)> Chain(JsonElement schema, JsonElement doc, int depth)
    {
        if (depth > 32)
        {
            yield break;
        }
        if (schema.TryGetProperty("$ref", out var r))
        {
            var (s, d) = Resolve(r.GetString()!, doc);
            foreach (var x in Chain(s, d, depth + 1))
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
                foreach (var x in Chain(part, doc, depth + 1))
                {
                    yield return x;
                }
            }
        }
    }

    /// <summary>The subtype a discriminated object names (its <c>x-ms-discriminator-value</c>), or the schema itself.</summary>
    private (JsonElement, JsonElement) PickSubtype(JsonElement instance, JsonElement schema, JsonElement doc, string? definition)
    {
        if (instance.ValueKind != JsonValueKind.Object || definition is null)
        {
            return (schema, doc);
        }
        var current = schema;
        var baseName = definition;
        for (var hop = 0; hop < 4; hop++)
        {
            var discriminator = Chain(current, doc, 0).Select(c => c.Schema.TryGetProperty("discriminator", out var d) ? d.GetString() : null).FirstOrDefault(d => d is not null);
            if (discriminator is null || !instance.TryGetProperty(discriminator, out var value) || value.ValueKind != JsonValueKind.String
                || !_subtypes.TryGetValue((baseName, value.GetString()!.ToUpperInvariant()), out var subtype))
            {
                break;
            }
            current = _root.GetProperty("definitions").GetProperty(subtype);
            baseName = subtype;
        }
        return (current, doc);
    }

    private Regex Pattern(string pattern)
    {
        lock (_patternGate)
        {
            if (!_patterns.TryGetValue(pattern, out var regex))
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                _patterns[pattern] = regex;
            }
            return regex;
        }
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "the number " + Shorten(e.GetRawText(), 32),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Shorten(string value, int max = 80) => value.Length <= max ? value : string.Concat(value.AsSpan(0, max), "...");
}
