using System.Net;
using AzureMlSdk.Backends;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The Emulator serves the studio at /studio over its default workspace (seen through the Remote backend), behind its own token.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorStudioTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task Studio_at_slash_studio_takes_the_emulator_token_and_shows_runs_logged_through_the_remote_backend()
    {
        await using var ws = await Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName,
            new StaticTokenCredential(emulator.Token), new WorkspaceOptions { ResourceManagerEndpoint = emulator.BaseAddress });
        var name = "studio-" + Guid.NewGuid().ToString("N")[..8];
        var exp = await ws.GetOrCreateExperimentAsync(name);
        string runId;
        await using (var run = await exp.StartLoggingAsync(displayName: "remote <b>run</b>"))
        {
            runId = run.Id;
            for (var i = 0; i < 30; i++)
            {
                run.Log("loss", 1.0 / (i + 1), step: i);
            }
        }

        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = emulator.BaseAddress };
        using (var denied = await anonymous.GetAsync(new Uri("/studio/experiments", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        }
        using (var wrong = await anonymous.GetAsync(new Uri("/studio/?token=wrong-token", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = emulator.BaseAddress };
        using (var first = await browser.GetAsync(new Uri("/studio/?token=" + Uri.EscapeDataString(emulator.Token), UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            Assert.Equal("/studio/", first.Headers.Location!.OriginalString);
            Assert.Contains("path=/studio", Assert.Single(first.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        }
        var experiments = await browser.GetStringAsync(new Uri("/studio/experiments", UriKind.Relative));
        Assert.Contains($"href=\"/studio/experiments/{name}\"", experiments, StringComparison.Ordinal);
        var runPage = await browser.GetStringAsync(new Uri("/studio/runs/" + runId, UriKind.Relative));
        Assert.Contains("remote &lt;b&gt;run&lt;/b&gt;", runPage, StringComparison.Ordinal);
        Assert.Contains("data-metric=\"loss\"", runPage, StringComparison.Ordinal);
        Assert.Contains("<script defer src=\"/studio/static/lib/uPlot.iife.min.js\">", runPage, StringComparison.Ordinal);
        var metrics = await browser.GetStringAsync(new Uri($"/studio/api/metrics?run={runId}&key=loss", UriKind.Relative));
        using var doc = System.Text.Json.JsonDocument.Parse(metrics);
        Assert.Equal(30, doc.RootElement.GetProperty("series")[0].GetProperty("x").GetArrayLength());

        // The Emulator's own API is unchanged: the bearer token, not the studio's cookie.
        using var api = await browser.GetAsync(new Uri("/mlflow/v1.0" + EmulatorFixture.WorkspacePath(WorkspaceInfo.LocalName) + "/api/2.0/mlflow/experiments/search?max_results=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }
}
