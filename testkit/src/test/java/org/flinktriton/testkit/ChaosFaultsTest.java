package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flinktriton.testkit.V2Http.infer;
import static org.flinktriton.testkit.V2Http.request;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.V2Http.Body;
import org.flinktriton.wire.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seeded chaos faults (failure rates, resets, latency spikes, poison records) and outages, as a
 * client sees them on the wire, with the exact counts a seed gives.
 */
@Timeout(60)
class ChaosFaultsTest {
    static final Body BODY = FaultsTest.BODY;

    private final List<TritonTestServer> servers = new ArrayList<>();

    @AfterEach
    void closeServers() {
        servers.forEach(TritonTestServer::close);
    }

    private TritonTestServer server(TestModel... models) {
        TritonTestServer server =
                TritonTestServer.start(models.length == 0 ? new TestModel[] {simple()} : models);
        servers.add(server);
        return server;
    }

    private static TestModel simple() {
        return TestModels.simple();
    }

    private static String inferUrl(TritonTestServer server) {
        return server.endpoint() + "/v2/models/simple/infer";
    }

    /** Sends {@code count} requests one after the other; the statuses, -1 for a broken one. */
    private static List<Integer> statuses(TritonTestServer server, int count) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                statuses.add(infer(inferUrl(server), BODY).status);
            } catch (UncheckedIOException e) {
                statuses.add(-1);
            }
        }
        return statuses;
    }

    private static long count(List<Integer> statuses, int status) {
        return statuses.stream().filter(s -> s == status).count();
    }

    // ---- failure rates ------------------------------------------------------------------------

    @Test
    void aFailureRateIsExactForItsSeedAndReproducible() {
        TritonTestServer first = server();
        first.faults().seed(42).failRate(0.2, 503, "model is reloading");
        List<Integer> statuses = statuses(first, 200);

        assertThat(count(statuses, 503)).isEqualTo(33); // about 20 %, exactly 33 for seed 42
        assertThat(statuses).containsOnly(200, 503);
        assertThat(first.stats().injectedFailures(503)).isEqualTo(33);
        assertThat(first.stats().injectedFailures()).containsOnlyKeys(503);
        assertThat(first.stats().responses(503)).isEqualTo(33);
        assertThat(first.stats().records()).isEqualTo(2 * 167); // failed requests do not run

        TritonTestServer second = server();
        second.faults().seed(42).failRate(0.2, 503, "model is reloading");
        assertThat(statuses(second, 200)).isEqualTo(statuses);

        TritonTestServer other = server();
        other.faults().seed(43).failRate(0.2, 503, "model is reloading");
        assertThat(statuses(other, 200)).isNotEqualTo(statuses);
    }

    @Test
    void seedRestartsTheStreamsOfRatesAlreadySet() {
        TritonTestServer server = server();
        server.faults().failRate(0.3, 500, "flaky").seed(9);
        List<Integer> once = statuses(server, 50);
        server.faults().seed(9);
        assertThat(statuses(server, 50)).isEqualTo(once);
        assertThat(server.faults().seed()).isEqualTo(9);
    }

    @Test
    void theDefaultSeedIsFixed() {
        TritonTestServer first = server();
        first.faults().failRate(0.5, 500, "flaky");
        TritonTestServer second = server();
        second.faults().failRate(0.5, 500, "flaky");
        assertThat(statuses(first, 40)).isEqualTo(statuses(second, 40));
        assertThat(first.faults().seed()).isEqualTo(Faults.DEFAULT_SEED);
    }

    @Test
    void severalFailureRatesAtOnceWithRetryAfter() {
        TritonTestServer server = server();
        server.faults()
                .seed(7)
                .failRate(0.05, 503, "model is reloading")
                .failRate(0.10, 429, "queue full", Duration.ofMillis(1500));
        int n503 = 0;
        int n429 = 0;
        for (int i = 0; i < 300; i++) {
            V2Http.Response response = infer(inferUrl(server), BODY);
            if (response.status == 429) {
                n429++;
                assertThat(response.header("Retry-After")).isEqualTo("2"); // 1.5 s rounded up
                assertThat(response.error()).isEqualTo("queue full");
            } else if (response.status == 503) {
                n503++;
                assertThat(response.header("Retry-After")).isNull();
                assertThat(response.error()).isEqualTo("model is reloading");
            } else {
                assertThat(response.status).isEqualTo(200);
                assertThat(response.header("Retry-After")).isNull();
            }
        }
        assertThat(n503).isEqualTo(15);
        assertThat(n429).isEqualTo(29);
        assertThat(server.stats().injectedFailures(503)).isEqualTo(n503);
        assertThat(server.stats().injectedFailures(429)).isEqualTo(n429);
        assertThat(server.stats().errorResponses()).isEqualTo(n503 + n429);
    }

    @Test
    void retryAfterIsInWholeSecondsRoundedUp() {
        assertThat(Faults.ceilSeconds(Duration.ZERO)).isZero();
        assertThat(Faults.ceilSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(Faults.ceilSeconds(Duration.ofSeconds(3))).isEqualTo(3);
        assertThat(Faults.ceilSeconds(Duration.ofMillis(3001))).isEqualTo(4);

        TritonTestServer server = server();
        server.faults().failRate(1, 503, "down", Duration.ZERO);
        assertThat(infer(inferUrl(server), BODY).header("Retry-After")).isEqualTo("0");
    }

    @Test
    void oneRateNeverShiftsAnothersDecisions() {
        TritonTestServer alone = server();
        alone.faults().seed(5).failRate(0.2, 500, "flaky");
        List<Integer> failuresAlone = statuses(alone, 100);

        TritonTestServer mixed = server();
        mixed.faults()
                .seed(5)
                .latencySpikes(0.3, Duration.ZERO)
                .failRate(0.2, 500, "flaky")
                .resetRate(0.2);
        List<Integer> failuresMixed = statuses(mixed, 100);

        assertThat(count(failuresMixed, -1)).isEqualTo(mixed.stats().resets()).isPositive();
        for (int i = 0; i < 100; i++) {
            if (failuresMixed.get(i) != -1) { // a reset comes before the failure rates
                assertThat(failuresMixed.get(i))
                        .as("request %d", i)
                        .isEqualTo(failuresAlone.get(i));
            }
        }
    }

    // ---- resets -------------------------------------------------------------------------------

    @Test
    void aResetClosesTheConnectionBeforeAnyAnswer() {
        TritonTestServer server = server();
        server.faults().seed(3).resetRate(0.1);
        List<Integer> statuses = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            try {
                statuses.add(infer(inferUrl(server), BODY).status);
            } catch (UncheckedIOException e) {
                statuses.add(-1);
                failures.add(e.getMessage());
            }
        }
        assertThat(count(statuses, -1)).isEqualTo(11);
        assertThat(count(statuses, 200)).isEqualTo(89);
        assertThat(failures).allMatch(m -> m.contains("header parser received no bytes"));
        assertThat(server.stats().resets()).isEqualTo(11);
        assertThat(server.stats().droppedOrTruncated()).isZero();
        assertThat(server.stats().inferRequests()).isEqualTo(100);

        TritonTestServer again = server();
        again.faults().seed(3).resetRate(0.1);
        assertThat(statuses(again, 100)).isEqualTo(statuses);
    }

    @Test
    void okHttpSeesAResetAsAnUnexpectedEndOfStream() throws IOException {
        TritonTestServer server = server();
        server.faults().resetRate(1);
        OkHttpClient client = new OkHttpClient();
        Request request = okInfer(inferUrl(server));
        try {
            assertThatThrownBy(() -> client.newCall(request).execute().close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("unexpected end of stream on " + server.endpoint());
            assertThat(server.stats().resets()).isBetween(1L, 2L); // OkHttp may try once more

            server.faults().resetRate(0);
            try (Response response = client.newCall(request).execute()) {
                assertThat(response.code()).isEqualTo(200);
            }
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    private static Request okInfer(String url) {
        return new Request.Builder()
                .url(url)
                .post(RequestBody.create(BODY.bytes, MediaType.get("application/octet-stream")))
                .header("Inference-Header-Content-Length", "" + BODY.headerLength)
                .build();
    }

    // ---- latency spikes -----------------------------------------------------------------------

    @Test
    void latencySpikesDelayTheRequestsTheyHit() {
        TritonTestServer server = server();
        server.faults().seed(11).latencySpikes(0.2, Duration.ofMillis(300));
        List<Long> spiked = new ArrayList<>();
        List<Long> plain = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long before = server.stats().latencySpikes();
            long start = System.nanoTime();
            assertThat(infer(inferUrl(server), BODY).status).isEqualTo(200);
            long millis = FaultsTest.millisSince(start);
            (server.stats().latencySpikes() > before ? spiked : plain).add(millis);
        }
        assertThat(spiked).hasSize(3).allMatch(millis -> millis >= 300);
        assertThat(plain.stream().sorted().skip(plain.size() / 2).findFirst().orElseThrow())
                .isLessThan(300);
        assertThat(server.stats().latencySpikes()).isEqualTo(3);
    }

    // ---- poison records -----------------------------------------------------------------------

    /** A batch of {@code size} records whose INPUT0 starts with {@code first[r]}. */
    private static Body batch(int... first) {
        int[] values = new int[first.length * 16];
        for (int r = 0; r < first.length; r++) {
            values[r * 16] = first[r];
        }
        long[] shape = {first.length, 16};
        return request()
                .binary(Tensor.ofInt32s("INPUT0", TritonDataType.INT32, shape, values))
                .binary(
                        Tensor.ofInt32s(
                                "INPUT1", TritonDataType.INT32, shape, new int[values.length]))
                .build();
    }

    @Test
    void aBatchWithAPoisonRecordIsRefusedWith400NamingItsIndex() {
        TritonTestServer server = server();
        server.faults().poisonWhere("INPUT0", first -> first == 666);

        V2Http.Response poisoned = infer(inferUrl(server), batch(0, 1, 2, 666, 4, 5, 6, 7));
        assertThat(poisoned.status).isEqualTo(400);
        assertThat(poisoned.error())
                .isEqualTo("Model 'simple' cannot run the batch: poison record at index 3 of 8");
        assertThat(infer(inferUrl(server), batch(666)).error())
                .endsWith("poison record at index 0 of 1");
        assertThat(infer(inferUrl(server), batch(1, 666, 2, 666)).error())
                .endsWith("poison record at index 1 of 4 (2 poison records)");

        V2Http.Response clean = infer(inferUrl(server), batch(0, 1, 2, 665, 667, 5, 6, 7));
        assertThat(clean.status).isEqualTo(200);
        assertThat(infer(inferUrl(server), batch(0, 1, 2, 666)).status).isEqualTo(400); // again

        assertThat(server.stats().poisonAnswers()).isEqualTo(4);
        assertThat(server.stats().poisonRecords()).isEqualTo(5);
        assertThat(server.stats().responses(400)).isEqualTo(4);
        assertThat(server.stats().injectedFailures()).isEmpty();
        assertThat(server.stats().batchSizes()).containsExactly(8); // poison never runs
    }

    @Test
    void poisonPredicatesReadEveryDatatypeOfARecord() {
        TestModel strings = TestModels.identity("strings", 4, TritonDataType.BYTES, 2);
        TestModel floats = TestModels.identity("floats", 4, TritonDataType.FP32, 3);
        TestModel unbatched = TestModels.identity("unbatched", 0, TritonDataType.UINT8, 2);
        TritonTestServer server = server(strings, floats, unbatched);
        List<String> seen = new ArrayList<>();
        server.faults()
                .poison(
                        r -> {
                            seen.add(r.toString()); // sees every record, poisons none
                            return false;
                        })
                .poison(
                        r ->
                                r.request().model().name().equals("strings")
                                        && r.stringValue("INPUT0").equals("bad"))
                .poison(
                        r ->
                                r.request().model().name().equals("floats")
                                        && r.doubleValue("INPUT0") < 0)
                .poison(
                        r ->
                                r.request().model().name().equals("unbatched")
                                        && r.longValue("INPUT0") == 200);
        String base = server.endpoint() + "/v2/models/";

        Tensor words =
                Tensor.ofStrings(
                        "INPUT0",
                        new long[] {3, 2},
                        new String[] {"a", "bad", "bad", "x", "y", "z"});
        assertThat(infer(base + "strings/infer", request().json(words).build()).error())
                .endsWith("poison record at index 1 of 3"); // "bad" as a second element is fine
        Tensor numbers =
                Tensor.ofFloats(
                        "INPUT0",
                        TritonDataType.FP32,
                        new long[] {2, 3},
                        new float[] {1, -1, 1, -0.5f, 1, 1});
        assertThat(infer(base + "floats/infer", request().binary(numbers).build()).error())
                .endsWith("poison record at index 1 of 2");
        Tensor bytes =
                Tensor.ofInt8s("INPUT0", TritonDataType.UINT8, new long[] {2}, new byte[] {-56, 0});
        assertThat(infer(base + "unbatched/infer", request().binary(bytes).build()).error())
                .endsWith("poison record at index 0 of 1"); // UINT8 -56 reads as 200
        assertThat(seen)
                .containsExactly(
                        "Record{index=0 of 3, model=strings}",
                        "Record{index=1 of 3, model=strings}",
                        "Record{index=2 of 3, model=strings}",
                        "Record{index=0 of 2, model=floats}",
                        "Record{index=1 of 2, model=floats}",
                        "Record{index=0 of 1, model=unbatched}");
    }

    @Test
    void aPredicateOnTheWrongTypeAnswers500WithTheReason() {
        TritonTestServer server = server();
        server.faults().poison(r -> r.stringValue("INPUT0").isEmpty());
        V2Http.Response response = infer(inferUrl(server), batch(1));
        assertThat(response.status).isEqualTo(500);
        assertThat(response.error())
                .contains("Input 'INPUT0' of model 'simple' is INT32; stringValue reads BYTES");
    }

    // ---- outages ------------------------------------------------------------------------------

    @Test
    void anOutageRefusesConnectionsThenServesAgainOnTheSamePort() throws Exception {
        TritonTestServer server = server();
        String url = inferUrl(server);
        assertThat(infer(url, BODY).status).isEqualTo(200);
        server.faults().failNext(1, 503, "after the outage");
        int port = server.port();

        long start = System.nanoTime();
        CompletableFuture<Void> back = server.outage(Duration.ofMillis(700));
        assertThat(server.isInOutage()).isTrue();
        assertThatThrownBy(() -> infer(url, BODY))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ConnectException.class);
        assertThatThrownBy(() -> V2Http.get(server.endpoint() + "/v2/health/live"))
                .hasCauseInstanceOf(ConnectException.class);
        OkHttpClient okHttp = new OkHttpClient();
        try {
            assertThatThrownBy(() -> okHttp.newCall(okInfer(url)).execute().close())
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("Failed to connect to /127.0.0.1:" + port)
                    .hasStackTraceContaining("Connection refused");
        } finally {
            okHttp.dispatcher().executorService().shutdown();
        }

        back.get(10, TimeUnit.SECONDS);
        long millis = FaultsTest.millisSince(start);
        assertThat(millis).isBetween(700L, 10_000L);
        assertThat(server.isInOutage()).isFalse();
        assertThat(server.port()).isEqualTo(port);
        assertThat(server.endpoint()).endsWith(":" + port);
        assertThat(infer(url, BODY).status).isEqualTo(503); // faults intact
        assertThat(infer(url, BODY).status).isEqualTo(200); // models intact
        assertThat(server.stats().inferRequests()).isEqualTo(3); // stats intact
        assertThat(server.stats().outages()).isEqualTo(1);
        assertThat(server.stats().cutByOutage()).isZero();
    }

    @Test
    void anOutageCutsTheRequestsInFlight() throws Exception {
        TritonTestServer server = server();
        server.faults().latency(Duration.ofSeconds(30));
        CompletableFuture<HttpResponse<byte[]>> call =
                V2Http.CLIENT.sendAsync(
                        HttpRequest.newBuilder(URI.create(inferUrl(server)))
                                .header("Inference-Header-Content-Length", "" + BODY.headerLength)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(BODY.bytes))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(server.stats().awaitInFlight(1, Duration.ofSeconds(10))).isTrue();

        long start = System.nanoTime();
        server.startOutage();
        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IOException.class);
        assertThat(FaultsTest.millisSince(start)).isLessThan(10_000);
        assertThat(server.stats().cutByOutage()).isEqualTo(1);

        assertThat(server.endOutage()).isTrue();
        assertThat(server.endOutage()).isFalse();
        server.faults().latency(Duration.ZERO);
        assertThat(infer(inferUrl(server), BODY).status).isEqualTo(200);
        assertThat(server.stats().inFlight()).isZero();
    }

    @Test
    void outagesRepeatReliablyOnTheSamePort() {
        TritonTestServer server = server();
        for (int i = 0; i < 10; i++) {
            assertThat(infer(inferUrl(server), BODY).status).isEqualTo(200);
            server.startOutage();
            assertThatThrownBy(() -> infer(inferUrl(server), BODY))
                    .hasCauseInstanceOf(ConnectException.class);
            server.endOutage();
        }
        assertThat(infer(inferUrl(server), BODY).status).isEqualTo(200);
        assertThat(server.stats().outages()).isEqualTo(10);
        assertThat(server.stats().responses(200)).isEqualTo(11);
    }

    @Test
    void anOutageCanEndEarlyAndNotTwiceAtOnce() throws Exception {
        TritonTestServer server = server();
        CompletableFuture<Void> back = server.outage(Duration.ofSeconds(30));
        assertThatThrownBy(server::startOutage)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already in an outage");
        assertThatThrownBy(() -> server.outage(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(server.endOutage()).isTrue();
        back.get(10, TimeUnit.SECONDS);
        assertThat(infer(inferUrl(server), BODY).status).isEqualTo(200);
    }

    @Test
    void closingDuringAnOutageReleasesEverything() {
        TritonTestServer server = server();
        CompletableFuture<Void> back = server.outage(Duration.ofSeconds(30));
        server.close();
        assertThat(back).failsWithin(Duration.ofSeconds(10));
        assertThat(server.endOutage()).isFalse();
        assertThatThrownBy(server::startOutage).isInstanceOf(IllegalStateException.class);
        // the port is free: a new server can take it
        try (TritonTestServer next =
                TritonTestServer.builder().model(simple()).port(server.port()).start()) {
            assertThat(infer(inferUrl(next), BODY).status).isEqualTo(200);
        }
    }

    @Test
    void anHttpsServerComesBackWithItsCertificate() throws Exception {
        TritonTestServer server =
                TritonTestServer.builder()
                        .model(simple())
                        .https(TestCertificates.serverContext())
                        .start();
        servers.add(server);
        X509TrustManager trustManager = TestCertificates.trustManager();
        SSLContext tls = TestCertificates.clientContext(trustManager);
        OkHttpClient client =
                new OkHttpClient.Builder()
                        .sslSocketFactory(tls.getSocketFactory(), trustManager)
                        .build();
        try {
            server.outage(Duration.ofMillis(200)).get(10, TimeUnit.SECONDS);
            try (Response response = client.newCall(okInfer(inferUrl(server))).execute()) {
                assertThat(response.code()).isEqualTo(200);
            }
            assertThat(server.endpoint()).startsWith("https://");
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    // ---- settings -----------------------------------------------------------------------------

    @Test
    void invalidChaosSettingsAreRefused() {
        Faults faults = server().faults();
        for (double rate : new double[] {-0.1, 1.01, Double.NaN}) {
            assertThatThrownBy(() -> faults.failRate(rate, 503, "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("probability from 0 to 1");
            assertThatThrownBy(() -> faults.resetRate(rate))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> faults.latencySpikes(rate, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> faults.failRate(0.1, 302, "x")).hasMessageContaining("4xx or 5xx");
        assertThatThrownBy(() -> faults.failRate(0.1, 503, "x", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> faults.latencySpikes(0.1, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clearRemovesEveryRateAndPoisonButKeepsTheSeed() {
        TritonTestServer server = server();
        server.faults()
                .seed(1)
                .failRate(1, 503, "a")
                .failRate(1, 429, "b")
                .resetRate(1)
                .latencySpikes(1, Duration.ofSeconds(5))
                .poisonWhere("INPUT0", first -> true);
        server.faults().clear();
        assertThat(statuses(server, 3)).containsExactly(200, 200, 200);
        assertThat(server.faults().seed()).isEqualTo(1);
        assertThat(server.faults().toString()).contains("failRates=0", "poison=0");
    }
}
