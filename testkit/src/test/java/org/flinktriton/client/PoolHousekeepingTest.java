package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestCertificates;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The OkHttp connection pools' housekeeping runs on its own schedule: a request does not wake its
 * thread, and idle connections still close once their keep-alive has passed. The client's OkHttp
 * carries {@code https://} endpoints (plain {@code http://} has its own connections), so the server
 * serves TLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolHousekeepingTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .https(TestCertificates.serverContext())
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void requestsDoNotWakeTheHousekeepingThread() throws InterruptedException {
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint(server.endpoint())
                        .trustStore(TestCertificates.trustStore())
                        .model("add_sub")
                        .build()) {
            List<AddSubRequest> record = List.of(AddSubRequest.of(1));
            client.inferBlocking(record, AddSubResult.class);

            long wakeUps = PoolHousekeeping.wakeUps();
            long start = System.nanoTime();
            for (int i = 0; i < 300; i++) {
                client.inferBlocking(record, AddSubResult.class);
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            // OkHttp's own runner is woken by every request that releases its connection.
            assertThat(PoolHousekeeping.wakeUps() - wakeUps).isLessThanOrEqualTo(seconds + 2);

            // ...and the pool's housekeeping is ours: its thread wakes on its own while a
            // connection is pooled.
            long idleFrom = PoolHousekeeping.wakeUps();
            await(() -> PoolHousekeeping.wakeUps() > idleFrom, "the housekeeping thread woke");
        }
    }

    @Test
    void idleConnectionsStillCloseOnceTheirKeepAliveHasPassed() throws Exception {
        ConnectionPool pool = PoolHousekeeping.newPool(5, 300, TimeUnit.MILLISECONDS);
        X509TrustManager trustManager = TestCertificates.trustManager();
        SSLContext tls = TestCertificates.clientContext(trustManager);
        OkHttpClient http =
                new OkHttpClient.Builder()
                        .connectionPool(pool)
                        .sslSocketFactory(tls.getSocketFactory(), trustManager)
                        .build();
        Request ready = new Request.Builder().url(server.endpoint() + "/v2/health/ready").build();
        long released;
        try (Response response = http.newCall(ready).execute()) {
            assertThat(response.code()).isEqualTo(200);
        }
        released = System.nanoTime();
        assertThat(pool.connectionCount()).isEqualTo(1);

        await(() -> pool.connectionCount() == 0, "the idle connection closed");
        long idleMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
        assertThat(idleMillis).isGreaterThanOrEqualTo(250);
        http.dispatcher().executorService().shutdown();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
