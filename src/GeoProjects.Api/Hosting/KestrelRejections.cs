using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GeoProjects.Api.Hosting;

/// <summary>
/// What Kestrel refuses before any middleware runs — a request line it cannot parse (raw non-ASCII bytes in an unencoded
/// `?zone=古镇`), a URL or headers over its own limits, a request that stalls — it answers with a bare status, no body,
/// and closes the connection; ASP.NET Core offers no hook (its maintainers suggest a connection adapter). This connection
/// middleware watches what Kestrel writes: such an answer (400, 408, 413, 414 or 431, `Content-Length: 0`,
/// `Connection: close`: our own error responses always have a body) is given a coded JSON body. The request could not be
/// read, so its door is unknown: the body carries each door's error shape at once (`error` for the map doors, `errors`
/// for GraphQL, `code`/`description` for OGC). Hand-written: nothing served does this.
/// </summary>
public static class KestrelRejections
{
    /// <summary>On every endpoint Kestrel listens on (a TLS endpoint would need this inside its HTTPS middleware).</summary>
    public static void UseCodedRejections(this KestrelServerOptions kestrel) => kestrel.ConfigureEndpointDefaults(listen =>
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new Pipe(transport.Input, new RejectionWriter(transport.Output));
            try
            {
                await next(connection);
            }
            finally
            {
                connection.Transport = transport;
            }
        }));

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;
        public PipeWriter Output => output;
    }

    private static readonly byte[] EmptyBody = "\r\nContent-Length: 0\r\n"u8.ToArray();
    private static readonly byte[] Closing = "\r\nConnection: close\r\n"u8.ToArray();

    /// <summary>The answer with a body, when <paramref name="written"/> is one of Kestrel's bare refusals; else null.</summary>
    internal static byte[]? Coded(ReadOnlySpan<byte> written)
    {
        if (!written.StartsWith("HTTP/1.1 4"u8) || written.Length < 16 || !written.EndsWith("\r\n\r\n"u8)
            || written.IndexOf(EmptyBody) < 0 || written.IndexOf(Closing) < 0) return null;
        var status = Encoding.ASCII.GetString(written[9..12]);
        var (code, message) = status switch
        {
            "400" => ("MALFORMED_REQUEST", "the request line or headers could not be parsed: percent-encode non-ASCII characters in "
                + "the URL (RFC 3986, as browsers do) and send well-formed headers"),
            "408" => ("REQUEST_TIMEOUT", "the request's headers did not arrive in time"),
            "413" => ("REQUEST_TOO_LARGE", "the request's body is too large"),
            "414" => ("URI_TOO_LONG", "the URL is too long; send a long filter in a POST body (GraphQL)"),
            "431" => ("HEADERS_TOO_LARGE", "the request's headers are too large"),
            _ => (null, null),
        };
        if (code is null) return null;
        var body = JsonSerializer.SerializeToUtf8Bytes(ErrorBodies.Every(int.Parse(status), code, message!));
        var head = Encoding.ASCII.GetString(written[..^2]).Replace("\r\nContent-Length: 0\r\n",
            $"\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {body.Length}\r\n", StringComparison.Ordinal);
        return [.. Encoding.ASCII.GetBytes(head + "\r\n"), .. body];
    }

    /// <summary>Passes every write through; a bare refusal, written at once as Kestrel writes it, is replaced before it goes out.</summary>
    private sealed class RejectionWriter(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _lent;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_lent = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            // Cheap for every other write: the first bytes decide.
            if (bytes >= 16 && _lent.Span[9] == (byte)'4' && Coded(_lent.Span[..bytes]) is { } coded) inner.Write(coded);
            else inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
