using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Cli.Tests;

/// <summary><c>azml studio</c> as a process: one ready line with a free port and a token, the token required, stopped by SIGTERM.</summary>
public sealed partial class StudioCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Studio_prints_one_ready_line_serves_with_the_token_and_stops_on_sigterm()
    {
        using var process = Azml.Start(_dir.Path, null, "studio", "--port", "0", "--workspace-dir", _dir.WorkspaceDir);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.True(line is not null, "azml studio ended without a ready line: " + (process.HasExited ? await stderr : "(still running)"));
            var match = ReadyLine().Match(line);
            Assert.True(match.Success, "not the ready line: " + line);
            var port = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(port, 1, 65535);

            using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
            using var http = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using (var anonymous = await http.GetAsync(new Uri("experiments", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }
            using (var first = await http.GetAsync(new Uri(line[line.IndexOf("http", StringComparison.Ordinal)..])))
            {
                Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            }
            using (var page = await http.GetAsync(new Uri("experiments", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
                Assert.Contains("Experiments", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // SIGTERM (what a service manager or `kill` sends): a clean stop, exit 0, nothing more on stdout.
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task A_port_out_of_range_is_a_usage_error()
    {
        var result = await _dir.RunAsync("studio", "--port", "70000");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--port", result.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^AzureMlSdk Studio listening on http://127\.0\.0\.1:(\d+)/\?token=[A-Za-z0-9_\-]{32,}$")]
    private static partial Regex ReadyLine();
}
