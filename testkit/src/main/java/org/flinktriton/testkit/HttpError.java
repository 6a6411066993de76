package org.flinktriton.testkit;

/** An answer other than 200, with the text that goes into {@code {"error": …}}. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;

    /** For 405: the method the path takes, for the {@code Allow} header; else null. */
    final String allow;

    /** The {@code Retry-After} header's value, or null for none. */
    final String retryAfter;

    HttpError(int status, String message) {
        this(status, message, null, null);
    }

    private HttpError(int status, String message, String allow, String retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.allow = allow;
        this.retryAfter = retryAfter;
    }

    /** An injected failure, with a {@code Retry-After} value or null. */
    static HttpError injected(int status, String message, String retryAfter) {
        return new HttpError(status, message, null, retryAfter);
    }

    static HttpError methodNotAllowed(String method, String path, String allowed) {
        return new HttpError(
                405,
                "Method " + method + " is not allowed on " + path + "; use " + allowed,
                allowed,
                null);
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    static HttpError notFound(String message) {
        return new HttpError(404, message);
    }
}
