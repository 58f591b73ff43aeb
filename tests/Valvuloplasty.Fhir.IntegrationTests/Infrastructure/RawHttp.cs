using System.Net.Sockets;
using System.Text;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>A response read off the socket: status, headers (names lower-cased) and the de-chunked body.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
}

/// <summary>
/// HTTP/1.1 written byte for byte to the server's socket, for what HttpClient will not send: a broken chunked body,
/// an odd method or request target, oversized or malformed headers. Every request closes its connection.
/// </summary>
public static class RawHttp
{
    /// <summary>Builds a request; <paramref name="rawBody"/> goes out as written (framing included).</summary>
    public static byte[] Request(string method, string target, Uri server, IEnumerable<(string Name, string Value)>? headers = null, byte[]? rawBody = null, bool host = true)
    {
        ArgumentNullException.ThrowIfNull(server);
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        if (host)
        {
            head.Append("Host: ").Append(server.Authority).Append("\r\n");
        }

        foreach (var (name, value) in headers ?? [])
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. rawBody ?? []];
    }

    /// <summary>Sends <paramref name="request"/> and reads until the server closes the connection (at most 20 s).</summary>
    public static async Task<RawResponse> SendAsync(Uri server, byte[] request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        await using var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before reading a large body: read what it said.
        }

        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the response (the server closing with unread request bytes): the response is complete.
        }

        return Parse(received.ToArray());
    }

    private static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"No complete response head in {bytes.Length} bytes.");
        }

        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        var body = bytes.AsSpan(Encoding.Latin1.GetByteCount(text[..(end + 4)]));
        var content = headers.GetValueOrDefault("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true
            ? Dechunk(body)
            : body.ToArray();
        return new RawResponse(status, headers, Encoding.UTF8.GetString(content));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body[position..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(body.Slice(position, lineEnd)).Split(';')[0];
            var size = Convert.ToInt32(sizeText, 16);
            position += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            output.Write(body.Slice(position, Math.Min(size, body.Length - position)));
            position += size + 2;
        }

        return output.ToArray();
    }
}
