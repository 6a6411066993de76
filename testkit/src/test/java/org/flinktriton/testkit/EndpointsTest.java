package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flinktriton.testkit.V2Http.get;
import static org.flinktriton.testkit.V2Http.post;

import com.fasterxml.jackson.databind.JsonNode;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.V2Http.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Health, metadata, config, ready and the errors of every non-infer path, as JSON on the wire. */
class EndpointsTest {
    static TritonTestServer server;
    static String base;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.simple())
                        .model(TestModels.identity("scalar_bytes", 0, TritonDataType.BYTES, 1))
                        .model(
                                TestModels.addSub("kserve", TritonDataType.FP32, -1, 4).toBuilder()
                                        .genericKServe()
                                        .build())
                        .model(
                                TestModels.identity("v7", 2, TritonDataType.INT64, 2, -1)
                                        .toBuilder()
                                        .version("7")
                                        .build())
                        .start();
        base = server.endpoint();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void allReady() {
        server.setReady(true);
        server.setModelReady("simple", true);
    }

    @Test
    void endpointIsLoopbackWithThePort() {
        assertThat(base).isEqualTo("http://127.0.0.1:" + server.port());
        assertThat(server.port()).isPositive();
    }

    @Test
    void healthAndServerMetadata() {
        assertThat(get(base + "/v2/health/live").status).isEqualTo(200);
        assertThat(get(base + "/v2/health/ready").status).isEqualTo(200);
        Response metadata = get(base + "/v2");
        assertThat(metadata.status).isEqualTo(200);
        assertThat(metadata.header("Content-Type")).isEqualTo("application/json");
        assertThat(metadata.json().path("name").asText()).isEqualTo("flink-triton-testkit");
        assertThat(metadata.json().path("extensions").toString())
                .contains("binary_tensor_data", "model_configuration");
    }

    @Test
    void notReadyServerAndModelAnswer400() {
        server.setModelReady("simple", false);
        assertThat(get(base + "/v2/models/simple/ready").status).isEqualTo(400);
        assertThat(get(base + "/v2/models/scalar_bytes/ready").status).isEqualTo(200);
        assertThat(get(base + "/v2/models/simple").status).isEqualTo(200);
        Response infer = V2Http.postJson(base + "/v2/models/simple/infer", "{\"inputs\":[]}");
        assertThat(infer.status).isEqualTo(503);
        assertThat(infer.error()).isEqualTo("Model 'simple' is not ready");

        server.setReady(false);
        assertThat(get(base + "/v2/health/ready").status).isEqualTo(400);
        assertThat(get(base + "/v2/health/live").status).isEqualTo(200);
        assertThat(get(base + "/v2/models/scalar_bytes/ready").status).isEqualTo(400);
    }

    @Test
    void modelReadyWithAndWithoutVersion() {
        assertThat(get(base + "/v2/models/simple/ready").status).isEqualTo(200);
        assertThat(get(base + "/v2/models/simple/versions/1/ready").status).isEqualTo(200);
        assertThat(get(base + "/v2/models/v7/versions/7/ready").status).isEqualTo(200);
    }

    @Test
    void metadataShapesIncludeTheBatchDimension() {
        Response response = get(base + "/v2/models/simple");
        assertThat(response.status).isEqualTo(200);
        assertThat(response.json())
                .isEqualTo(
                        json(
                                "{'name':'simple','versions':['1'],'platform':'flink_triton_testkit',"
                                        + "'inputs':["
                                        + "{'name':'INPUT0','datatype':'INT32','shape':[-1,16]},"
                                        + "{'name':'INPUT1','datatype':'INT32','shape':[-1,16]}],"
                                        + "'outputs':["
                                        + "{'name':'OUTPUT0','datatype':'INT32','shape':[-1,16]},"
                                        + "{'name':'OUTPUT1','datatype':'INT32','shape':[-1,16]}]}"));
        assertThat(get(base + "/v2/models/simple/versions/1").json()).isEqualTo(response.json());
    }

    @Test
    void metadataOfAnUnbatchedModelHasNoBatchDimension() {
        JsonNode metadata = get(base + "/v2/models/scalar_bytes").json();
        assertThat(metadata.path("inputs").get(0).toString())
                .isEqualTo("{\"name\":\"INPUT0\",\"datatype\":\"BYTES\",\"shape\":[1]}");
        JsonNode v7 = get(base + "/v2/models/v7/versions/7").json();
        assertThat(v7.path("versions").toString()).isEqualTo("[\"7\"]");
        assertThat(v7.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,2,-1]");
    }

    @Test
    void configIsTritonsWithDimsWithoutTheBatchDimension() {
        Response response = get(base + "/v2/models/simple/config");
        assertThat(response.status).isEqualTo(200);
        JsonNode config = response.json();
        assertThat(config.path("name").asText()).isEqualTo("simple");
        assertThat(config.path("max_batch_size").asInt()).isEqualTo(8);
        assertThat(config.path("input").size()).isEqualTo(2);
        JsonNode input = config.path("input").get(0);
        assertThat(input.path("name").asText()).isEqualTo("INPUT0");
        assertThat(input.path("data_type").asText()).isEqualTo("TYPE_INT32");
        assertThat(input.path("dims").toString()).isEqualTo("[16]");
        JsonNode output = config.path("output").get(1);
        assertThat(output.path("name").asText()).isEqualTo("OUTPUT1");
        assertThat(output.path("data_type").asText()).isEqualTo("TYPE_INT32");
        assertThat(output.path("dims").toString()).isEqualTo("[16]");
        assertThat(config.has("dynamic_batching")).isTrue();

        JsonNode unbatched = get(base + "/v2/models/scalar_bytes/config").json();
        assertThat(unbatched.path("max_batch_size").asInt()).isZero();
        assertThat(unbatched.path("input").get(0).path("data_type").asText())
                .isEqualTo("TYPE_STRING");
        assertThat(unbatched.path("input").get(0).path("dims").toString()).isEqualTo("[1]");
        assertThat(unbatched.has("dynamic_batching")).isFalse();
        assertThat(
                        get(base + "/v2/models/v7/versions/7/config")
                                .json()
                                .path("input")
                                .get(0)
                                .path("dims")
                                .toString())
                .isEqualTo("[2,-1]");
    }

    @Test
    void genericKServeModelHasNoConfigNoVersionPathsAndNulls() {
        Response config = get(base + "/v2/models/kserve/config");
        assertThat(config.status).isEqualTo(404);
        assertThat(config.error()).contains("Not Found");

        Response versioned = get(base + "/v2/models/kserve/versions/1");
        assertThat(versioned.status).isEqualTo(501);
        assertThat(versioned.error()).contains("not supported").contains("'kserve'");
        assertThat(get(base + "/v2/models/kserve/versions/1/ready").status).isEqualTo(501);

        JsonNode metadata = get(base + "/v2/models/kserve").json();
        assertThat(metadata.has("versions")).isTrue();
        assertThat(metadata.get("versions").isNull()).isTrue();
        assertThat(metadata.path("inputs").get(0).get("parameters").isNull()).isTrue();
        assertThat(metadata.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,-1]");
    }

    @Test
    void unknownModelOrVersionIs404WithTritonsText() {
        for (String path :
                new String[] {
                    "/v2/models/nope", "/v2/models/nope/ready", "/v2/models/nope/config"
                }) {
            Response response = get(base + path);
            assertThat(response.status).as(path).isEqualTo(404);
            assertThat(response.error())
                    .isEqualTo("Request for unknown model: 'nope' is not found");
        }
        Response infer = V2Http.postJson(base + "/v2/models/nope/infer", "{\"inputs\":[]}");
        assertThat(infer.status).isEqualTo(404);
        assertThat(infer.error()).isEqualTo("Request for unknown model: 'nope' is not found");

        Response version = get(base + "/v2/models/simple/versions/2");
        assertThat(version.status).isEqualTo(404);
        assertThat(version.error())
                .isEqualTo("Request for unknown model: 'simple' version 2 is not found");
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() {
        assertThat(get(base + "/v3/health/live").status).isEqualTo(404);
        assertThat(get(base + "/v2/health/dead").status).isEqualTo(404);
        assertThat(get(base + "/v2/models/simple/explain").status).isEqualTo(404);
        assertThat(get(base + "/v2/models/simple/infer/more").status).isEqualTo(404);

        Response getInfer = get(base + "/v2/models/simple/infer");
        assertThat(getInfer.status).isEqualTo(405);
        assertThat(getInfer.header("Allow")).isEqualTo("POST");
        assertThat(getInfer.error()).contains("GET").contains("POST");

        Response postLive = post(base + "/v2/health/live", new byte[0]);
        assertThat(postLive.status).isEqualTo(405);
        assertThat(postLive.header("Allow")).isEqualTo("GET");
        assertThat(post(base + "/v2/models/simple/config", new byte[0]).status).isEqualTo(405);
    }

    @Test
    void repositoryIndexListsTheModels() {
        JsonNode index = post(base + "/v2/repository/index", new byte[0]).json();
        assertThat(index.size()).isEqualTo(4);
        assertThat(index.get(2).toString())
                .isEqualTo("{\"name\":\"simple\",\"version\":\"1\",\"state\":\"READY\"}");
    }

    @Test
    void modelsCanBeAddedAndRemovedWhileRunning() {
        server.addModel(TestModels.identity("late", 0, TritonDataType.FP32, 3));
        try {
            assertThat(get(base + "/v2/models/late").status).isEqualTo(200);
        } finally {
            assertThat(server.removeModel("late")).isTrue();
        }
        assertThat(get(base + "/v2/models/late").status).isEqualTo(404);
        assertThat(server.removeModel("late")).isFalse();
    }

    @Test
    void responsesAreCompressedWhenAskedFor() {
        Response gzip = get(base + "/v2/models/simple", "Accept-Encoding", "gzip, deflate");
        assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(gzip.json().path("name").asText()).isEqualTo("simple");
        Response deflate = get(base + "/v2/models/simple", "Accept-Encoding", "gzip;q=0, deflate");
        assertThat(deflate.header("Content-Encoding")).isEqualTo("deflate");
        assertThat(deflate.json().path("name").asText()).isEqualTo("simple");
        assertThat(get(base + "/v2/models/simple").header("Content-Encoding")).isNull();
    }

    static JsonNode json(String singleQuoted) {
        try {
            return V2Http.MAPPER.readTree(singleQuoted.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
