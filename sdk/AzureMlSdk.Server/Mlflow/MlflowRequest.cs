using System.Globalization;
using System.Text.Json;
using AzureMlSdk.Server.Hosting;
using Microsoft.Extensions.Primitives;

namespace AzureMlSdk.Server.Mlflow;

/// <summary>An error to answer on the MLflow surface (<c>{error_code, message}</c> with MLflow's HTTP status).</summary>
internal sealed class MlflowException(string errorCode, string message) : Exception(message), IPublicError
{
    public string ErrorCode { get; } = errorCode;

    /// <summary>MLflow's mapping of error codes to HTTP statuses (<c>mlflow/exceptions.py</c>).</summary>
    public static int StatusOf(string errorCode) => errorCode switch
    {
        "RESOURCE_DOES_NOT_EXIST" or "NOT_FOUND" or "ENDPOINT_NOT_FOUND" => 404,
        "RESOURCE_ALREADY_EXISTS" or "INVALID_PARAMETER_VALUE" or "INVALID_STATE" or "MALFORMED_REQUEST" or "BAD_REQUEST" or "INVALID_REQUEST" => 400,
        "ALREADY_EXISTS" or "ABORTED" or "RESOURCE_CONFLICT" => 409,
        "UNAUTHENTICATED" or "CUSTOMER_UNAUTHORIZED" => 401,
        "PERMISSION_DENIED" => 403,
        "REQUEST_LIMIT_EXCEEDED" or "RESOURCE_EXHAUSTED" => 429,
        "TEMPORARILY_UNAVAILABLE" or "SERVICE_UNDER_MAINTENANCE" or "WORKSPACE_TEMPORARILY_UNAVAILABLE" => 503,
        "DEADLINE_EXCEEDED" => 504,
        "CANCELLED" => 499,
        "NOT_IMPLEMENTED" or "FEATURE_DISABLED" => 501,
        _ => 500,
    };

    public static MlflowException Invalid(string message) => new("INVALID_PARAMETER_VALUE", message);

    public static MlflowException Missing(string field) =>
        Invalid($"Missing value for required parameter '{field}'. See the API docs for more information about request parameters.");

    /// <summary>A value of the wrong type; the value is quoted shortened (as MLflow does), never whole.</summary>
    public static MlflowException BadType(string field, string value, string type) =>
        Invalid($"Invalid value {Wire.Truncate(value)} for parameter '{field}' supplied. Hint: Value was of type '{type}'. See the API docs for more information about request parameters.");
}

/// <summary>
/// The fields of one MLflow request: the JSON body of a POST, the query string of a GET (repeated keys for lists).
/// Types follow the protos: strings must be JSON strings; int64 accept numbers or numeric strings (proto JSON);
/// doubles accept numbers and "NaN"/"Infinity"/"-Infinity".
/// </summary>
internal sealed class MlflowRequest
{
    private readonly JsonElement? _body;
    private readonly IQueryCollection? _query;

    private MlflowRequest(JsonElement? body, IQueryCollection? query)
    {
        _body = body;
        _query = query;
    }

    public static async Task<MlflowRequest> ReadAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method))
        {
            return new MlflowRequest(null, context.Request.Query);
        }
        CheckContentType(context.Request);
        var body = await Wire.ReadBodyAsync(context).ConfigureAwait(false);
        if (Wire.IsBlank(body))
        {
            return new MlflowRequest(JsonDocument.Parse("{}").RootElement.Clone(), null);
        }
        try
        {
            using var doc = Wire.ParseJson(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new MlflowException("MALFORMED_REQUEST", "The request body must be a JSON object.");
            }
            return new MlflowRequest(doc.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            // Invalid UTF-8 lands here too: as MLflow, a 400, and never the parser's own text.
            throw new MlflowException("MALFORMED_REQUEST", $"Malformed request body: {Wire.JsonSyntaxMessage(ex)}");
        }
    }

    /// <summary>MLflow's <c>_validate_content_type</c>: a POST or PUT says its body is <c>application/json</c>.</summary>
    private static void CheckContentType(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method) && !HttpMethods.IsPut(request.Method))
        {
            return;
        }
        var contentType = request.ContentType;
        if (string.IsNullOrWhiteSpace(contentType))
        {
            throw MlflowException.Invalid("Bad Request. Content-Type header is missing.");
        }
        var mediaType = contentType.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowException.Invalid("Bad Request. Content-Type must be one of ['application/json'].");
        }
    }

    private bool TryGet(string field, out JsonElement element)
    {
        element = default;
        return _body is { } body && body.TryGetProperty(field, out element) && element.ValueKind != JsonValueKind.Null;
    }

    private string? QueryValue(string field) => _query is not null && _query.TryGetValue(field, out var v) && v.Count > 0 ? v[^1] : null;

    public bool Has(string field) => _query is not null ? QueryValue(field) is not null : TryGet(field, out _);

    public string? String(string field)
    {
        if (_query is not null)
        {
            return QueryValue(field);
        }
        if (!TryGet(field, out var e))
        {
            return null;
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw MlflowException.BadType(field, e.GetRawText(), TypeName(e));
    }

    public string RequiredString(string field) =>
        String(field) is { Length: > 0 } value ? value : throw MlflowException.Missing(field);

    /// <summary>The run id, from <c>run_id</c> or the deprecated <c>run_uuid</c>.</summary>
    public string RunId() => String("run_id") is { Length: > 0 } id ? id : String("run_uuid") is { Length: > 0 } uuid ? uuid : throw MlflowException.Missing("run_id");

    public long? Long(string field)
    {
        if (_query is not null)
        {
            var text = QueryValue(field);
            if (text is null)
            {
                return null;
            }
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : throw MlflowException.BadType(field, text, "str");
        }
        if (!TryGet(field, out var e))
        {
            return null;
        }
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var number))
        {
            return number;
        }
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18)
        {
            return (long)d;
        }
        if (e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed; // proto JSON writes int64 as strings
        }
        throw MlflowException.BadType(field, e.GetRawText(), TypeName(e));
    }

    /// <summary>A field that is a string or a number (a proto enum: its name, or its number), as text.</summary>
    public string? EnumText(string field)
    {
        if (_query is not null)
        {
            return QueryValue(field);
        }
        if (!TryGet(field, out var e))
        {
            return null;
        }
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            _ => throw MlflowException.BadType(field, e.GetRawText(), TypeName(e)),
        };
    }

    /// <summary>A bool field: JSON true/false, or "true"/"false" (a query string, proto JSON).</summary>
    public bool? Bool(string field)
    {
        if (_query is not null)
        {
            var text = QueryValue(field);
            return text is null ? null : bool.TryParse(text, out var b) ? b : throw MlflowException.BadType(field, text, "str");
        }
        if (!TryGet(field, out var e))
        {
            return null;
        }
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(e.GetString(), out var parsed) => parsed,
            _ => throw MlflowException.BadType(field, e.GetRawText(), TypeName(e)),
        };
    }

    public IReadOnlyList<string> Strings(string field)
    {
        if (_query is not null)
        {
            return _query.TryGetValue(field, out StringValues values) ? values.Where(v => v is not null).Select(v => v!).ToList() : [];
        }
        if (!TryGet(field, out var e))
        {
            return [];
        }
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw MlflowException.BadType(field, e.GetRawText(), TypeName(e));
        }
        return e.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : throw MlflowException.BadType(field, i.GetRawText(), TypeName(i))).ToList();
    }

    /// <summary>A repeated message field (metrics, params, tags) of a POST body.</summary>
    public IReadOnlyList<JsonElement> Objects(string field)
    {
        if (!TryGet(field, out var e))
        {
            return [];
        }
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw MlflowException.BadType(field, e.GetRawText(), TypeName(e));
        }
        return e.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.Object ? i : throw MlflowException.BadType(field, i.GetRawText(), TypeName(i))).ToList();
    }

    /// <summary>A top-level double field (log-metric's value).</summary>
    public double DoubleField(string field)
    {
        if (_query is not null)
        {
            var text = QueryValue(field) ?? throw MlflowException.Missing(field);
            return Double(JsonDocument.Parse(JsonSerializer.Serialize(text, MlflowRequestJsonContext.Default.String)).RootElement, field);
        }
        return TryGet(field, out var e) ? Double(e, field) : throw MlflowException.Missing(field);
    }

    /// <summary>A double (metric value): a number or proto JSON's "NaN", "Infinity", "-Infinity".</summary>
    public static double Double(JsonElement e, string field, long? timestamp = null)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            // A literal beyond double's range (1e400) is ±Infinity, as Python's json reads it.
            return e.TryGetDouble(out var number) ? number
                : double.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        if (e.ValueKind == JsonValueKind.String)
        {
            var text = e.GetString();
            switch (text)
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return d;
            }
        }
        var ts = timestamp?.ToString(CultureInfo.InvariantCulture) ?? "None";
        throw MlflowException.Invalid($"Got invalid value {Wire.Truncate(e.GetRawText())} for metric '{Wire.Truncate(field)}' (timestamp={ts}). Please specify value as a valid double (64-bit floating point)");
    }

    /// <summary>A field of a nested object, as a string.</summary>
    public static string? NestedString(JsonElement obj, string field, string owner)
    {
        if (!obj.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw MlflowException.BadType($"{owner}.{field}", e.GetRawText(), TypeName(e));
    }

    /// <summary>A field of a nested object, as an int64.</summary>
    public static long? NestedLong(JsonElement obj, string field, string owner)
    {
        if (!obj.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n))
        {
            return n;
        }
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18)
        {
            return (long)d; // proto JSON takes an integral float (5.0) for an int64
        }
        if (e.ValueKind == JsonValueKind.String && long.TryParse(e.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }
        throw MlflowException.BadType($"{owner}.{field}", e.GetRawText(), TypeName(e));
    }

    private static string TypeName(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => "str",
        JsonValueKind.Number => e.TryGetInt64(out _) ? "int" : "float",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Array => "list",
        JsonValueKind.Object => "dict",
        _ => "NoneType",
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class MlflowRequestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
