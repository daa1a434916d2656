using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AzureMlSdk.Emulator.Hosting;

/// <summary>
/// An Azurite blob service started as a child process (<c>azurite-blob</c> from <c>eng/tools</c>) on a free loopback
/// port. Its blobs live in the given folder (the Emulator's data folder, so models and artifacts survive a restart)
/// or, when none is given, in a temporary folder deleted on dispose. Disposing kills the process. Telemetry is off
/// (<c>--disableTelemetry</c>): Azurite 3.x otherwise collects host details into the temp folder and sends them out.
/// </summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _location;
    private readonly bool _ownsLocation;
    private readonly Task _closed;

    private AzuriteProcess(Process process, string location, bool ownsLocation, int port, Task closed)
    {
        _closed = closed;
        _process = process;
        _location = location;
        _ownsLocation = ownsLocation;
        Port = port;
    }

    /// <summary>The blob port.</summary>
    public int Port { get; }

    /// <summary>The account's blob endpoint, path style: <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{Port}/{EmulatorOptions.AzuriteAccount}");

    /// <summary>Finds <c>eng/tools/node_modules/.bin/azurite-blob</c> above the current folder or the app's folder.</summary>
    public static string FindExecutable()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "eng", "tools", "node_modules", ".bin", OperatingSystem.IsWindows() ? "azurite-blob.cmd" : "azurite-blob");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new FileNotFoundException("Azurite is not installed: run 'eng/services.sh install' from the repository root (it installs the pinned Azurite into eng/tools), or pass --azurite-path.");
    }

    /// <summary>Starts Azurite over <paramref name="location"/> (a temporary folder when null) and waits until its port accepts connections.</summary>
    public static async Task<AzuriteProcess> StartAsync(string executable, string? location, CancellationToken cancellationToken)
    {
        var ownsLocation = location is null;
        location ??= Path.Combine(Path.GetTempPath(), "azureml-azurite-" + Guid.NewGuid().ToString("N"));
        location = Path.GetFullPath(location);
        Directory.CreateDirectory(location);
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var info = new ProcessStartInfo(executable)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[] { "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", location, "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry" })
            {
                info.ArgumentList.Add(a);
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
            var output = new System.Text.StringBuilder();
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
                if (e.Data?.Contains("successfully closed", StringComparison.Ordinal) == true)
                {
                    closed.TrySetResult(); // its metadata is saved; the process may linger on open sockets
                }
            };
            process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var azurite = new AzuriteProcess(process, location, ownsLocation, port, closed.Task);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    break;
                }
                if (await CanConnectAsync(port, cancellationToken).ConfigureAwait(false))
                {
                    return azurite;
                }
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            string log;
            lock (output)
            {
                log = output.ToString();
            }
            await azurite.KillAsync().ConfigureAwait(false);
            if (attempt >= 2)
            {
                if (ownsLocation)
                {
                    Directory.Delete(location, recursive: true);
                }
                throw new InvalidOperationException($"Azurite did not start on port {port}: {log}");
            }
            // The free port was taken between the probe and Azurite's bind: try another.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> CanConnectAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited && !_ownsLocation)
            {
                await TryStopGracefullyAsync().ConfigureAwait(false);
            }
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or will be reaped by the OS.
        }
        _process.Dispose();
    }

    /// <summary>
    /// SIGTERM, and a wait for Azurite to close: it saves its blob metadata every 5 s and on a graceful shutdown only,
    /// so a kill would lose the last seconds of uploads from a folder that is meant to be kept.
    /// </summary>
    private async Task<bool> TryStopGracefullyAsync()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }
        try
        {
            using var signal = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            if (signal is null)
            {
                return false;
            }
            await signal.WaitForExitAsync().ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await Task.WhenAny(_closed, _process.WaitForExitAsync(timeout.Token)).ConfigureAwait(false);
            return _closed.IsCompleted || _process.HasExited;
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            return false; // no kill command, or Azurite did not stop in time: fall back to killing it
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        if (!_ownsLocation)
        {
            return; // the Emulator's data folder: its blobs are kept for the next start
        }
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // A file Azurite still held; the temp folder is cleaned by the OS.
        }
    }
}
