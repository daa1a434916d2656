namespace AzureMlSdk.Endpoints;

/// <summary>
/// The traffic rules every backend applies (ARM's own): each name a deployment of the endpoint, each weight 0..100,
/// weights summing to 100 or all zero. Shared by the object model, the local backend and the remote backend.
/// </summary>
internal static class EndpointTraffic
{
    /// <summary>Checks names and weights without knowing the endpoint's deployments.</summary>
    public static void ValidateShape(IReadOnlyDictionary<string, int> traffic, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(traffic);
        foreach (var (name, weight) in traffic)
        {
            Validate.DeploymentName(name, parameterName);
            if (weight is < 0 or > 100)
            {
                throw new InvalidInputException($"Traffic for deployment '{name}' is {weight}; use a percent from 0 to 100.", parameterName);
            }
        }
        var sum = traffic.Values.Sum();
        if (sum != 100 && sum != 0)
        {
            throw new InvalidInputException($"Traffic weights sum to {sum} ({string.Join(", ", traffic.Select(t => $"{t.Key}={t.Value}"))}); they must sum to 100, or all be 0.", parameterName);
        }
    }

    /// <summary>
    /// Checks the shape and that every name is one of <paramref name="deploymentNames"/> (case-insensitively); returns the
    /// split keyed by the deployments' own spelling.
    /// </summary>
    public static Dictionary<string, int> Resolve(string endpointName, IReadOnlyDictionary<string, int> traffic, IReadOnlyCollection<string> deploymentNames, string parameterName)
    {
        ValidateShape(traffic, parameterName);
        var result = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var unknown = new List<string>();
        foreach (var (name, weight) in traffic)
        {
            var known = deploymentNames.FirstOrDefault(d => string.Equals(d, name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                unknown.Add(name);
                continue;
            }
            result[known] = weight;
        }
        if (unknown.Count > 0)
        {
            throw new InvalidInputException(
                $"Traffic names deployment(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))} that endpoint '{endpointName}' does not have; it has: {(deploymentNames.Count == 0 ? "none" : string.Join(", ", deploymentNames))}.",
                parameterName);
        }
        return result;
    }
}
