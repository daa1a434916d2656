using System.Collections.Concurrent;
using System.Reflection;

namespace AzureMlSdk.Backends.Remote.Http;

/// <summary>
/// Declares on a Refit interface method that its request may be sent again after an unknown outcome (a lost reply, a
/// 5xx, an attempt timeout): replaying it changes nothing the caller can observe. Say why in <paramref name="reason"/>.
/// The resilience pipeline retries such a call on every transient outcome.
/// </summary>
/// <param name="reason">Why a replay is harmless (e.g. "read-only", "PUT of the full resource", "points are unique on (key, timestamp, step, value)").</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class RetrySafeAttribute(string reason) : Attribute
{
    /// <summary>Why a replay is harmless.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Declares on a Refit interface method that its request must not be replayed after an unknown outcome (it creates
/// something, or starts work, each time it is applied). The resilience pipeline retries it only on 429, which the server
/// answers before it applies anything.
/// </summary>
/// <param name="reason">What a replay would do (e.g. "a second run", "a second job").</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
internal sealed class NotRetrySafeAttribute(string reason) : Attribute
{
    /// <summary>What a replay would do.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// Decides whether a request may be replayed, in this order:
/// <list type="number">
/// <item>the request option <see cref="OptionName"/> (a <see cref="bool"/>) when set — per call, e.g. through a Refit
///   <c>[Property(RetrySafety.OptionName)] bool retrySafe</c> parameter, or by code that made one particular create idempotent;</item>
/// <item>the <see cref="RetrySafeAttribute"/> / <see cref="NotRetrySafeAttribute"/> declared on the Refit method that built the
///   request (Refit stamps every request with its interface type and method name);</item>
/// <item>a conditional create (<c>If-None-Match: *</c>) is not replayed whatever its method says: a replay after a lost reply
///   is answered 412 for the resource the first attempt created (a store that reconciles that sets the option);</item>
/// <item>otherwise HTTP's own rule: GET, HEAD, OPTIONS, PUT and DELETE are idempotent; POST and PATCH are not.</item>
/// </list>
/// </summary>
internal static class RetrySafety
{
    /// <summary>The request option that overrides the declaration for one call.</summary>
    public const string OptionName = "AzureMl.RetrySafe";

    /// <summary>Typed key of <see cref="OptionName"/>.</summary>
    public static readonly HttpRequestOptionsKey<bool> OptionKey = new(OptionName);

    private static readonly HttpRequestOptionsKey<Type> InterfaceKey = new(Refit.HttpRequestMessageOptions.InterfaceType);
    private static readonly HttpRequestOptionsKey<string> MethodKey = new(Refit.HttpRequestMessageOptions.MethodName);
    private static readonly ConcurrentDictionary<(Type Interface, string Method), bool?> Declared = new();

    /// <summary>True when the request may be sent again after an unknown outcome.</summary>
    public static bool IsReplaySafe(HttpRequestMessage? request)
    {
        if (request is null)
        {
            return false;
        }
        if (request.Options.TryGetValue(OptionKey, out var explicitly))
        {
            return explicitly;
        }
        if (request.Headers.IfNoneMatch.Any(t => t.Tag == "*"))
        {
            return false;
        }
        if (Declaration(request) is { } declared)
        {
            return declared;
        }
        var method = request.Method;
        return method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
            || method == HttpMethod.Put || method == HttpMethod.Delete;
    }

    /// <summary>The declaration on the Refit method that built <paramref name="request"/>; null when it has none or the request is not Refit's.</summary>
    public static bool? Declaration(HttpRequestMessage request) =>
        request.Options.TryGetValue(InterfaceKey, out var type) && request.Options.TryGetValue(MethodKey, out var name)
            ? Declared.GetOrAdd((type, name), static key => Read(key.Interface, key.Method))
            : null;

    /// <summary>The declaration of one interface method: true (retry-safe), false (not), null (undeclared).</summary>
    public static bool? Read(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var safe = method.GetCustomAttribute<RetrySafeAttribute>() is not null;
        var notSafe = method.GetCustomAttribute<NotRetrySafeAttribute>() is not null;
        return safe == notSafe ? null : safe;
    }

    private static bool? Read(Type type, string name)
    {
        // Refit interfaces here have no overloads (a test checks); an ambiguous name counts as undeclared.
        var candidates = type.GetMethods().Where(m => m.Name == name).ToList();
        return candidates.Count == 1 ? Read(candidates[0]) : null;
    }
}
