using System.Diagnostics;
using System.Text;

namespace AzureMlSdk.Cli.Tests;

/// <summary>The result of one <c>azml</c> process.</summary>
public sealed record AzmlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs the built tool as a process (<c>dotnet azml.dll …</c>), stdout and stderr piped, in a given folder and environment.</summary>
public static class Azml
{
    private static readonly Lazy<string> Dll = new(FindDll);

    /// <summary>The tool's own build output (sdk/AzureMlSdk.Cli/bin/&lt;configuration&gt;/net10.0/azml.dll).</summary>
    public static string DllPath => Dll.Value;

    private static string FindDll()
    {
        var baseDir = AppContext.BaseDirectory;
        var configuration = baseDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        for (var dir = new DirectoryInfo(baseDir); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "sdk", "AzureMlSdk.Cli", "bin", configuration, "net10.0", "azml.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"azml.dll not found above {baseDir}: build sdk/AzureMlSdk.Cli -c {configuration}.");
    }

    public static async Task<AzmlResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"azml {string.Join(' ', args)} did not end within 2 minutes.");
        }
        return new AzmlResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts azml (stdin, stdout and stderr piped) and returns the running process (for commands that serve until stopped).</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Nothing from the test runner's own environment selects a workspace.
        start.Environment.Remove("AZUREML_LOCAL_DIR");
        start.Environment.Remove("AZUREML_EMULATOR_TOKEN");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(key);
                }
                else
                {
                    start.Environment[key] = value;
                }
            }
        }
        return Process.Start(start)!;
    }
}

/// <summary>A temp folder as the current directory of the tool, with a local workspace in it (deleted at the end).</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "azml-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string WorkspaceDir => System.IO.Path.Combine(Path, "ws");

    /// <summary>Runs azml here on the local workspace <see cref="WorkspaceDir"/>.</summary>
    public Task<AzmlResult> RunAsync(params string[] args) => Azml.RunAsync(Path, null, [.. args, "--workspace-dir", WorkspaceDir]);

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
