using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Studio.Tests;

/// <summary>The studio over real HTTP: the token, anti-forgery, escaping, hidden keys, the APIs the pages use.</summary>
[Collection(StudioCollection.Name)]
public sealed class StudioHttpTests(StudioFixture f)
{
    private static Uri Rel(string path) => new(path, UriKind.Relative);

    [Fact]
    public void The_ready_line_is_exactly_one_line_with_the_picked_port_and_the_token()
    {
        var lines = f.ReadyOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var m = Regex.Match(lines[0].TrimEnd('\r'), "^AzureMlSdk Studio listening on http://127\\.0\\.0\\.1:(\\d+)/\\?token=([A-Za-z0-9_-]{40,})$");
        Assert.True(m.Success, lines[0]);
        Assert.Equal(f.Server.Port, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEqual(0, f.Server.Port);
        Assert.Equal(f.Server.Token, m.Groups[2].Value);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/experiments")]
    [InlineData("GET", "/experiments/studio-tests")]
    [InlineData("GET", "/models")]
    [InlineData("GET", "/endpoints")]
    [InlineData("GET", "/endpoints/studio-ep")]
    [InlineData("GET", "/compare?runs=a&runs=b")]
    [InlineData("GET", "/static/studio.js")]
    [InlineData("GET", "/static/lib/uPlot.iife.min.js")]
    [InlineData("GET", "/api/experiments")]
    [InlineData("GET", "/api/metrics?run=x&key=loss")]
    [InlineData("GET", "/no/such/page")]
    [InlineData("POST", "/endpoints/studio-ep/keys")]
    [InlineData("POST", "/models/studio-model/versions/1/aliases")]
    [InlineData("GET", "/jobs")]
    [InlineData("GET", "/jobs/some-job")]
    [InlineData("GET", "/api/jobs/some-job/events")]
    [InlineData("GET", "/api/jobs/some-job/log")]
    [InlineData("POST", "/jobs/some-job/cancel")]
    public async Task Every_page_and_api_answers_401_without_the_token(string method, string path)
    {
        using var client = f.AnonymousClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), Rel(path));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("studio-model", body, StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(new HttpMethod(method), Rel(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "token=not-the-token-0123456789"));
        using var wrongResponse = await client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
    }

    [Fact]
    public async Task The_token_in_the_url_sets_a_strict_httponly_cookie_and_leaves_the_address_bar()
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = f.Server.BaseAddress };
        using var first = await client.GetAsync(Rel("/experiments?archived=1&token=" + f.Server.Token));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/experiments?archived=1", first.Headers.Location!.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = await client.GetAsync(Rel("/experiments"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("studio-tests", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("same-origin", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bearer_header_authenticates_api_calls()
    {
        using var client = f.AnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Rel("/api/experiments"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", f.Server.Token);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(doc.RootElement.GetProperty("experiments").EnumerateArray(), e => e.GetProperty("name").GetString() == "studio-tests");
    }

    [Fact]
    public async Task Names_tags_params_and_properties_are_html_escaped_on_every_page()
    {
        using var client = await f.AuthenticatedClientAsync();
        var pages = new[]
        {
            "/experiments",
            "/experiments/studio-tests?colsset=1&cols=params.payload&cols=metrics.loss",
            "/runs/" + f.Baseline.Id,
            "/runs/" + f.Baseline.Id + "/artifacts?path=outputs/notes.txt",
            "/compare?runs=" + f.Baseline.Id + "&runs=" + f.Variant.Id,
            "/models/studio-model",
            "/models/studio-model/versions/1",
        };
        foreach (var path in pages)
        {
            var html = await client.GetStringAsync(Rel(path));
            Assert.False(html.Contains("<script>alert", StringComparison.OrdinalIgnoreCase), path);
            Assert.True(html.Contains("&lt;script&gt;alert(", StringComparison.Ordinal), path);
        }
        Assert.DoesNotContain("<script>alert", await client.GetStringAsync(Rel("/models")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_run_page_shows_status_params_tags_properties_charts_images_tables_artifacts_and_children()
    {
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel("/runs/" + f.Baseline.Id));
        Assert.Contains("id=\"run-status\"", html, StringComparison.Ordinal);
        Assert.Contains(">Completed<", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\">lr</th><td>0.01</td>", html, StringComparison.Ordinal);
        Assert.Matches("class=\"chart\" role=\"img\" aria-label=\"Chart of metric loss[^\"]*\" data-metric=\"loss\"", html);
        Assert.Contains("<img loading=\"lazy\" src=\"/api/runs/" + f.Baseline.Id + "/artifact?path=images%2Fcurve.png\"", html, StringComparison.Ordinal);
        Assert.Contains("<caption>epochs</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">epoch</th>", html, StringComparison.Ordinal);
        Assert.Contains(">notes.txt</a>", html, StringComparison.Ordinal);
        Assert.Contains("fold-1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-live-run", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runs_table_filters_with_mlflow_syntax_sorts_and_reports_a_bad_filter()
    {
        using var client = await f.AuthenticatedClientAsync();
        var filtered = await client.GetStringAsync(Rel("/experiments/studio-tests?filter=" + Uri.EscapeDataString("params.lr = '0.1'")));
        Assert.Contains(">variant</a>", filtered, StringComparison.Ordinal);
        Assert.DoesNotContain(">long</a>", filtered, StringComparison.Ordinal);

        var sorted = await client.GetStringAsync(Rel("/experiments/studio-tests?order=" + Uri.EscapeDataString("metrics.accuracy DESC") + "&filter=" + Uri.EscapeDataString("metrics.accuracy > 0")));
        Assert.True(sorted.IndexOf("baseline", StringComparison.Ordinal) < sorted.IndexOf(">variant<", StringComparison.Ordinal));
        Assert.Contains("aria-sort=\"descending\"", sorted, StringComparison.Ordinal);
        var ascending = await client.GetStringAsync(Rel("/experiments/studio-tests?order=" + Uri.EscapeDataString("metrics.accuracy ASC") + "&filter=" + Uri.EscapeDataString("metrics.accuracy > 0")));
        Assert.True(ascending.IndexOf(">variant<", StringComparison.Ordinal) < ascending.IndexOf("baseline", StringComparison.Ordinal));

        using var bad = await client.GetAsync(Rel("/experiments/studio-tests?filter=" + Uri.EscapeDataString("metrics.loss <> <script>")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badHtml = await bad.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", badHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", badHtml.Replace("<script defer src=", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chosen_columns_show_those_params_and_metrics()
    {
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel("/experiments/studio-tests?colsset=1&cols=params.optimizer&cols=metrics.accuracy"));
        var head = html[html.IndexOf("<thead>", html.IndexOf("id=\"runs\"", StringComparison.Ordinal), StringComparison.Ordinal)..html.IndexOf("</thead>", html.IndexOf("id=\"runs\"", StringComparison.Ordinal), StringComparison.Ordinal)];
        Assert.Contains(">optimizer</a>", head, StringComparison.Ordinal);
        Assert.Contains(">accuracy</a>", head, StringComparison.Ordinal);
        Assert.DoesNotContain(">lr</a>", head, StringComparison.Ordinal);
        Assert.Contains("<td>0.91</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_series_are_downsampled_on_the_server_keeping_ends_and_the_spike()
    {
        using var client = await f.AuthenticatedClientAsync();
        var json = await client.GetStringAsync(Rel("/api/metrics?run=" + f.LongRun.Id + "&key=signal"));
        using var doc = JsonDocument.Parse(json);
        var s = doc.RootElement.GetProperty("series")[0];
        Assert.Equal(StudioFixture.LongPoints, s.GetProperty("total").GetInt32());
        var x = s.GetProperty("x").EnumerateArray().Select(e => e.GetDouble()).ToList();
        var y = s.GetProperty("y").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(2000, x.Count);
        Assert.Equal(0, x[0]);
        Assert.Equal(StudioFixture.LongPoints - 1, x[^1]);
        Assert.Contains(12_345d, x);
        Assert.True(y.Max() > 9);

        var shortJson = await client.GetStringAsync(Rel($"/api/metrics?run={f.Baseline.Id}&run={f.Variant.Id}&key=loss&x=time"));
        using var shortDoc = JsonDocument.Parse(shortJson);
        Assert.Equal("time", shortDoc.RootElement.GetProperty("x").GetString());
        Assert.All(shortDoc.RootElement.GetProperty("series").EnumerateArray(), e => Assert.Equal(StudioFixture.LossPoints, e.GetProperty("x").GetArrayLength()));
    }

    [Fact]
    public async Task Keys_are_in_no_page_until_revealed_by_a_post_with_the_antiforgery_token()
    {
        var keys = await f.Endpoint.GetKeysAsync();
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel("/endpoints/studio-ep"));
        Assert.DoesNotContain(keys.PrimaryKey, html, StringComparison.Ordinal);
        Assert.DoesNotContain(keys.SecondaryKey, html, StringComparison.Ordinal);
        Assert.Contains("Reveal keys", html, StringComparison.Ordinal);

        using var forged = await client.PostAsync(Rel("/endpoints/studio-ep/keys"), new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.DoesNotContain(keys.PrimaryKey, await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var revealed = await client.PostAsync(Rel("/endpoints/studio-ep/keys"), new FormUrlEncodedContent([new("__csrf", StudioFixture.Csrf(html))]));
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        var shown = await revealed.Content.ReadAsStringAsync();
        Assert.Contains(keys.PrimaryKey, shown, StringComparison.Ordinal);
        Assert.Contains(keys.SecondaryKey, shown, StringComparison.Ordinal);
        Assert.Equal("no-store", revealed.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task State_changes_need_a_post_with_the_antiforgery_token_from_the_same_origin()
    {
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel("/models/studio-model/versions/1"));
        var csrf = StudioFixture.Csrf(html);

        using var noToken = await client.PostAsync(Rel("/models/studio-model/versions/1/aliases"), new FormUrlEncodedContent([new("alias", "forged")]));
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, Rel("/models/studio-model/versions/1/aliases")) { Content = new FormUrlEncodedContent([new("alias", "forged"), new("__csrf", csrf)]) };
        crossSite.Headers.Add("Origin", "http://evil.example");
        using var crossResponse = await client.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, crossResponse.StatusCode);

        using var viaGet = await client.GetAsync(Rel("/models/studio-model/versions/1/aliases?alias=forged"));
        Assert.NotEqual(HttpStatusCode.OK, viaGet.StatusCode);
        Assert.DoesNotContain("forged", (await f.Workspace.GetModelAsync("studio-model", 1)).Aliases);

        using var ok = await client.PostAsync(Rel("/models/studio-model/versions/1/aliases"), new FormUrlEncodedContent([new("alias", "staging"), new("__csrf", csrf)]));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Contains("staging", (await f.Workspace.GetModelAsync("studio-model", 1)).Aliases);
    }

    [Fact]
    public async Task Artifacts_preview_as_text_and_json_images_inline_and_html_only_as_a_download()
    {
        using var client = await f.AuthenticatedClientAsync();
        var json = await client.GetStringAsync(Rel($"/runs/{f.Baseline.Id}/artifacts?path=outputs/config.json"));
        Assert.Contains("&quot;layers&quot;", json, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;net&lt;/b&gt;", json, StringComparison.Ordinal);

        using var image = await client.GetAsync(Rel($"/api/runs/{f.Baseline.Id}/artifact?path=images/curve.png"));
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal(StudioFixture.Png1x1, await image.Content.ReadAsByteArrayAsync());

        using var htmlArtifact = await client.GetAsync(Rel($"/api/runs/{f.Baseline.Id}/artifact?path=outputs/page.html"));
        Assert.Equal("application/octet-stream", htmlArtifact.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", htmlArtifact.Content.Headers.ContentDisposition!.DispositionType);

        using var missing = await client.GetAsync(Rel($"/runs/{f.Baseline.Id}/artifacts?path=outputs/none.txt"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_model_version_shows_aliases_tags_its_run_and_downloads_as_a_zip()
    {
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel("/models/studio-model/versions/1"));
        Assert.Contains("production", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/runs/" + f.Baseline.Id + "\"", html, StringComparison.Ordinal);
        using var zip = await client.GetAsync(Rel("/models/studio-model/versions/1/download"));
        Assert.Equal("application/zip", zip.Content.Headers.ContentType!.MediaType);
        using var archive = new System.IO.Compression.ZipArchive(await zip.Content.ReadAsStreamAsync());
        Assert.Contains(archive.Entries, e => e.Name == "model.onnx" && e.Length > 0);
    }

    [Fact]
    public async Task A_running_run_streams_updates_then_ends_by_server_sent_events()
    {
        var run = await f.Experiment.StartLoggingAsync(displayName: "live");
        run.Log("live_loss", 1.0, step: 0);
        await run.FlushAsync();
        using var client = await f.AuthenticatedClientAsync();
        var page = await client.GetStringAsync(Rel("/runs/" + run.Id));
        Assert.Contains("data-live-run=\"" + run.Id + "\"", page, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.GetAsync(Rel($"/api/runs/{run.Id}/events"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        async Task<(string Event, string Data)> NextAsync()
        {
            string? name = null;
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
                {
                    return (name, line[6..]);
                }
            }
            throw new EndOfStreamException();
        }
        var first = await NextAsync();
        Assert.Equal("update", first.Event);
        Assert.Contains("\"Running\"", first.Data, StringComparison.Ordinal);

        run.Log("live_loss", 0.5, step: 1);
        await run.FlushAsync();
        var second = await NextAsync();
        Assert.Equal("update", second.Event);
        Assert.Contains("\"step\":1", second.Data, StringComparison.Ordinal);

        await run.CompleteAsync();
        (string Event, string Data) e;
        do
        {
            e = await NextAsync();
        }
        while (e.Event == "update" && !e.Data.Contains("Completed", StringComparison.Ordinal));
        if (e.Event == "update")
        {
            e = await NextAsync();
        }
        Assert.Equal("end", e.Event);
        Assert.Contains("Completed", e.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_draws_parallel_coordinates_and_scatters_of_numeric_params_against_a_metric()
    {
        using var client = await f.AuthenticatedClientAsync();
        var html = await client.GetStringAsync(Rel($"/compare?runs={f.Baseline.Id},{f.Variant.Id}&metric=accuracy"));
        Assert.Matches("<svg id=\"parallel-coordinates\" role=\"img\" aria-label=\"Parallel coordinates of 2 runs over param lr, metric accuracy, metric loss\"", html);
        Assert.Equal(2, Regex.Count(html, "<g class=\"pc-run\">"));
        Assert.Contains("<svg class=\"scatter\" role=\"img\" aria-label=\"Scatter of metric accuracy against param lr, 2 runs\" data-points=\"2\"", html, StringComparison.Ordinal);
        Assert.Contains("<option selected value=\"accuracy\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>baseline &lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_runs_log_is_tailed_by_server_sent_events()
    {
        var run = await f.Experiment.StartLoggingAsync(displayName: "logging");
        var log = Path.Combine(Path.GetTempPath(), "studio-log-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            await File.WriteAllTextAsync(log, "epoch 1 <ok>\n");
            await run.UploadFileAsync("user_logs/std_log.txt", log);
            using var client = await f.AuthenticatedClientAsync();
            var page = await client.GetStringAsync(Rel("/runs/" + run.Id));
            Assert.Contains("id=\"log-tail\" aria-live=\"polite\" data-log-path=\"user_logs/std_log.txt\"", page, StringComparison.Ordinal);

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.GetAsync(Rel($"/api/runs/{run.Id}/log?path=user_logs/std_log.txt"), HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            async Task<(string Event, string Data)> NextAsync()
            {
                string? name = null;
                while (await reader.ReadLineAsync(cts.Token) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        name = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
                    {
                        return (name, line[6..]);
                    }
                }
                throw new EndOfStreamException();
            }
            var first = await NextAsync();
            Assert.Equal(("append", "epoch 1 <ok>\n"), (first.Event, JsonSerializer.Deserialize<string>(first.Data)));

            await File.WriteAllTextAsync(log, "epoch 1 <ok>\nepoch 2\n");
            await run.UploadFileAsync("user_logs/std_log.txt", log);
            var second = await NextAsync();
            Assert.Equal(("append", "epoch 2\n"), (second.Event, JsonSerializer.Deserialize<string>(second.Data)));

            await run.CompleteAsync();
            Assert.Equal("end", (await NextAsync()).Event);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task Unknown_runs_are_404_and_bad_names_400_pages_that_escape_the_name()
    {
        using var client = await f.AuthenticatedClientAsync();
        using var response = await client.GetAsync(Rel("/models/" + Uri.EscapeDataString("<script>x</script>")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // not a valid model name
        Assert.DoesNotContain("<script>x", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var run = await client.GetAsync(Rel("/runs/0123456789abcdef0123456789abcdef"));
        Assert.Equal(HttpStatusCode.NotFound, run.StatusCode);
    }

    [Fact]
    public async Task Options_are_checked()
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => StudioServer.StartAsync(f.Workspace, new StudioOptions { Port = 70000 }));
        await Assert.ThrowsAsync<InvalidInputException>(() => StudioServer.StartAsync(f.Workspace, new StudioOptions { Token = "short" }));
        await Assert.ThrowsAsync<InvalidInputException>(() => StudioServer.StartAsync(f.Workspace, new StudioOptions { Token = "has spaces and is long enough" }));
    }

    [Fact]
    public async Task Two_studios_on_one_host_do_not_share_a_cookie()
    {
        await using var other = await StudioServer.StartAsync(f.Workspace);
        Assert.NotEqual(f.Server.Port, other.Port);
        using var client = await f.AuthenticatedClientAsync();
        using var response = await client.GetAsync(new Uri(other.BaseAddress, "/experiments"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
