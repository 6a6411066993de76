package org.flinktriton;

import java.time.Duration;
import java.util.Optional;

/**
 * The server answered with an HTTP status of 400 or above, or, over gRPC, with a status other than
 * {@code OK}. {@link #statusCode()} is that HTTP status and {@link #error()} the server's {@code
 * "error"} text (or, when the body was not the protocol's error object, the body itself,
 * shortened).
 *
 * <p>Over gRPC ({@code grpc://}, {@code grpcs://}), {@link #statusCode()} is the HTTP status
 * Triton's HTTP face answers for the same failure, so that retries, the circuit breaker, the
 * adaptive concurrency limit, bisection and {@code FailedInference} read both transports alike:
 * {@code UNAVAILABLE} is 503, {@code INVALID_ARGUMENT} 400, {@code NOT_FOUND} 404, {@code INTERNAL}
 * 500, {@code UNIMPLEMENTED} 501 and {@code RESOURCE_EXHAUSTED} (a message over a size limit) 413.
 * {@link #grpcStatus()} and {@link #grpcMessage()} say what came back on the wire; both are empty
 * for HTTP.
 *
 * <p>Triton maps its own error codes to statuses: INVALID_ARG is 400, NOT_FOUND 404, UNAVAILABLE
 * 503, INTERNAL 500 and UNSUPPORTED 501.
 *
 * <p>{@linkplain #retryable() Retryable} for the statuses that say "not now" rather than "not
 * this": 408 (request timeout), 429 (too many requests), 502, 503 and 504 (a gateway or the server
 * is unavailable for the moment).
 */
public class TritonServerException extends TritonException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String error;

    /** Null when the server sent no usable {@code Retry-After}. */
    private final Duration retryAfter;

    /** The gRPC status code's name, or null for an HTTP answer. */
    private final String grpcStatus;

    /** The gRPC status description, or null for an HTTP answer. */
    private final String grpcMessage;

    public TritonServerException(String message, int statusCode, String error) {
        this(message, statusCode, error, null);
    }

    /**
     * @param retryAfter how long the server asked the client to wait ({@code Retry-After}), or null
     *     when it did not say
     */
    public TritonServerException(
            String message, int statusCode, String error, Duration retryAfter) {
        this(message, statusCode, error, retryAfter, null, null);
    }

    /**
     * A failed gRPC call.
     *
     * @param statusCode the HTTP status Triton's HTTP face answers for the same failure
     * @param retryAfter how long the server asked the client to wait (a {@code retry-after}
     *     trailer), or null when it did not say
     * @param grpcStatus the name of the gRPC status code, such as {@code UNAVAILABLE}; null for an
     *     HTTP answer
     * @param grpcMessage the gRPC status description (empty when there was none); null for an HTTP
     *     answer
     */
    public TritonServerException(
            String message,
            int statusCode,
            String error,
            Duration retryAfter,
            String grpcStatus,
            String grpcMessage) {
        super(message, null, isRetryable(statusCode));
        this.statusCode = statusCode;
        this.error = error;
        this.retryAfter = retryAfter;
        this.grpcStatus = grpcStatus;
        this.grpcMessage = grpcStatus == null ? null : grpcMessage == null ? "" : grpcMessage;
    }

    /**
     * The HTTP status the server answered with; over gRPC, the HTTP status that stands for the gRPC
     * status (see the class comment and {@link #grpcStatus()}).
     */
    public int statusCode() {
        return statusCode;
    }

    /**
     * The name of the gRPC status code the server (or grpc-java, for a limit it enforces itself)
     * answered with, such as {@code "UNAVAILABLE"} or {@code "RESOURCE_EXHAUSTED"}; empty for an
     * HTTP answer.
     */
    public Optional<String> grpcStatus() {
        return Optional.ofNullable(grpcStatus);
    }

    /**
     * The gRPC status description that came back with {@link #grpcStatus()} (an empty string when
     * the status had none); empty for an HTTP answer.
     */
    public Optional<String> grpcMessage() {
        return Optional.ofNullable(grpcMessage);
    }

    /** The server's error text; never null, empty when the server sent none. */
    public String error() {
        return error;
    }

    /**
     * How long the server asked the client to wait before trying again (its {@code Retry-After}
     * header, in seconds or as an HTTP date); empty when it did not say. The client's retries
     * honour it on 429 and 503.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether a request answered with {@code statusCode} may pass on a second try. */
    public static boolean isRetryable(int statusCode) {
        return statusCode == 408
                || statusCode == 429
                || statusCode == 502
                || statusCode == 503
                || statusCode == 504;
    }

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonServerException(
            TritonServerException original, String model, String modelVersion) {
        super(original, model, modelVersion);
        this.statusCode = original.statusCode;
        this.error = original.error;
        this.retryAfter = original.retryAfter;
        this.grpcStatus = original.grpcStatus;
        this.grpcMessage = original.grpcMessage;
    }

    @Override
    protected TritonServerException withModel(String model, String version) {
        return getClass() == TritonServerException.class
                ? new TritonServerException(this, model, version)
                : this;
    }
}
