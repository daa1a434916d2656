using System.Net.Http.Headers;
using AzureMlSdk.Backends.Remote.Http;
using Refit;

namespace AzureMlSdk.Backends.Remote.Scoring;

/// <summary>An online endpoint's scoring route: <c>POST {scoringUri}</c> with <c>Authorization: Bearer &lt;key or token&gt;</c>
/// and, to pin a deployment, <c>azureml-model-deployment</c>.</summary>
internal interface IScoringApi
{
    [NotRetrySafe("runs the user's model, which may have side effects or be billed per call")]
    [Post("/{**path}")]
    Task<HttpResponseMessage> ScoreAsync(string path, [Body] HttpContent body, [Header("Authorization")] string authorization,
        [Header("azureml-model-deployment")] string? deployment, CancellationToken cancellationToken);
}

/// <summary>Calls one endpoint's scoring URI. The key or token is sent only to that URI's host and never logged.</summary>
internal sealed class ScoringClient
{
    private readonly IScoringApi _api;
    private readonly string _path;

    /// <summary>Creates a client for <paramref name="scoringUri"/> over a client for its authority (<see cref="Http.AzureMlHttpClientNames.Scoring"/>).</summary>
    public ScoringClient(HttpClient http, Uri scoringUri)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(scoringUri);
        _api = RestService.ForGenerated<IScoringApi>(http, RemoteHttp.Settings(ScoringJsonContext.Default));
        _path = scoringUri.AbsolutePath.TrimStart('/');
    }

    /// <summary>The authority part of a scoring URI, the base address of its client.</summary>
    public static Uri BaseOf(Uri scoringUri) => new(scoringUri.GetLeftPart(UriPartial.Authority));

    /// <summary>Posts <paramref name="requestJson"/> and returns the reply body; failures become the SDK's typed errors.</summary>
    public async Task<string> InvokeAsync(string requestJson, string keyOrToken, string? deploymentName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestJson);
        Validate.Required(keyOrToken, nameof(keyOrToken));
        using var content = new StringContent(requestJson, new MediaTypeHeaderValue("application/json"));
        using var response = await _api.ScoreAsync(_path, content, "Bearer " + keyOrToken, deploymentName, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await RemoteErrors.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
        }
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class ScoringJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
