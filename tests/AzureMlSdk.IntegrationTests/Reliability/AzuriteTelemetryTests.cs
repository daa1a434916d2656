using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// <c>--start-azurite</c> keeps everything under <c>--data</c>: Azurite runs with telemetry off, so nothing lands in the temp
/// folder or the home folder (Azurite 3.x otherwise writes its telemetry queue, with host details, under the temp folder and
/// sends it out).
/// </summary>
public sealed partial class AzuriteTelemetryTests
{
    [GeneratedRegex(@"^AzureMlSdk Emulator listening on (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex ReadyLine();

    [Fact]
    public async Task The_Emulator_with_start_azurite_writes_nothing_outside_its_data_folder()
    {
        var root = Path.Combine(Path.GetTempPath(), "azureml-telemetry-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(root, "data");
        var home = Path.Combine(root, "home");
        var temp = Path.Combine(root, "tmp");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(temp);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.Emulator.dll"), "--port", "0", "--data", data, "--start-azurite" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["AZUREML_EMULATOR_TOKEN"] = "telemetry-token";
        foreach (var name in new[] { "HOME", "USERPROFILE" })
        {
            info.Environment[name] = home;
        }
        foreach (var name in new[] { "TMPDIR", "TMP", "TEMP" })
        {
            info.Environment[name] = temp;
        }
        info.Environment["DOTNET_EnableDiagnostics"] = "0"; // the runtime's own diagnostics socket would live in TMPDIR
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            Match match;
            do
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    Assert.Fail("The Emulator exited before it was ready: " + await stderr);
                }
                match = ReadyLine().Match(line!);
            }
            while (!match.Success);

            // Blob traffic through Azurite: an artifact upload and download.
            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "telemetry-token");
            using (var put = await http.PutAsync("/api/2.0/mlflow-artifacts/artifacts/telemetry/probe.txt", new StringContent("probe"), timeout.Token))
            {
                Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            }
            Assert.Equal("probe", await http.GetStringAsync("/api/2.0/mlflow-artifacts/artifacts/telemetry/probe.txt", timeout.Token));
            await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token); // give a telemetry client time to spool its first event

            Assert.True(Directory.EnumerateFileSystemEntries(Path.Combine(data, "azurite")).Any(), "Azurite keeps its blobs under <data>/azurite");
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp, "*", SearchOption.AllDirectories));
            Assert.Empty(Directory.EnumerateFileSystemEntries(home, "*", SearchOption.AllDirectories));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A child still closing files; temp is cleaned by the OS.
            }
        }
    }
}
