using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>The outcome of reading a request body under the configured limits.</summary>
public enum BodyStatus
{
    Ok,
    UnsupportedMediaType,
    TooLarge,

    /// <summary>The body's framing could not be read (Kestrel reports some broken chunked bodies as an IOException).</summary>
    Malformed,
}

/// <summary>
/// A request body read into a pooled buffer, refusing it early when the media type is not JSON or the
/// size exceeds the limit (by Content-Length, or while reading a chunked body).
/// </summary>
public sealed class RequestBody : IDisposable
{
    private byte[]? _buffer;

    private RequestBody(BodyStatus status, byte[]? buffer, int length)
    {
        Status = status;
        _buffer = buffer;
        Length = length;
    }

    public BodyStatus Status { get; }

    public int Length { get; }

    public ReadOnlySpan<byte> Span => _buffer is null ? [] : _buffer.AsSpan(0, Length);

    /// <summary>application/json, or any +json media type (application/fhir+json), charset UTF-8 if given.</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return false;
        }

        var charsetOk = media.Charset.Value is null || media.Charset.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        return charsetOk && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)));
    }

    public static async Task<RequestBody> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsJson(request.ContentType))
        {
            return new RequestBody(BodyStatus.UnsupportedMediaType, null, 0);
        }

        if (request.ContentLength > limit)
        {
            return new RequestBody(BodyStatus.TooLarge, null, 0);
        }

        var initial = (int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initial, 256));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return new RequestBody(BodyStatus.TooLarge, null, 0);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new RequestBody(BodyStatus.TooLarge, null, 0);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(BodyStatus.TooLarge, null, 0);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // e.g. "Bad chunk size data" for a chunk size that overflows: the client's framing, not our fault.
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(BodyStatus.Malformed, null, 0);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new RequestBody(BodyStatus.Ok, buffer, length);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
