package org.flinktriton;

/**
 * The root of every failure flink-triton reports: a server that cannot be reached, a server error,
 * a broken response, a timeout, classes that do not match the model, or a record whose values do
 * not fit its tensor spec. Unchecked, so that it travels through {@code CompletableFuture}s and
 * Flink's failure handling unchanged. Messages name the model, the tensor and what was expected
 * versus found.
 */
public class TritonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TritonException(String message) {
        super(message);
    }

    public TritonException(String message, Throwable cause) {
        super(message, cause);
    }
}
