using System.Net;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Studio.Tests;

/// <summary>The jobs pages over real HTTP on the fixture's local workspace: the list, a job's page, cancel (a POST with the anti-forgery token), the log by server-sent events.</summary>
[Collection(StudioCollection.Name)]
public sealed partial class JobPageTests(StudioFixture f)
{
    private static Uri Rel(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Jobs_are_listed_escaped_and_cancel_needs_a_post_with_the_antiforgery_token()
    {
        var gate = Path.Combine(Path.GetTempPath(), "studio-gate-" + Guid.NewGuid().ToString("N"));
        var job = await f.Workspace.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = $"while [ ! -f '{gate}' ]; do sleep 0.1; done; echo released",
            DisplayName = "waiting " + StudioFixture.Payload,
            ExperimentName = "studio-jobs",
            Compute = "local",
        });
        try
        {
            using var client = await f.AuthenticatedClientAsync();
            var list = await client.GetStringAsync(Rel("/jobs"));
            Assert.Contains("<table id=\"jobs\">", list, StringComparison.Ordinal);
            Assert.Contains(job.Name, list, StringComparison.Ordinal);
            Assert.DoesNotContain(StudioFixture.Payload, list, StringComparison.Ordinal);
            Assert.Contains("waiting &lt;script&gt;", list, StringComparison.Ordinal);
            Assert.Contains($"aria-label=\"Cancel job {job.Name}\"", list, StringComparison.Ordinal);

            var page = await client.GetStringAsync(Rel("/jobs/" + job.Name));
            Assert.Contains("id=\"job-status\"", page, StringComparison.Ordinal);
            Assert.Contains("data-live-job=\"1\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain(StudioFixture.Payload, page, StringComparison.Ordinal);
            var csrf = StudioFixture.Csrf(page);

            using (var forged = await client.PostAsync(Rel($"/jobs/{job.Name}/cancel"), new FormUrlEncodedContent([new("return", "/jobs")])))
            {
                Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
            }
            using (var viaGet = await client.GetAsync(Rel($"/jobs/{job.Name}/cancel")))
            {
                Assert.NotEqual(HttpStatusCode.OK, viaGet.StatusCode);
            }
            Assert.False((await f.Workspace.Jobs.GetAsync(job.Name)).Status is JobStatus.Canceled or JobStatus.CancelRequested);

            using (var cancel = await client.PostAsync(Rel($"/jobs/{job.Name}/cancel"), new FormUrlEncodedContent([new("__csrf", csrf), new("return", "//evil.example/")])))
            {
                Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
                Assert.Equal($"/jobs/{job.Name}", cancel.Headers.Location!.OriginalString);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var ended = await f.Workspace.Jobs.WaitAsync(job.Name, timeout.Token);
            Assert.Equal(JobStatus.Canceled, ended.Status);
            var after = await client.GetStringAsync(Rel("/jobs/" + job.Name));
            Assert.DoesNotContain("data-live-job", after, StringComparison.Ordinal);
            Assert.DoesNotContain($"/jobs/{job.Name}/cancel", after, StringComparison.Ordinal);
        }
        finally
        {
            await File.WriteAllTextAsync(gate, "go");
        }
    }

    [Fact]
    public async Task A_finished_jobs_log_and_state_come_as_server_sent_events()
    {
        var job = await f.Workspace.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "echo line-one; echo '<b>line-two</b>'", ExperimentName = "studio-jobs", Compute = "local" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        Assert.Equal(JobStatus.Completed, (await f.Workspace.Jobs.WaitAsync(job.Name, timeout.Token)).Status);
        using var client = await f.AuthenticatedClientAsync();

        var log = await client.GetStringAsync(Rel($"/api/jobs/{job.Name}/log"), timeout.Token);
        var appended = string.Concat(EventData(log, "append").Select(d => System.Text.Json.JsonSerializer.Deserialize<string>(d)));
        Assert.Contains("line-one\n", appended, StringComparison.Ordinal);
        Assert.Contains("<b>line-two</b>\n", appended, StringComparison.Ordinal);
        Assert.Single(EventData(log, "end"));

        var events = await client.GetStringAsync(Rel($"/api/jobs/{job.Name}/events"), timeout.Token);
        Assert.Contains("\"status\":\"Completed\"", Assert.Single(EventData(events, "update")), StringComparison.Ordinal);
        Assert.Contains("\"terminal\":true", Assert.Single(EventData(events, "end")), StringComparison.Ordinal);

        var page = await client.GetStringAsync(Rel("/jobs/" + job.Name), timeout.Token);
        Assert.Contains($"href=\"/runs/{job.Name}\"", page, StringComparison.Ordinal);
        using var missing = await client.GetAsync(Rel("/jobs/no-such-job"), timeout.Token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    internal static IEnumerable<string> EventData(string stream, string name) =>
        EventRegex().Matches(stream).Where(m => m.Groups[1].Value == name).Select(m => m.Groups[2].Value);

    [GeneratedRegex("event: ([a-z]+)\ndata: ([^\n]*)\n\n")]
    private static partial Regex EventRegex();
}
