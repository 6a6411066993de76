package org.flinktriton.testkit;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The gRPC status for an answer the HTTP face gives as an HTTP status, as Triton maps its errors
 * onto both protocols: 400 {@code INVALID_ARGUMENT}, 404 {@code NOT_FOUND}, 500 {@code INTERNAL},
 * 501 {@code UNIMPLEMENTED}, 503 {@code UNAVAILABLE}. Load (429, like 502 and 503) is {@code
 * UNAVAILABLE}, as Triton reports a full queue and as gRPC's own HTTP mapping has it; {@code
 * RESOURCE_EXHAUSTED} is kept for 413, a message over a size limit, the only way gRPC servers use
 * it.
 */
final class GrpcStatuses {
    /** The trailer that carries an injected failure's {@code Retry-After} seconds. */
    static final Metadata.Key<String> RETRY_AFTER =
            Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcStatuses() {}

    /** The status code for an HTTP status. */
    static Status.Code code(int httpStatus) {
        switch (httpStatus) {
            case 400:
                return Status.Code.INVALID_ARGUMENT;
            case 401:
                return Status.Code.UNAUTHENTICATED;
            case 403:
                return Status.Code.PERMISSION_DENIED;
            case 404:
                return Status.Code.NOT_FOUND;
            case 408:
            case 504:
                return Status.Code.DEADLINE_EXCEEDED;
            case 409:
                return Status.Code.ABORTED;
            case 413:
                return Status.Code.RESOURCE_EXHAUSTED;
            case 499:
                return Status.Code.CANCELLED;
            case 501:
            case 405:
                return Status.Code.UNIMPLEMENTED;
            case 429:
            case 502:
            case 503:
                return Status.Code.UNAVAILABLE;
            default:
                return httpStatus < 500 ? Status.Code.FAILED_PRECONDITION : Status.Code.INTERNAL;
        }
    }

    /** The failure to answer for {@code error}, with its message and any {@code retry-after}. */
    static StatusRuntimeException of(HttpError error) {
        Metadata trailers = new Metadata();
        if (error.retryAfter != null) {
            trailers.put(RETRY_AFTER, error.retryAfter);
        }
        return Status.fromCode(code(error.status))
                .withDescription(error.getMessage())
                .asRuntimeException(trailers);
    }
}
