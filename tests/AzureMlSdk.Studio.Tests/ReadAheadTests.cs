using System.Text.Json.Nodes;

namespace AzureMlSdk.Studio.Tests;

/// <summary>
/// A run's page reads its charts' series ahead (while the browser loads the page and its scripts); the metric API then answers from
/// that read — unless the metric changed since, when it reads again: the chart never shows a series older than the request.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class ReadAheadTests(StudioFixture f)
{
    private static Uri Rel(string path) => new(path, UriKind.Relative);

    private static async Task<(int Total, double LastY)> SeriesAsync(HttpClient client, string run, string key)
    {
        var body = JsonNode.Parse(await client.GetStringAsync(Rel($"/api/metrics?run={run}&key={key}")))!;
        var series = body["series"]![0]!;
        var ys = series["y"]!.AsArray();
        return ((int)series["total"]!, (double)ys[^1]!);
    }

    [Fact]
    public async Task The_metric_api_answers_what_was_logged_after_the_page_started_its_read_ahead()
    {
        var run = await f.Experiment.StartLoggingAsync(displayName: "read-ahead");
        try
        {
            for (var i = 0; i < 3_000; i++)
            {
                run.Log("curve", i, step: i);
            }
            await run.FlushAsync();
            using var client = await f.AuthenticatedClientAsync();

            // The page starts reading 'curve' (3,000 points); more points come before the chart asks.
            _ = await client.GetStringAsync(Rel("/runs/" + run.Id));
            run.Log("curve", 99_999, step: 3_000);
            await run.FlushAsync();
            var (total, last) = await SeriesAsync(client, run.Id, "curve");
            Assert.Equal(3_001, total);
            Assert.Equal(99_999, last);

            // Unchanged since the page: the same series, downsampled to the studio's 2,000 points.
            _ = await client.GetStringAsync(Rel("/runs/" + run.Id));
            (total, last) = await SeriesAsync(client, run.Id, "curve");
            Assert.Equal(3_001, total);
            Assert.Equal(99_999, last);
        }
        finally
        {
            await run.CompleteAsync();
        }
    }
}
