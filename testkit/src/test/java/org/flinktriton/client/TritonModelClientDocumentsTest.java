package org.flinktriton.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.flinktriton.TritonProtocolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Model metadata and configuration as servers other than the testkit's send them: odd ones the
 * client takes in stride, broken ones it refuses with the model named once.
 */
class TritonModelClientDocumentsTest {
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    String document = documents.get(exchange.getRequestURI().getPath());
                    byte[] body =
                            (document == null ? "{'error':'Not Found'}" : document)
                                    .replace('\'', '"')
                                    .getBytes(UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(document == null ? 404 : 200, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private TritonModelInfo modelInfo() {
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint("http://127.0.0.1:" + server.getAddress().getPort())
                        .model("m")
                        .build()) {
            return client.modelInfo().orTimeout(15, SECONDS).join();
        }
    }

    private Throwable failure() {
        Throwable thrown = catchThrowable(this::modelInfo);
        assertThat(thrown).isInstanceOf(CompletionException.class);
        return thrown.getCause();
    }

    @Test
    void takesNullsAndAMissingConfigInStride() {
        documents.put(
                "/v2/models/m",
                "{'name':null,'versions':null,'platform':null,"
                        + "'inputs':[{'name':'X','datatype':'FP32','shape':[-1,3],'parameters':null}],"
                        + "'outputs':null}");

        TritonModelInfo info = modelInfo();

        assertThat(info.name()).isEqualTo("m");
        assertThat(info.versions()).isEmpty();
        assertThat(info.platform()).isEmpty();
        assertThat(info.input("X").orElseThrow()).hasToString("X FP32[-1,3]");
        assertThat(info.outputs()).isEmpty();
        assertThat(info.hasConfig()).isFalse();
        assertThat(info.maxBatchSize()).isEqualTo(-1);
    }

    @Test
    void takesTheLimitAndOptionalInputsFromTheConfig() {
        documents.put(
                "/v2/models/m",
                "{'name':'m','inputs':[{'name':'X','datatype':'FP32','shape':[3]},"
                        + "{'name':'Y','datatype':'FP32','shape':[3]}]}");
        documents.put(
                "/v2/models/m/config",
                "{'max_batch_size':4,'input':[{'name':'Y','optional':true}]}");

        TritonModelInfo info = modelInfo();

        assertThat(info.hasConfig()).isTrue();
        assertThat(info.maxBatchSize()).isEqualTo(4);
        assertThat(info.optionalInputs()).containsExactly("Y");
    }

    @Test
    void aBrokenMetadataDocumentIsAProtocolErrorNamingTheModelOnce() {
        documents.put("/v2/models/m", "{'inputs':[{'name':'X','shape':[-2]}]}");

        assertThat(failure())
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage("Model 'm': GET /v2/models/m: input 'X' has an invalid shape [-2]");
    }

    @Test
    void aBrokenConfigIsAProtocolErrorNamingTheModelOnce() {
        documents.put("/v2/models/m", "{'inputs':[]}");
        documents.put("/v2/models/m/config", "{'max_batch_size':-8}");

        assertThat(failure())
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage("Model 'm': GET /v2/models/m/config has an invalid max_batch_size -8");
    }
}
