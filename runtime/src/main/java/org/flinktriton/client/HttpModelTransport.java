package org.flinktriton.client;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import okhttp3.HttpUrl;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.client.spi.TransportCall;
import org.flinktriton.client.spi.TransportCallback;
import org.flinktriton.client.spi.TritonTransport;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;
import org.flinktriton.wire.ResponseDecoder;
import org.flinktriton.wire.Tensor;

/**
 * The built-in transport of {@code http://} and {@code https://} endpoints: KServe v2 REST with
 * Triton's binary extension ({@link HttpTransport}, {@link HttpResources}).
 *
 * <p>Servers other than Triton are taken as they come: a missing {@code …/config} (404, 400, 405 or
 * 501) answers no configuration, a 501 for a {@code /versions/} path switches to the unversioned
 * paths (checking that the metadata lists the version, and warning once in the log that the
 * server's default version answers).
 */
final class HttpModelTransport implements TritonTransport {
    private final ClientSettings settings;
    private final HttpResources resources;
    private final HttpTransport http;

    /** False once the server answered 501 to a {@code /versions/} path. */
    private volatile boolean versionPaths = true;

    /** Whether the fallback to unversioned paths has been logged: once per client. */
    private final AtomicBoolean fallbackLogged = new AtomicBoolean();

    /** The infer URL as last built, with the {@link #versionPaths} it was built for. */
    private volatile InferUrl inferUrl;

    private static final class InferUrl {
        final HttpUrl url;
        final boolean versioned;
        final String what;

        InferUrl(HttpUrl url, boolean versioned) {
            this.url = url;
            this.versioned = versioned;
            this.what = describe("POST", url);
        }
    }

    HttpModelTransport(ClientSettings settings) {
        this.settings = settings;
        this.resources = new HttpResources(settings);
        this.http = new HttpTransport(settings, resources);
    }

    // ---- URLs --------------------------------------------------------------------------------

    private HttpUrl.Builder v2() {
        return settings.endpoint.newBuilder().query(null).fragment(null).addPathSegment("v2");
    }

    /** {@code …/v2/models/{m}[/versions/{v}]/{tail}}. */
    private HttpUrl modelUrl(String tail, boolean versioned) {
        HttpUrl.Builder url = v2().addPathSegment("models").addPathSegment(settings.model);
        if (versioned) {
            url.addPathSegment("versions").addPathSegment(settings.modelVersion);
        }
        if (tail != null) {
            url.addPathSegment(tail);
        }
        return url.build();
    }

    private HttpUrl modelUrl(String tail) {
        return modelUrl(tail, usesVersionPath());
    }

    /** {@code modelUrl("infer")}, built once (and again after a fallback to unversioned paths). */
    private InferUrl inferUrl() {
        InferUrl cached = inferUrl;
        boolean versioned = usesVersionPath();
        if (cached == null || cached.versioned != versioned) {
            cached = new InferUrl(modelUrl("infer", versioned), versioned);
            inferUrl = cached;
        }
        return cached;
    }

    private boolean usesVersionPath() {
        return settings.modelVersion != null && versionPaths;
    }

    private static String describe(String method, HttpUrl url) {
        return method + " " + url.encodedPath();
    }

    private HttpUrl health(String which) {
        return v2().addPathSegment("health").addPathSegment(which).build();
    }

    @Override
    public String describe(Exchange exchange) {
        switch (exchange) {
            case SERVER_LIVE:
                return describe("GET", health("live"));
            case SERVER_READY:
                return describe("GET", health("ready"));
            case MODEL_READY:
                return describe("GET", modelUrl("ready"));
            case MODEL_METADATA:
                return describe("GET", modelUrl(null));
            case MODEL_CONFIG:
                return describe("GET", modelUrl("config"));
            case MODEL_INFER:
                return inferUrl().what;
            default:
                throw new IllegalArgumentException(exchange.toString());
        }
    }

    // ---- health ------------------------------------------------------------------------------

    @Override
    public TransportCall serverLive(TransportCallback<Boolean> done) {
        HttpUrl url = health("live");
        return http.call(
                http.get(url), describe("GET", url), response -> response.code() == 200, done);
    }

    @Override
    public TransportCall serverReady(TransportCallback<Boolean> done) {
        HttpUrl url = health("ready");
        return http.call(
                http.get(url), describe("GET", url), response -> response.code() == 200, done);
    }

    @Override
    public TransportCall modelReady(TransportCallback<Boolean> done) {
        return new Chain<Integer, Boolean>(done) {
            /** Whether the request was sent to the version path: another may have dropped it. */
            private boolean asked;

            @Override
            TransportCall first(TransportCallback<Integer> next) {
                asked = usesVersionPath();
                HttpUrl url = modelUrl("ready", asked);
                return http.call(http.get(url), describe("GET", url), HttpReply::code, next);
            }

            @Override
            boolean again(Integer code) {
                if (code == 501 && asked) {
                    dropVersionPaths(modelUrl("ready", true));
                    return true;
                }
                return false;
            }

            @Override
            Boolean result(Integer code) {
                return code == 200;
            }
        };
    }

    /**
     * Switches to unversioned paths after a 501 for {@code refused}. The model's default version
     * then answers, which may not be the one asked for: say so, once per client.
     */
    private void dropVersionPaths(HttpUrl refused) {
        versionPaths = false;
        if (fallbackLogged.compareAndSet(false, true)) {
            ClientLog.warn(
                    ModelEndpoints.class,
                    "Model '"
                            + settings.model
                            + "' version "
                            + settings.modelVersion
                            + ": "
                            + settings.endpointText
                            + " answered HTTP 501 to "
                            + describe("GET", refused)
                            + " (it serves no /versions/ paths, as KServe's Python model server);"
                            + " using the unversioned paths, so the server's default version of"
                            + " the model answers, not necessarily version "
                            + settings.modelVersion);
        }
    }

    // ---- model information -------------------------------------------------------------------

    @Override
    public TransportCall modelMetadata(TransportCallback<ModelMetadata> done) {
        return new Chain<ModelMetadata, ModelMetadata>(done) {
            private boolean versioned;
            private HttpUrl url;

            @Override
            TransportCall first(TransportCallback<ModelMetadata> next) {
                versioned = usesVersionPath();
                url = modelUrl(null, versioned);
                String what = describe("GET", url);
                boolean asked = versioned;
                return http.call(
                        http.get(url),
                        what,
                        response -> {
                            if (response.code() == 501 && asked) {
                                return null; // asked again below without the version segment
                            }
                            http.requireSuccess(response, what);
                            return read(response, what, ModelMetadata::parse);
                        },
                        next);
            }

            @Override
            boolean again(ModelMetadata metadata) {
                if (metadata == null) {
                    dropVersionPaths(url);
                    return true;
                }
                return false;
            }

            @Override
            ModelMetadata result(ModelMetadata metadata) {
                checkVersion(metadata);
                return metadata;
            }
        };
    }

    @Override
    public TransportCall modelConfig(TransportCallback<ModelConfig> done) {
        HttpUrl url = modelUrl("config");
        String what = describe("GET", url);
        return http.call(
                http.get(url),
                what,
                response -> {
                    int code = response.code();
                    if (code == 400 || code == 404 || code == 405 || code == 501) {
                        return null; // no config endpoint here
                    }
                    http.requireSuccess(response, what);
                    return read(response, what, ModelConfig::parse);
                },
                done);
    }

    /** Reads the body with {@code parser}. */
    private <T> T read(HttpReply response, String what, BiFunction<byte[], String, T> parser)
            throws IOException {
        byte[] body = http.readBody(response, settings.maxResponseBytes, what);
        return parser.apply(body, what);
    }

    private void checkVersion(ModelMetadata metadata) {
        if (settings.modelVersion != null
                && !versionPaths
                && !metadata.versions().isEmpty()
                && !metadata.versions().contains(settings.modelVersion)) {
            throw new TritonException(
                    "the server does not take version paths and lists only versions "
                            + metadata.versions()
                            + " for the model");
        }
    }

    // ---- inference ---------------------------------------------------------------------------

    @Override
    public TransportCall infer(
            EncodedBody request, String what, TransportCallback<List<Tensor>> done) {
        InferUrl url = inferUrl();
        OutgoingRequest post;
        try {
            post = http.post(url.url, request);
        } catch (IOException e) {
            throw new TritonException("compressing the request failed: " + e, e);
        }
        return http.call(post, what, response -> outputs(response, what), done);
    }

    private List<Tensor> outputs(HttpReply response, String what) throws IOException {
        http.requireSuccess(response, what);
        byte[] body = http.readBody(response, settings.maxResponseBytes, what);
        int headerLength = headerLength(response.header(EncodedBody.HEADER_LENGTH), what);
        return ResponseDecoder.outputs(body, headerLength);
    }

    private static int headerLength(String value, String what) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            int length = Integer.parseInt(value.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TritonProtocolException(
                "the response to "
                        + what
                        + " has an invalid "
                        + EncodedBody.HEADER_LENGTH
                        + " '"
                        + (value.length() > 40 ? value.substring(0, 40) + "..." : value)
                        + "'");
    }

    // ---- the client's share ------------------------------------------------------------------

    @Override
    public Map<String, Integer> stats() {
        return Map.of(
                "activeCalls", resources.runningCalls(),
                "connections", resources.connectionCount(),
                "sharedUsers", resources.stackUsers());
    }

    @Override
    public boolean onOwnThread() {
        return resources.onOwnThread();
    }

    @Override
    public ScheduledExecutorService timer() {
        return resources.timer();
    }

    @Override
    public void cancelAll() {
        resources.cancelAll();
    }

    @Override
    public void close(long waitMillis) {
        resources.shutdown(waitMillis);
    }

    /**
     * An exchange that may be sent again once, after an answer that says to (a 501 for a version
     * path): cancelling it cancels whichever is running.
     *
     * @param <A> what each exchange answers
     * @param <R> the result
     */
    private abstract static class Chain<A, R> implements TransportCall {
        private final TransportCallback<R> done;
        private TransportCall current; // guarded by this
        private boolean cancelled; // guarded by this
        private boolean retried; // guarded by this

        Chain(TransportCallback<R> done) {
            this.done = done;
        }

        abstract TransportCall first(TransportCallback<A> next);

        /** Whether {@code answer} asks for the exchange once more. */
        abstract boolean again(A answer);

        abstract R result(A answer);

        @Override
        public void start(boolean onCallingThread) {
            TransportCall call = first(this::answered);
            boolean cancel;
            synchronized (this) {
                current = call;
                cancel = cancelled;
            }
            call.start(onCallingThread);
            if (cancel) {
                call.cancel();
            }
        }

        private void answered(A answer, TritonException error) {
            if (error != null) {
                done.done(null, error);
                return;
            }
            R result;
            try {
                boolean repeat;
                synchronized (this) {
                    repeat = !retried && !cancelled && again(answer);
                    retried |= repeat;
                }
                if (repeat) {
                    start(false);
                    return;
                }
                result = result(answer);
            } catch (TritonException e) {
                done.done(null, e);
                return;
            }
            done.done(result, null);
        }

        @Override
        public void cancel() {
            TransportCall call;
            synchronized (this) {
                cancelled = true;
                call = current;
            }
            if (call != null) {
                call.cancel();
            }
        }
    }
}
