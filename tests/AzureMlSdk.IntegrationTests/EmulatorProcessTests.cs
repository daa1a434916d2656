using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The Emulator's command line, as scripts use it: a real process, its ready line, its token rules.</summary>
public sealed partial class EmulatorProcessTests
{
    [GeneratedRegex(@"^AzureMlSdk Emulator listening on (http://127\.0\.0\.1:(\d+))$")]
    private static partial Regex ReadyLine();

    [Fact]
    public async Task The_command_line_prints_its_address_and_serves_the_default_workspace_with_the_env_token()
    {
        var data = Path.Combine(Path.GetTempPath(), "azureml-emulator-cli-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.Emulator.dll"), "--port", "0", "--data", data })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["AZUREML_EMULATOR_TOKEN"] = "cli-token";
        using var process = Process.Start(info)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line;
            Match match;
            do
            {
                line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    Assert.Fail("The Emulator exited before it was ready: " + await process.StandardError.ReadToEndAsync(timeout.Token));
                }
                match = ReadyLine().Match(line);
            }
            while (!match.Success);

            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value), Timeout = TimeSpan.FromSeconds(30) };
            const string Path0 = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.MachineLearningServices/workspaces/local?api-version=2026-07-01";
            using (var anonymous = await http.GetAsync(Path0, timeout.Token))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "cli-token");
            using var ok = await http.GetAsync(Path0, timeout.Token);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains($"\"mlFlowTrackingUri\":\"{match.Groups[1].Value}/mlflow/v1.0/subscriptions/", await ok.Content.ReadAsStringAsync(timeout.Token), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_token_the_command_line_refuses_to_start()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.Emulator.dll"));
        info.ArgumentList.Add("--port");
        info.ArgumentList.Add("0");
        info.Environment.Remove("AZUREML_EMULATOR_TOKEN");
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var error = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("token is required", error, StringComparison.Ordinal);
    }
}
