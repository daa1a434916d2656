using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// HTTP/1.1 over a raw loopback socket, for requests HttpClient will not send: malformed chunked framing, a
/// Content-Length larger than what follows, invalid UTF-8. The body is sent while the reply is read (a server may
/// answer before the body is complete); errors sending are ignored, the reply is what counts.
/// </summary>
internal static class RawHttp
{
    public sealed record Reply(int Status, Dictionary<string, string> Headers, string Body)
    {
        public JsonObject Json => JsonNode.Parse(Body) as JsonObject ?? throw new InvalidOperationException("The reply is not a JSON object: " + Body);
    }

    /// <summary>Sends <paramref name="head"/> (request line and headers, without the blank line) then <paramref name="body"/> and reads one reply.</summary>
    public static async Task<Reply> SendAsync(Uri server, string head, Func<Stream, Task>? body = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = client.GetStream();
        var headBytes = Encoding.ASCII.GetBytes(head.TrimEnd('\r', '\n') + $"\r\nHost: {server.Host}:{server.Port}\r\n\r\n");
        var sending = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(headBytes, cts.Token);
                if (body is not null)
                {
                    await body(stream);
                }
                await stream.FlushAsync(cts.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The server answered and closed before taking the whole body.
            }
        });
        var reply = await ReadReplyAsync(stream, cts.Token);
        client.Close();
        await sending;
        return reply;
    }

    /// <summary>Writes <paramref name="text"/> as ASCII.</summary>
    public static Func<Stream, Task> Text(string text) => s => s.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Writes <paramref name="bytes"/>.</summary>
    public static Func<Stream, Task> Bytes(byte[] bytes) => s => s.WriteAsync(bytes).AsTask();

    private static async Task<Reply> ReadReplyAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int headerEnd;
        while ((headerEnd = IndexOf(buffer, "\r\n\r\n"u8)) < 0)
        {
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0)
            {
                throw new IOException("The server closed the connection without a reply: " + Encoding.ASCII.GetString(buffer.ToArray()));
            }
            buffer.Write(chunk, 0, n);
        }
        var all = buffer.ToArray();
        var lines = Encoding.ASCII.GetString(all, 0, headerEnd).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        if (headers.TryGetValue("Content-Length", out var lengthText))
        {
            var length = long.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
            while (body.Length < length)
            {
                var n = await stream.ReadAsync(chunk, ct);
                if (n == 0)
                {
                    break;
                }
                body.Write(chunk, 0, n);
            }
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (IndexOf(body, "0\r\n\r\n"u8) < 0)
            {
                var n = await stream.ReadAsync(chunk, ct);
                if (n == 0)
                {
                    break;
                }
                body.Write(chunk, 0, n);
            }
            return new Reply(status, headers, Encoding.UTF8.GetString(Dechunk(body.ToArray())));
        }
        return new Reply(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    private static byte[] Dechunk(byte[] raw)
    {
        var output = new MemoryStream();
        var position = 0;
        while (position < raw.Length)
        {
            var lineEnd = raw.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }
            var size = Convert.ToInt32(Encoding.ASCII.GetString(raw, position, lineEnd).Split(';')[0].Trim(), 16);
            position += lineEnd + 2;
            if (size == 0)
            {
                break;
            }
            output.Write(raw, position, Math.Min(size, raw.Length - position));
            position += size + 2;
        }
        return output.ToArray();
    }

    private static int IndexOf(MemoryStream buffer, ReadOnlySpan<byte> needle) => buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf(needle);
}
