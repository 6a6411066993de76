package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.client.spi.TlsFailures;

/**
 * Maps what went wrong over HTTP to the exception family, and so decides {@link
 * TritonException#retryable()}: a server that cannot be reached or a connection that broke, even
 * halfway through a body, is a {@link TritonConnectionException}; a deadline that passed a {@link
 * TritonTimeoutException}; a status of 400 or above a {@link TritonServerException} (retryable by
 * its status); bytes that break the protocol a {@link TritonProtocolException}; a rejected
 * certificate and a closed client a plain {@link TritonException}. Messages name the request and
 * the endpoint, never the model: the client adds it where the call completes.
 */
final class HttpFailures {
    /** The most of a non-JSON error body that goes into a message. */
    private static final int ERROR_TEXT_LIMIT = 300;

    private final ClientSettings settings;
    private final HttpResources resources;

    HttpFailures(ClientSettings settings, HttpResources resources) {
        this.settings = settings;
        this.resources = resources;
    }

    /**
     * A failure before a response arrived: refused, reset, timed out, or closed.
     *
     * @param what how messages name the request, such as {@code POST /v2/models/m/infer}
     * @param timedOut whether the request timeout cancelled the call, which then fails with
     *     whatever the cancellation caused
     */
    TritonException beforeResponse(IOException e, String what, boolean timedOut) {
        if (resources.isClosed() || e.getCause() instanceof RejectedExecutionException) {
            return new TritonException(
                    "client closed; " + what + " to " + settings.endpointText + " was cancelled",
                    e);
        }
        if (isConnectTimeout(e)) {
            return new TritonTimeoutException(
                    "could not connect to "
                            + settings.endpointText
                            + " within connectTimeout "
                            + ClientSettings.format(settings.connectTimeout),
                    e);
        }
        if (!timedOut && Thread.currentThread().isInterrupted()) {
            // The caller of a blocking call, interrupted while it ran the request (Okio reports
            // that as an InterruptedIOException, like a timeout).
            return new TritonException(
                    what
                            + " to "
                            + settings.endpointText
                            + " was abandoned: the thread that ran it was interrupted",
                    e);
        }
        if (timedOut || e instanceof InterruptedIOException) {
            return new TritonTimeoutException(
                    what
                            + " to "
                            + settings.endpointText
                            + " did not complete within requestTimeout "
                            + ClientSettings.format(settings.requestTimeout),
                    e);
        }
        if (e instanceof ConnectException
                || e instanceof NoRouteToHostException
                || e instanceof UnknownHostException) {
            return new TritonConnectionException(
                    "cannot connect to " + settings.endpointText + " (" + rootMessage(e) + ")", e);
        }
        if (e instanceof SSLException) {
            return tlsFailure((SSLException) e);
        }
        if (breaksProtocol(e)) {
            return new TritonProtocolException(
                    what
                            + " to "
                            + settings.endpointText
                            + " failed: the answer is not valid HTTP ("
                            + e
                            + ")",
                    e);
        }
        return new TritonConnectionException(
                what + " to " + settings.endpointText + " failed: the connection broke (" + e + ")",
                e);
    }

    /**
     * A failure while reading a response body that had started to arrive: a body cut short is a
     * broken connection, bytes that cannot be read (a bad chunk, a broken gzip stream) break the
     * protocol.
     */
    TritonException whileReading(IOException e, String what, boolean timedOut) {
        TritonException before = beforeResponse(e, what, timedOut);
        if (before instanceof TritonTimeoutException || resources.isClosed()) {
            return before;
        }
        String response = "the response to " + what + " from " + settings.endpointText;
        return isCutConnection(e)
                ? new TritonConnectionException(response + " broke off (" + e + ")", e)
                : new TritonProtocolException(response + " could not be read (" + e + ")", e);
    }

    private TritonException tlsFailure(SSLException e) {
        return TlsFailures.of(
                settings.endpointText,
                rootMessage(e),
                hasCause(e, CertificateException.class::isInstance),
                isCutConnection(e),
                e);
    }

    /**
     * The {@link TritonServerException} for a response with status 400 or above, with the server's
     * {@code error} text, or the body shortened when it is not the protocol's error object.
     *
     * @param body the error body as read, or null when it could not be read
     */
    TritonServerException status(HttpReply response, String what, byte[] body) {
        String error = body == null ? "" : errorText(body);
        String reason = response.message();
        return new TritonServerException(
                what
                        + " answered HTTP "
                        + response.code()
                        + (reason == null || reason.isEmpty() ? "" : " " + reason)
                        + (error.isEmpty() ? " with no error text" : ": " + error)
                        + compressionHint(response),
                response.code(),
                error,
                retryAfter(response.header("Retry-After"), System.currentTimeMillis()));
    }

    /**
     * For a 400 to a compressed request: servers such as KServe's Python model server read a gzip
     * body as JSON and refuse it with a message that does not say why.
     */
    private static String compressionHint(HttpReply response) {
        String coding = response.requestEncoding();
        if (response.code() != 400 || coding == null || coding.equalsIgnoreCase("identity")) {
            return "";
        }
        return "; the request body was "
                + coding
                + "-compressed and the server may not accept compressed request bodies"
                + " (KServe's Python model server does not): turn compressRequests off";
    }

    /**
     * A {@code Retry-After} value as a wait: delay-seconds, or an HTTP date (RFC 9110) less {@code
     * nowMillis}; null when absent or unreadable, zero for a date in the past.
     */
    static Duration retryAfter(String value, long nowMillis) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.strip();
        try {
            long seconds = Long.parseLong(text);
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, 86_400L * 365));
        } catch (NumberFormatException notSeconds) {
            // An HTTP date, then.
        }
        long at;
        try {
            at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException notADate) {
            return null;
        }
        return Duration.ofMillis(Math.max(0L, at * 1000 - nowMillis));
    }

    /** A status below 400 that is not the success the request needs. */
    TritonProtocolException unexpectedStatus(String what, int code) {
        return new TritonProtocolException(
                what + " answered an unexpected HTTP " + code + " from " + settings.endpointText);
    }

    /** A response body over the client's {@code maxResponseBytes}. */
    TritonException tooLarge(String what, String detail, long limit) {
        return new TritonException(
                "the response to "
                        + what
                        + " was refused: "
                        + detail
                        + ", over maxResponseBytes "
                        + limit
                        + "; raise maxResponseBytes or send smaller batches");
    }

    /** A bug or an unexpected value met while turning a response into a result. */
    TritonException handlerFailed(String what, Throwable e) {
        return new TritonException("handling the response to " + what + " failed: " + e, e);
    }

    private static String errorText(byte[] body) {
        if (body.length == 0) {
            return "";
        }
        try {
            JsonNode json = HttpTransport.JSON.readTree(body);
            if (json != null && json.isObject()) {
                JsonNode error = json.get("error");
                if (error != null && error.isTextual()) {
                    return error.asText();
                }
                if (error != null && !error.isNull()) {
                    return error.toString();
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // Fall through: the body is not the protocol's error object.
        }
        String text = new String(body, UTF_8).strip().replaceAll("\\s+", " ");
        return text.length() > ERROR_TEXT_LIMIT
                ? text.substring(0, ERROR_TEXT_LIMIT - 3) + "..."
                : text;
    }

    /** The innermost message: OkHttp wraps "Connection refused" in "Failed to connect to …". */
    private static String rootMessage(Throwable e) {
        String message = e.toString();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** Whether {@code e} or any of its causes matches. */
    private static boolean hasCause(Throwable e, Predicate<Throwable> matches) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (matches.test(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isConnectTimeout(IOException e) {
        return hasCause(
                e,
                t ->
                        t instanceof SocketTimeoutException
                                && t.getMessage() != null
                                && t.getMessage().toLowerCase(Locale.ROOT).contains("connect"));
    }

    /**
     * Whether the peer closed or reset the connection. OkHttp reports a body that ends before its
     * length as a {@link ProtocolException} "unexpected end of stream": a cut, not bad bytes.
     */
    private static boolean isCutConnection(Throwable e) {
        return hasCause(
                e,
                t ->
                        t instanceof EOFException
                                || t instanceof SocketException
                                || (t instanceof ProtocolException
                                        && String.valueOf(t.getMessage())
                                                .startsWith("unexpected end of stream")));
    }

    /** Whether the bytes that arrived break HTTP, such as a status line or chunk that is not. */
    private static boolean breaksProtocol(IOException e) {
        return !isCutConnection(e) && hasCause(e, ProtocolException.class::isInstance);
    }
}
