package org.flinktriton.testkit;

/** An answer other than 200, with the text that goes into {@code {"error": …}}. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;

    /** For 405: the method the path takes, for the {@code Allow} header; else null. */
    final String allow;

    HttpError(int status, String message) {
        this(status, message, null);
    }

    private HttpError(int status, String message, String allow) {
        super(message, null, false, false);
        this.status = status;
        this.allow = allow;
    }

    static HttpError methodNotAllowed(String method, String path, String allowed) {
        return new HttpError(
                405,
                "Method " + method + " is not allowed on " + path + "; use " + allowed,
                allowed);
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    static HttpError notFound(String message) {
        return new HttpError(404, message);
    }
}
