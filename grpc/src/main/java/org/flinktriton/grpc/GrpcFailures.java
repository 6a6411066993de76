package org.flinktriton.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;

/**
 * Turns a gRPC status into the runtime's exception family, with the HTTP-equivalent status that the
 * client's retry, breaker, concurrency and bisection rules read: {@code UNAVAILABLE} (Triton's
 * overload, queue full, not ready) is 503 and retryable; {@code INVALID_ARGUMENT} a record's 400;
 * {@code NOT_FOUND} 404; {@code INTERNAL} 500; {@code UNIMPLEMENTED} 501; {@code DEADLINE_EXCEEDED}
 * a {@link TritonTimeoutException}; {@code RESOURCE_EXHAUSTED}, which comes from message-size
 * limits and not from load, 413 and not retryable. A connection that cannot be made is a {@link
 * TritonConnectionException}. Messages name the exchange, the endpoint and the status, never a
 * header's value.
 */
final class GrpcFailures {
    private GrpcFailures() {}

    /** The HTTP status Triton's HTTP face answers for the same failure. */
    static int httpStatus(Status status) {
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            return tooLarge(status) ? 413 : 429;
        }
        return httpStatus(status.getCode());
    }

    /** Whether a {@code RESOURCE_EXHAUSTED} is about a message's size rather than load. */
    static boolean tooLarge(Status status) {
        String description = status.getDescription();
        if (description == null) {
            return false;
        }
        String text = description.toLowerCase(java.util.Locale.ROOT);
        return text.contains("message") && (text.contains("size") || text.contains("larger"));
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
     * @param what the exchange, such as {@code ModelInfer}
     * @param endpoint the endpoint as messages show it
     * @param maxResponseBytes the client's inbound limit, named when a message exceeds it
     */
    static TritonException of(
            Status status, Metadata trailers, String what, String endpoint, long maxResponseBytes) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        String where = what + " at " + endpoint;
        Throwable cause = status.getCause();
        switch (status.getCode()) {
            case DEADLINE_EXCEEDED:
                return new TritonTimeoutException(
                        where
                                + " passed its deadline (requestTimeout) and was cancelled:"
                                + " gRPC DEADLINE_EXCEEDED"
                                + (description.isEmpty() ? "" : ": " + description),
                        status.asRuntimeException());
            case CANCELLED:
                return new TritonException(
                        where + " was cancelled: " + description, status.asRuntimeException());
            case UNAVAILABLE:
                if (connectionFailure(cause)) {
                    return new TritonConnectionException(
                            where + " failed to connect: " + describe(status), cause);
                }
                break;
            default:
                break;
        }
        String error = description;
        String hint = "";
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && tooLarge(status)) {
            hint =
                    "; a message exceeded a size limit (the client accepts answers up to"
                            + " maxResponseBytes "
                            + maxResponseBytes
                            + " bytes: raise it, or send smaller batches with"
                            + " maxRecordsPerRequest)";
        } else if (status.getCode() == Status.Code.UNIMPLEMENTED && what.startsWith("ModelInfer")) {
            hint =
                    "; Triton answers UNIMPLEMENTED to ModelInfer on a decoupled model (one"
                            + " whose model_transaction_policy is decoupled), which only"
                            + " ModelStreamInfer serves";
        }
        int http = httpStatus(status);
        return new TritonServerException(
                where
                        + " answered gRPC "
                        + status.getCode()
                        + " (as HTTP "
                        + http
                        + ")"
                        + (error.isEmpty() ? " with no error text" : ": " + error)
                        + hint,
                http,
                error,
                retryAfter(trailers));
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

    private static String describe(Status status) {
        return status.getCode()
                + (status.getDescription() == null ? "" : ": " + status.getDescription())
                + (status.getCause() == null ? "" : " (" + status.getCause() + ")");
    }
}
