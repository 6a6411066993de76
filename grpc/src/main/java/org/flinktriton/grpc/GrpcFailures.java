package org.flinktriton.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.client.spi.TlsFailures;
import org.flinktriton.client.spi.TransportContext;

/**
 * Turns a gRPC status into the runtime's exception family, with the HTTP-equivalent status that the
 * client's retry, breaker, concurrency and bisection rules read: {@code UNAVAILABLE} (Triton's
 * overload, queue full, not ready) is 503 and retryable; {@code INVALID_ARGUMENT} a record's 400;
 * {@code NOT_FOUND} 404; {@code INTERNAL} 500; {@code UNIMPLEMENTED} 501 (on {@code ModelInfer}:
 * the model may be decoupled); {@code DEADLINE_EXCEEDED} a {@link TritonTimeoutException}; {@code
 * RESOURCE_EXHAUSTED}, which comes from message-size limits and not from load (Triton signals load
 * with {@code UNAVAILABLE}), 413 and not retryable, with a message that names the size, the limit
 * and the option that raises it. A connection that cannot be made, or that breaks under a call (the
 * peer resets the call's stream, as a server going down does to every call in flight, or the
 * connection closes), is a retryable {@link TritonConnectionException}, as a refused or reset
 * connection is for HTTP, never a server's answer (which bisection would take for a record's). A
 * TLS failure is classified and worded as HTTP's (a rejected certificate or bytes that are not TLS
 * are not retried, a handshake cut off is). A {@code CANCELLED} that grpc-java gives a call whose
 * answer does not parse is a {@link TritonProtocolException}; one the server answers stays a
 * cancel. Messages name the exchange, the endpoint and the status, never a header's value.
 */
final class GrpcFailures {
    private GrpcFailures() {}

    /** The HTTP status Triton's HTTP face answers for the same failure. */
    static int httpStatus(Status status) {
        return httpStatus(status.getCode());
    }

    static int httpStatus(Status.Code code) {
        switch (code) {
            case INVALID_ARGUMENT:
            case FAILED_PRECONDITION:
            case OUT_OF_RANGE:
                return 400;
            case UNAUTHENTICATED:
                return 401;
            case PERMISSION_DENIED:
                return 403;
            case NOT_FOUND:
                return 404;
            case ALREADY_EXISTS:
            case ABORTED:
                return 409;
            case RESOURCE_EXHAUSTED:
                return 413;
            case UNIMPLEMENTED:
                return 501;
            case UNAVAILABLE:
                return 503;
            case DEADLINE_EXCEEDED:
                return 504;
            default:
                return 500;
        }
    }

    /**
     * grpc-java's words for a message over a limit, its own or a grpc-java server's: {@code gRPC
     * message exceeds maximum size LIMIT: SIZE}.
     */
    private static final Pattern JAVA_LIMIT =
            Pattern.compile("exceeds maximum size (\\d+)(?::\\s*(\\d+))?");

    /**
     * gRPC core's (Python, C++: KServe's and Triton's servers): {@code Received message larger than
     * max (SIZE vs. LIMIT)}.
     */
    private static final Pattern CORE_LIMIT =
            Pattern.compile("larger than max \\((\\d+) vs\\.? (\\d+)\\)");

    /**
     * @param what the exchange, such as {@code ModelInfer (8 records)}
     * @param context the client's settings: its endpoint as messages show it, and the limits a
     *     {@code RESOURCE_EXHAUSTED} names
     * @param requestBytes the serialized size of the request message, or -1 when unknown
     */
    static TritonException of(
            Status status,
            Metadata trailers,
            String what,
            TransportContext context,
            long requestBytes) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        String where = what + " at " + context.endpointText();
        Throwable cause = status.getCause();
        if (status.getCode() != Status.Code.DEADLINE_EXCEEDED && brokenConnection(description)) {
            return new TritonConnectionException(
                    where + " failed: the connection broke (gRPC " + describe(status) + ")",
                    statusCause(status));
        }
        switch (status.getCode()) {
            case DEADLINE_EXCEEDED:
                return new TritonTimeoutException(
                        where
                                + " passed its deadline (requestTimeout) and was cancelled:"
                                + " gRPC DEADLINE_EXCEEDED"
                                + (description.isEmpty() ? "" : ": " + description),
                        statusCause(status));
            case CANCELLED:
                // grpc-java cancels the call itself when the answer's bytes do not parse; the
                // client's own cancel has no cause.
                InvalidProtocolBufferException unreadable =
                        find(cause, InvalidProtocolBufferException.class);
                if (unreadable != null) {
                    return new TritonProtocolException(
                            "the answer to "
                                    + where
                                    + " is not a protobuf message of the protocol ("
                                    + unreadable.getMessage()
                                    + ")",
                            unreadable);
                }
                return new TritonException(
                        where + " was cancelled: " + description, statusCause(status));
            case UNAVAILABLE:
                SSLException tls = find(cause, SSLException.class);
                if (tls != null) {
                    return tlsFailure(tls, context);
                }
                if (context.tls() && description.contains("TLS negotiation")) {
                    // grpc-java's words for a connection closed during the handshake, which it
                    // reports without the SSLException: a cut, as HTTP's "peer shut down".
                    return new TritonConnectionException(
                            "TLS with " + context.endpointText() + " failed (" + description + ")",
                            statusCause(status));
                }
                if (connectionFailure(cause)) {
                    return new TritonConnectionException(
                            where + " failed to connect: " + describe(status), cause);
                }
                break;
            default:
                break;
        }
        String hint = "";
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            hint = "; " + tooLarge(description, context, requestBytes);
        } else if (status.getCode() == Status.Code.UNIMPLEMENTED && what.startsWith("ModelInfer")) {
            hint =
                    "; the model may be decoupled (model_transaction_policy { decoupled: true }):"
                            + " Triton answers UNIMPLEMENTED to a unary ModelInfer on such a"
                            + " model, which only the streaming call ModelStreamInfer serves";
        }
        int http = httpStatus(status);
        return new TritonServerException(
                where
                        + " answered gRPC "
                        + status.getCode()
                        + " (as HTTP "
                        + http
                        + ")"
                        + (description.isEmpty() ? " with no error text" : ": " + description)
                        + hint,
                http,
                description,
                retryAfter(trailers),
                status.getCode().name(),
                description);
    }

    /**
     * What a {@code RESOURCE_EXHAUSTED} says: which message was over which limit, and the option
     * that raises it. A limit other than the client's own inbound one ({@code maxResponseBytes}) is
     * the server's, so the request was refused; otherwise the answer was, unless the size named is
     * the request's.
     */
    static String tooLarge(String description, TransportContext context, long requestBytes) {
        long size = -1;
        long limit = -1;
        Matcher java = JAVA_LIMIT.matcher(description);
        Matcher core = CORE_LIMIT.matcher(description);
        if (java.find()) {
            limit = Long.parseLong(java.group(1));
            size = java.group(2) == null ? -1 : Long.parseLong(java.group(2));
        } else if (core.find()) {
            size = Long.parseLong(core.group(1));
            limit = Long.parseLong(core.group(2));
        }
        long inbound = Math.min(Integer.MAX_VALUE, context.maxResponseBytes());
        // The client's own limit refuses answers; any other limit is a server's, refusing the
        // request. Where they are equal, the size tells: a request's frame is its message.
        boolean request = limit != inbound || (size >= 0 && size == requestBytes);
        String requestOption =
                "maxRequestBytes (flink-triton.client.max-request-bytes, now "
                        + (context.maxRequestBytes() == 0
                                ? "no limit"
                                : context.maxRequestBytes() + " bytes")
                        + ")";
        String responseOption =
                "maxResponseBytes (flink-triton.client.max-response-bytes, now "
                        + context.maxResponseBytes()
                        + " bytes)";
        if (limit < 0) {
            return "a message was over a size limit (not retried): the request over the"
                    + " server's, or the answer over the client's "
                    + responseOption
                    + "; set "
                    + requestOption
                    + " below the server's limit so that requests are split by size, or raise"
                    + " maxResponseBytes, or send fewer records per request"
                    + " (maxRecordsPerRequest)";
        }
        if (request) {
            long bytes = requestBytes >= 0 ? requestBytes : size;
            return "the request"
                    + (bytes >= 0 ? " of " + bytes + " bytes" : "")
                    + " is over the server's limit of "
                    + limit
                    + " bytes per message (not retried): set "
                    + requestOption
                    + " below "
                    + limit
                    + " so that requests are split by size, or raise the server's limit";
        }
        return "the answer"
                + (size >= 0 ? " of " + size + " bytes" : "")
                + " is over the client's limit of "
                + limit
                + " bytes (not retried): raise "
                + responseOption
                + ", or send fewer records per request (maxRecordsPerRequest,"
                + " maxRequestBytes)";
    }

    private static final Metadata.Key<String> RETRY_AFTER =
            Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    /** A {@code retry-after} trailer in seconds, as Triton's HTTP face sends the header. */
    private static Duration retryAfter(Metadata trailers) {
        String value = trailers == null ? null : trailers.get(RETRY_AFTER);
        if (value == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, 86_400L));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A TLS failure, classified and worded as HTTP's: the server's certificate rejected, which will
     * not change by trying again, with the hint to trust it; a handshake the server cut off (Netty
     * reports a connection closed during the handshake as an {@code SSLHandshakeException} of its
     * own words), which may pass next time, a retryable {@link TritonConnectionException}; any
     * other (bytes that are not TLS, such as a plaintext server's, a refused client certificate, no
     * common protocol) a {@link TritonException} that is not retried.
     */
    private static TritonException tlsFailure(SSLException e, TransportContext context) {
        return TlsFailures.of(
                context.endpointText(),
                rootMessage(e),
                find(e, CertificateException.class) != null
                        || find(e, CertPathValidatorException.class) != null,
                isCutConnection(e),
                e);
    }

    /** Whether the peer closed or reset the connection, during the handshake or after. */
    private static boolean isCutConnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof java.io.EOFException
                    || t instanceof java.net.SocketException
                    || t instanceof java.nio.channels.ClosedChannelException
                    || message.startsWith("connection closed")
                    || message.contains("connection reset")) {
                return true;
            }
        }
        return false;
    }

    /** The first throwable of {@code type} in the cause chain from {@code t}, or null. */
    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /**
     * The message of the innermost cause that has one, without the hex dump of the bytes Netty puts
     * in "not an SSL/TLS record: …".
     */
    private static String rootMessage(Throwable t) {
        String message = t.toString();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getMessage();
            }
        }
        return message.replaceFirst("^(not an SSL/TLS record): [0-9a-fA-F]+$", "$1");
    }

    /**
     * The words grpc-java's own transport gives a call that the connection under it ended, rather
     * than a status the server answered: the peer reset the call's stream ({@code RST_STREAM},
     * which a server closing its connections sends to every call in flight, and grpc-java reports
     * as {@code CANCELLED}, {@code INTERNAL} or {@code UNAVAILABLE} by the HTTP/2 error code), the
     * connection closed or went away ({@code GOAWAY}) under it, or its keepalive failed. HTTP's
     * client sees the same as a connection reset.
     */
    private static final List<String> TRANSPORT_ENDINGS =
            List.of(
                    "RST_STREAM closed stream",
                    "Network closed for unknown reason",
                    "Connection closed after GOAWAY",
                    "Abrupt GOAWAY closed",
                    "Keepalive failed");

    /** Whether {@code description} is grpc-java's word for a call its connection ended. */
    static boolean brokenConnection(String description) {
        for (String ending : TRANSPORT_ENDINGS) {
            if (description.startsWith(ending)) {
                return true;
            }
        }
        return false;
    }

    private static boolean connectionFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnresolvedAddressException
                    || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The cause a failure carries for {@code status}: its code and description in a plain
     * exception, with the status's own cause behind it. Not grpc-java's {@code
     * StatusRuntimeException}, whose {@link Status} is not serializable: Flink serializes a task's
     * failure with its whole cause chain, and with one in it a job would fail with a {@code
     * SerializedThrowable} in place of the {@link TritonException}.
     */
    private static RuntimeException statusCause(Status status) {
        Throwable cause = status.getCause();
        boolean nested =
                find(cause, StatusRuntimeException.class) != null
                        || find(cause, StatusException.class) != null;
        // A nested status is in the message (describe names the cause) rather than the chain.
        return new RuntimeException("gRPC " + describe(status), nested ? null : cause);
    }

    private static String describe(Status status) {
        return status.getCode()
                + (status.getDescription() == null ? "" : ": " + status.getDescription())
                + (status.getCause() == null ? "" : " (" + status.getCause() + ")");
    }
}
