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
/// A request body read into a buffer, refusing it early when the media type is not JSON or the size exceeds the limit
/// (by Content-Length, or while reading a chunked body). Buffers up to <see cref="PooledLimit"/> come from a bounded
/// pool of this class's own; a larger body gets an array of its own that the GC reclaims. (The shared ArrayPool keeps
/// multi-megabyte arrays per core once rented, so a burst of large or hostile bodies would raise resident memory for
/// good; this pool cannot hold more than <see cref="MaxPooledArrays"/> arrays per size.)
/// </summary>
public sealed class RequestBody : IDisposable
{
    /// <summary>Largest buffer the pool keeps: typical hook requests are 10–100 KB.</summary>
    public const int PooledLimit = 1024 * 1024;

    /// <summary>Most arrays the pool keeps per size bucket.</summary>
    public const int MaxPooledArrays = 32;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(PooledLimit, MaxPooledArrays);

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

    /// <summary>
    /// The client's fault in the body, answered the same way by every JSON endpoint: 415 not JSON, 413 over
    /// <paramref name="limit"/>, 400 unreadable framing, 400 not UTF-8, each with an OperationOutcome; null when the
    /// body can be read as JSON. UTF-8 is checked here, before any reading: a JSON reader checks it only in the strings
    /// it is asked for, and then throws an exception that is not a JSON error.
    /// </summary>
    public IResult? Refusal(long limit) => Status switch
    {
        BodyStatus.UnsupportedMediaType => OperationOutcomes.Result(StatusCodes.Status415UnsupportedMediaType, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported,
            "The request must be JSON: Content-Type: application/json."),
        BodyStatus.TooLarge => OperationOutcomes.Result(StatusCodes.Status413PayloadTooLarge, Hl7.Fhir.Model.OperationOutcome.IssueType.TooCostly,
            $"The request body is larger than {limit} bytes."),
        BodyStatus.Malformed => OperationOutcomes.Result(StatusCodes.Status400BadRequest, Hl7.Fhir.Model.OperationOutcome.IssueType.Structure,
            "The request body's framing could not be read (a malformed chunked body)."),
        _ when !System.Text.Unicode.Utf8.IsValid(Span) => OperationOutcomes.Result(StatusCodes.Status400BadRequest, Hl7.Fhir.Model.OperationOutcome.IssueType.Structure,
            "Malformed JSON: the body is not valid UTF-8."),
        _ => null,
    };

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

        // One byte more than a declared length, so the end of the body is seen without growing the buffer.
        var buffer = Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        Return(buffer);
                        return new RequestBody(BodyStatus.TooLarge, null, 0);
                    }

                    var larger = Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    Return(buffer);
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
                    Return(buffer);
                    return new RequestBody(BodyStatus.TooLarge, null, 0);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            Return(buffer);
            return new RequestBody(BodyStatus.TooLarge, null, 0);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // e.g. "Bad chunk size data" for a chunk size that overflows: the client's framing, not our fault.
            Return(buffer);
            return new RequestBody(BodyStatus.Malformed, null, 0);
        }
        catch
        {
            Return(buffer);
            throw;
        }

        return new RequestBody(BodyStatus.Ok, buffer, length);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Return(buffer);
        }
    }

    private static byte[] Rent(int size) =>
        size <= PooledLimit ? Pool.Rent(Math.Max(size, 256)) : GC.AllocateUninitializedArray<byte>(size);

    private static void Return(byte[] buffer)
    {
        if (buffer.Length <= PooledLimit)
        {
            Pool.Return(buffer);
        }
    }
}
