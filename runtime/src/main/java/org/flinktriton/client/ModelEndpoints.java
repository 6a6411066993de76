package org.flinktriton.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.HttpUrl;
import okhttp3.Response;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;

/**
 * The model's URLs and its GET endpoints: health, readiness, metadata and Triton's configuration.
 * The model information is fetched once and kept; a failed fetch is not kept, so the next call
 * tries again.
 *
 * <p>Servers other than Triton are taken as they come: a missing {@code …/config} (404, 400, 405 or
 * 501) falls back to the metadata, a 501 for a {@code /versions/} path switches to the unversioned
 * paths (checking that the metadata lists the version), and {@code null} optional fields read as
 * absent.
 */
final class ModelEndpoints {
    private final ClientSettings settings;
    private final HttpTransport transport;
    private final AtomicReference<CompletableFuture<TritonModelInfo>> info =
            new AtomicReference<>();

    /** False once the server answered 501 to a {@code /versions/} path. */
    private volatile boolean versionPaths = true;

    ModelEndpoints(ClientSettings settings, HttpTransport transport) {
        this.settings = settings;
        this.transport = transport;
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
                        versionPaths = false;
                        probe(op, modelUrl("ready"), false);
                    } else {
                        op.complete(code == 200);
                    }
                });
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
                fetchMetadata(fresh, usesVersionPath());
                return fresh;
            }
        }
    }

    private void fetchMetadata(CompletableFuture<TritonModelInfo> result, boolean versioned) {
        HttpUrl url = modelUrl(null);
        String what = describe("GET", url);
        transport.send(
                null,
                transport.get(url),
                what,
                response -> {
                    if (response.code() == 501 && versioned) {
                        return null; // retried below without the version segment
                    }
                    if (response.code() >= 400) {
                        throw transport.serverError(response, what);
                    }
                    if (response.code() != 200) {
                        throw unexpected(what, response);
                    }
                    return readJson(response, what);
                },
                (metadata, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else if (metadata == null) {
                        versionPaths = false;
                        fetchMetadata(result, false);
                    } else {
                        try {
                            Metadata parsed = parseMetadata(metadata, what);
                            fetchConfig(result, parsed);
                        } catch (TritonException e) {
                            result.completeExceptionally(e);
                        }
                    }
                });
    }

    private void fetchConfig(CompletableFuture<TritonModelInfo> result, Metadata metadata) {
        HttpUrl url = modelUrl("config");
        String what = describe("GET", url);
        transport.send(
                null,
                transport.get(url),
                what,
                response -> {
                    int code = response.code();
                    if (code == 400 || code == 404 || code == 405 || code == 501) {
                        return HttpTransport.JSON.nullNode(); // no config endpoint here
                    }
                    if (code >= 400) {
                        throw transport.serverError(response, what);
                    }
                    if (code != 200) {
                        throw unexpected(what, response);
                    }
                    return readJson(response, what);
                },
                (config, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                        return;
                    }
                    try {
                        result.complete(combine(metadata, config, what));
                    } catch (TritonException e) {
                        result.completeExceptionally(e);
                    }
                });
    }

    private TritonProtocolException unexpected(String what, Response response) {
        return new TritonProtocolException(
                settings.modelText
                        + ": "
                        + what
                        + " answered an unexpected HTTP "
                        + response.code()
                        + " from "
                        + settings.endpointText);
    }

    private JsonNode readJson(Response response, String what) throws IOException {
        byte[] body = transport.readBody(response, settings.maxResponseBytes, what);
        JsonNode json;
        try {
            json = HttpTransport.JSON.readTree(body);
        } catch (IOException e) {
            throw new TritonProtocolException(
                    settings.modelText + ": the answer to " + what + " is not JSON", e);
        }
        if (json == null || !json.isObject()) {
            throw new TritonProtocolException(
                    settings.modelText + ": the answer to " + what + " is not a JSON object");
        }
        return json;
    }

    /** The parts of the metadata the client uses. */
    private static final class Metadata {
        final String name;
        final List<String> versions;
        final String platform;
        final List<TritonModelInfo.Tensor> inputs;
        final List<TritonModelInfo.Tensor> outputs;

        Metadata(
                String name,
                List<String> versions,
                String platform,
                List<TritonModelInfo.Tensor> inputs,
                List<TritonModelInfo.Tensor> outputs) {
            this.name = name;
            this.versions = versions;
            this.platform = platform;
            this.inputs = inputs;
            this.outputs = outputs;
        }
    }

    private Metadata parseMetadata(JsonNode json, String what) {
        String name = text(json.get("name"));
        List<String> versions = new ArrayList<>();
        JsonNode versionsNode = json.get("versions");
        if (versionsNode != null && versionsNode.isArray()) {
            for (JsonNode version : versionsNode) {
                if (version.isValueNode() && !version.isNull()) {
                    versions.add(version.asText());
                }
            }
        }
        if (settings.modelVersion != null
                && !versionPaths
                && !versions.isEmpty()
                && !versions.contains(settings.modelVersion)) {
            throw new TritonException(
                    settings.modelText
                            + ": the server does not take version paths and lists only versions "
                            + versions
                            + " for the model");
        }
        return new Metadata(
                name == null ? settings.model : name,
                versions,
                text(json.get("platform")),
                tensors(json.get("inputs"), "input", what),
                tensors(json.get("outputs"), "output", what));
    }

    private List<TritonModelInfo.Tensor> tensors(JsonNode array, String role, String what) {
        List<TritonModelInfo.Tensor> tensors = new ArrayList<>();
        if (array == null || array.isNull()) {
            return tensors;
        }
        if (!array.isArray()) {
            throw new TritonProtocolException(
                    settings.modelText + ": " + what + " has '" + role + "s' that is not an array");
        }
        for (JsonNode node : array) {
            String name = node.isObject() ? text(node.get("name")) : null;
            if (name == null || name.isEmpty()) {
                throw new TritonProtocolException(
                        settings.modelText + ": " + what + " lists an " + role + " without a name");
            }
            String datatype = text(node.get("datatype"));
            JsonNode shapeNode = node.get("shape");
            long[] shape;
            if (shapeNode == null || shapeNode.isNull()) {
                shape = new long[0];
            } else if (shapeNode.isArray()) {
                shape = new long[shapeNode.size()];
                for (int d = 0; d < shape.length; d++) {
                    JsonNode dim = shapeNode.get(d);
                    if (!dim.isIntegralNumber() || dim.asLong() < -1) {
                        throw new TritonProtocolException(
                                settings.modelText
                                        + ": "
                                        + what
                                        + ": "
                                        + role
                                        + " '"
                                        + name
                                        + "' has an invalid shape "
                                        + shapeNode);
                    }
                    shape[d] = dim.asLong();
                }
            } else {
                throw new TritonProtocolException(
                        settings.modelText
                                + ": "
                                + what
                                + ": "
                                + role
                                + " '"
                                + name
                                + "' has a shape that is not an array: "
                                + shapeNode);
            }
            tensors.add(new TritonModelInfo.Tensor(name, datatype == null ? "" : datatype, shape));
        }
        return tensors;
    }

    private TritonModelInfo combine(Metadata metadata, JsonNode config, String what) {
        Integer configMax = null;
        Set<String> optional = new HashSet<>();
        if (config != null && config.isObject()) {
            JsonNode max = config.get("max_batch_size");
            if (max != null && max.isIntegralNumber() && max.asLong() >= 0) {
                configMax = (int) Math.min(Integer.MAX_VALUE, max.asLong());
            } else if (max != null && !max.isNull()) {
                throw new TritonProtocolException(
                        settings.modelText + ": " + what + " has an invalid max_batch_size " + max);
            }
            JsonNode inputs = config.get("input");
            if (inputs != null && inputs.isArray()) {
                for (JsonNode input : inputs) {
                    JsonNode flag = input.get("optional");
                    String name = text(input.get("name"));
                    if (name != null && flag != null && flag.asBoolean(false)) {
                        optional.add(name);
                    }
                }
            }
        }
        int maxBatchSize;
        if (configMax != null) {
            maxBatchSize = configMax;
        } else {
            boolean batched = !metadata.inputs.isEmpty();
            for (TritonModelInfo.Tensor input : metadata.inputs) {
                batched &= input.rank() > 0 && input.dim(0) == -1;
            }
            maxBatchSize = batched ? -1 : 0;
        }
        return new TritonModelInfo(
                metadata.name,
                metadata.versions,
                metadata.platform,
                metadata.inputs,
                metadata.outputs,
                maxBatchSize,
                configMax != null,
                optional);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || !node.isValueNode() ? null : node.asText();
    }
}
