package org.flinktriton.samples.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.testkit.TritonTestServer;

/**
 * The server a sample talks to: the embedded {@link TritonTestServer} with the sample's Java model
 * when no {@code --endpoint} is given (serving gRPC too with {@code --grpc}, and then called over
 * gRPC), or the given server.
 *
 * <p>It also counts the inference requests the server received for the model, for the summary line:
 * the embedded server counts them itself ({@link TritonTestServer#stats()}); a real Triton reports
 * them in its statistics extension ({@code GET /v2/models/<model>/stats}, {@code
 * inference_stats.success.count}), which also counts requests from other clients of the same model.
 * A server with neither reports no count.
 *
 * <pre>{@code
 * try (SampleServer server = SampleServer.start(options, SimpleJob::embeddedModel)) {
 *     long before = server.requests().orElse(0);
 *     ... run the job against server.endpoint() ...
 * }
 * }</pre>
 */
public final class SampleServer implements AutoCloseable {
    private final TritonTestServer embedded;
    private final String endpoint;
    private final String model;

    private SampleServer(TritonTestServer embedded, String endpoint, String model) {
        this.embedded = embedded;
        this.endpoint = endpoint;
        this.model = model;
    }

    /**
     * Starts the embedded server with the model {@code embeddedModel} builds under the name {@code
     * options.model()} when {@code options} name no endpoint; otherwise uses the endpoint.
     */
    public static SampleServer start(
            SampleOptions options, Function<String, TestModel> embeddedModel) {
        if (options.endpoint().isPresent()) {
            return new SampleServer(null, options.endpoint().get(), options.model());
        }
        TestModel model = embeddedModel.apply(options.model());
        TritonTestServer.Builder builder = TritonTestServer.builder().model(model);
        if (options.grpc()) {
            builder.grpc();
        }
        TritonTestServer server = builder.start();
        return new SampleServer(
                server,
                options.grpc() ? server.grpcEndpoint() : server.endpoint(),
                options.model());
    }

    /** The base URL the job should call: {@code http://…}, or {@code grpc://…} with gRPC. */
    public String endpoint() {
        return endpoint;
    }

    /** Whether this is the embedded test server. */
    public boolean isEmbedded() {
        return embedded != null;
    }

    /** The embedded test server, when this started one: its stats show what reached it. */
    public Optional<TritonTestServer> embeddedServer() {
        return Optional.ofNullable(embedded);
    }

    /** Inference requests the server has received for the model so far, when it says. */
    public OptionalLong requests() {
        if (embedded != null) {
            return OptionalLong.of(embedded.stats().inferRequests(model));
        }
        return tritonStatistics();
    }

    private OptionalLong tritonStatistics() {
        if (endpoint.startsWith("grpc")) {
            // Triton's statistics over gRPC are an RPC of their own, not read here.
            return OptionalLong.empty();
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = endpoint.contains("://") ? endpoint : "http://" + endpoint;
        URI uri =
                URI.create(
                        base.replaceAll("/+$", "")
                                + "/v2/models/"
                                + URLEncoder.encode(model, StandardCharsets.UTF_8)
                                + "/stats");
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            JsonNode stats = new ObjectMapper().readTree(response.body()).path("model_stats");
            if (!stats.isArray() || stats.isEmpty()) {
                return OptionalLong.empty();
            }
            long requests = 0;
            for (JsonNode version : stats) {
                JsonNode count = version.path("inference_stats").path("success").path("count");
                if (!count.canConvertToLong()) {
                    return OptionalLong.empty();
                }
                requests += count.asLong();
            }
            return OptionalLong.of(requests);
        } catch (IOException | IllegalArgumentException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /** Stops the embedded server, if this started one. */
    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }

    @Override
    public String toString() {
        return isEmbedded() ? "the embedded test server at " + endpoint : endpoint;
    }
}
