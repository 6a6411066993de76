package org.flinktriton.client;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import okhttp3.HttpUrl;
import okhttp3.Response;
import org.flinktriton.TritonException;
import org.flinktriton.wire.ModelConfig;
import org.flinktriton.wire.ModelMetadata;

/**
 * The model's URLs and its GET endpoints: health, readiness, metadata and Triton's configuration.
 * The model information is fetched once and kept; a failed fetch is not kept, so the next call
 * tries again. Its requests are retried by the client's retry policy, within one budget for
 * metadata and configuration together, as an inference request is (see {@link Resilience#fetch}): a
 * model still loading when a task starts (503) or a server restarting is waited for.
 *
 * <p>Servers other than Triton are taken as they come: a missing {@code …/config} (404, 400, 405 or
 * 501) falls back to the metadata, a 501 for a {@code /versions/} path switches to the unversioned
 * paths (checking that the metadata lists the version, and warning once in the log that the
 * server's default version answers), and {@code null} optional fields read as absent.
 */
final class ModelEndpoints {
    private final ClientSettings settings;
    private final HttpTransport transport;
    private final Resilience resilience;
    private final AtomicReference<CompletableFuture<TritonModelInfo>> info =
            new AtomicReference<>();

    /** False once the server answered 501 to a {@code /versions/} path. */
    private volatile boolean versionPaths = true;

    /** Whether the fallback to unversioned paths has been logged: once per client. */
    private final AtomicBoolean fallbackLogged = new AtomicBoolean();

    /** The infer URL as last built, with the {@link #versionPaths} it was built for. */
    private volatile InferUrl inferUrl;

    private static final class InferUrl {
        final HttpUrl url;
        final boolean versioned;

        InferUrl(HttpUrl url, boolean versioned) {
            this.url = url;
            this.versioned = versioned;
        }
    }

    ModelEndpoints(ClientSettings settings, HttpTransport transport, Resilience resilience) {
        this.settings = settings;
        this.transport = transport;
        this.resilience = resilience;
    }

    // ---- URLs --------------------------------------------------------------------------------

    private HttpUrl.Builder v2() {
        return settings.endpoint.newBuilder().query(null).fragment(null).addPathSegment("v2");
    }

    /** {@code …/v2/models/{m}[/versions/{v}]/{tail}}. */
    HttpUrl modelUrl(String tail) {
        HttpUrl.Builder url = v2().addPathSegment("models").addPathSegment(settings.model);
        if (settings.modelVersion != null && versionPaths) {
            url.addPathSegment("versions").addPathSegment(settings.modelVersion);
        }
        if (tail != null) {
            url.addPathSegment(tail);
        }
        return url.build();
    }

    /** {@code modelUrl("infer")}, built once (and again after a fallback to unversioned paths). */
    HttpUrl inferUrl() {
        InferUrl cached = inferUrl;
        boolean versioned = versionPaths;
        if (cached == null || cached.versioned != versioned) {
            cached = new InferUrl(modelUrl("infer"), versioned);
            inferUrl = cached;
        }
        return cached.url;
    }

    private boolean usesVersionPath() {
        return settings.modelVersion != null && versionPaths;
    }

    static String describe(String method, HttpUrl url) {
        return method + " " + url.encodedPath();
    }

    // ---- health ------------------------------------------------------------------------------

    void serverLive(Operation<Boolean> op) {
        probe(op, v2().addPathSegment("health").addPathSegment("live").build(), false);
    }

    void serverReady(Operation<Boolean> op) {
        probe(op, v2().addPathSegment("health").addPathSegment("ready").build(), false);
    }

    void modelReady(Operation<Boolean> op) {
        probe(op, modelUrl("ready"), usesVersionPath());
    }

    /** Completes {@code op} with whether {@code url} answers 200; transport failures fail it. */
    private void probe(Operation<Boolean> op, HttpUrl url, boolean versioned) {
        transport.send(
                op,
                transport.get(url),
                describe("GET", url),
                Response::code,
                (code, error) -> {
                    if (error != null) {
                        op.completeExceptionally(error);
                    } else if (code == 501 && versioned) {
                        dropVersionPaths(url);
                        probe(op, modelUrl("ready"), false);
                    } else {
                        op.complete(code == 200);
                    }
                });
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

    /** The model information, fetched on first use; the returned future is shared. */
    CompletableFuture<TritonModelInfo> info() {
        while (true) {
            CompletableFuture<TritonModelInfo> current = info.get();
            if (current != null && !current.isCompletedExceptionally()) {
                return current;
            }
            CompletableFuture<TritonModelInfo> fresh = new CompletableFuture<>();
            if (info.compareAndSet(current, fresh)) {
                fetchMetadata(fresh, usesVersionPath(), resilience.deadline());
                return fresh;
            }
        }
    }

    private void fetchMetadata(
            CompletableFuture<TritonModelInfo> result, boolean versioned, long deadline) {
        HttpUrl url = modelUrl(null);
        String what = describe("GET", url);
        resilience.fetch(
                deadline,
                transport.get(url),
                what,
                response -> {
                    if (response.code() == 501 && versioned) {
                        return null; // retried below without the version segment
                    }
                    transport.requireSuccess(response, what);
                    return read(response, what, ModelMetadata::parse);
                },
                (metadata, error, attempts) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (metadata == null) {
                        dropVersionPaths(url);
                        fetchMetadata(result, false, deadline);
                    } else {
                        try {
                            checkVersion(metadata);
                            fetchConfig(result, metadata, deadline);
                        } catch (TritonException e) {
                            result.completeExceptionally(e);
                        }
                    }
                });
    }

    private void fetchConfig(
            CompletableFuture<TritonModelInfo> result, ModelMetadata metadata, long deadline) {
        HttpUrl url = modelUrl("config");
        String what = describe("GET", url);
        resilience.fetch(
                deadline,
                transport.get(url),
                what,
                response -> {
                    int code = response.code();
                    if (code == 400 || code == 404 || code == 405 || code == 501) {
                        return null; // no config endpoint here
                    }
                    transport.requireSuccess(response, what);
                    return read(response, what, ModelConfig::parse);
                },
                (config, error, attempts) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                        return;
                    }
                    result.complete(TritonModelInfo.of(settings.model, metadata, config));
                });
    }

    /** Reads the body with {@code parser}. */
    private <T> T read(Response response, String what, BiFunction<byte[], String, T> parser)
            throws IOException {
        byte[] body = transport.readBody(response, settings.maxResponseBytes, what);
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
}
