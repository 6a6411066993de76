package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clients of one server with the same TLS settings share one connection pool and its threads in a
 * JVM, counted by their users: the last to close stops them. Clients of different servers do not.
 * (The TLS side is in {@link TritonModelClientTlsTest}, a job of 8 subtasks in {@code
 * SharedTransportITCase}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TritonModelClientSharingTest {
    private static TritonTestServer server;

    @BeforeAll
    static void start() {
        server =
                TritonTestServer.builder()
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(TestModels.addSub("add_sub_2", TritonDataType.FP32, 16, 4))
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() throws InterruptedException {
        server.faults().clear();
        server.stats().reset();
        await(() -> TritonModelClient.sharedTransports() == 0, "earlier tests' pools closed");
    }

    private static List<AddSubRequest> records(int n) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(AddSubRequest.of(i));
        }
        return records;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within 5 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * Live threads of the clients' stacks: "flink-triton …", but not the JVM-wide housekeeping of
     * the connection pools ("flink-triton connection pools #n"), which no client owns.
     */
    private static List<String> clientThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (thread.isAlive()
                    && name.startsWith("flink-triton ")
                    && !name.startsWith(PoolHousekeeping.THREAD_NAME)) {
                names.add(name);
            }
        }
        return names;
    }

    @Test
    void eightClientsOfOneServerShareOnePoolAndItsThreads() throws Exception {
        try (WireTap tap = new WireTap(server.port())) {
            List<TritonModelClient> clients = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // Models, timeouts and limits differ; only the server and TLS matter.
                clients.add(
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model(i % 2 == 0 ? "add_sub" : "add_sub_2")
                                .requestTimeout(Duration.ofSeconds(5 + i))
                                .maxConcurrentRequests(2 + i)
                                .header("X-Client", "client-" + i)
                                .build());
            }
            assertThat(clients).allMatch(client -> client.transportUsers() == 8);
            assertThat(TritonModelClient.sharedTransports()).isEqualTo(1);

            // One after another: each client finds the connection the one before it used.
            for (TritonModelClient client : clients) {
                assertThat(client.inferBlocking(records(4), AddSubResult.class)).hasSize(4);
            }

            assertThat(tap.acceptedConnections()).isEqualTo(1);
            assertThat(clients).allMatch(client -> client.connectionCount() == 1);
            assertThat(clientThreads())
                    .filteredOn(name -> name.endsWith(" deadlines"))
                    .containsExactly("flink-triton " + tap.endpoint().substring(7) + " deadlines");

            // All at once: their requests share the pool too, one connection per request in flight.
            List<CompletableFuture<List<AddSubResult>>> calls = new ArrayList<>();
            server.faults().latency(Duration.ofMillis(200));
            for (TritonModelClient client : clients) {
                calls.add(client.infer(records(4), AddSubResult.class));
            }
            calls.forEach(call -> assertThat(call.join()).hasSize(4));
            server.faults().clear();
            assertThat(tap.acceptedConnections()).isBetween(2, 8);
            int pooled = clients.get(0).connectionCount();
            assertThat(clients).allMatch(client -> client.connectionCount() == pooled);

            // Seven leave; the pool stays for the eighth.
            for (TritonModelClient client : clients.subList(0, 7)) {
                client.close();
            }
            TritonModelClient last = clients.get(7);
            assertThat(last.transportUsers()).isEqualTo(1);
            int accepted = tap.acceptedConnections();
            assertThat(last.inferBlocking(records(4), AddSubResult.class)).hasSize(4);
            assertThat(tap.acceptedConnections()).isEqualTo(accepted);

            // The last one closes the connections and ends the threads.
            last.close();
            assertThat(TritonModelClient.sharedTransports()).isZero();
            await(() -> tap.openConnections() == 0, "connections closed");
            await(() -> clientThreads().isEmpty(), "threads ended: " + clientThreads());
        }
    }

    @Test
    void clientsOfDifferentServersDoNotShare() throws Exception {
        try (WireTap tap = new WireTap(server.port());
                TritonModelClient direct =
                        TritonModelClient.builder()
                                .endpoint(server.endpoint())
                                .model("add_sub")
                                .build();
                TritonModelClient tapped =
                        TritonModelClient.builder()
                                .endpoint(tap.endpoint())
                                .model("add_sub")
                                .build();
                TritonModelClient alsoDirect =
                        TritonModelClient.builder()
                                // The same server, written otherwise.
                                .endpoint(server.endpoint() + "/")
                                .model("add_sub_2")
                                .build()) {
            assertThat(direct.inferBlocking(records(2), AddSubResult.class)).hasSize(2);
            assertThat(tapped.inferBlocking(records(2), AddSubResult.class)).hasSize(2);

            assertThat(TritonModelClient.sharedTransports()).isEqualTo(2);
            assertThat(direct.transportUsers()).isEqualTo(2);
            assertThat(alsoDirect.transportUsers()).isEqualTo(2);
            assertThat(tapped.transportUsers()).isEqualTo(1);
            assertThat(tap.acceptedConnections()).isEqualTo(1);
        }
        assertThat(TritonModelClient.sharedTransports()).isZero();
    }

    /** Over gRPC too, where the clients share one channel. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aClientThatClosesWhileAnotherHasCallsInFlightLeavesThemRunning(Transport transport)
            throws Exception {
        server.faults().latency(Duration.ofMillis(300));
        try (TritonModelClient staying =
                TritonModelClient.builder()
                        .endpoint(transport.endpoint(server))
                        .model("add_sub")
                        .build()) {
            staying.modelInfo().join();
            TritonModelClient leaving =
                    TritonModelClient.builder()
                            .endpoint(transport.endpoint(server))
                            .model("add_sub")
                            .closeTimeout(Duration.ofMillis(50))
                            .build();
            leaving.modelInfo().join();
            var stayingCall = staying.infer(records(2), AddSubResult.class);
            var leavingCall = leaving.infer(records(2), AddSubResult.class);
            assertThat(server.stats().awaitInFlight(2, Duration.ofSeconds(5))).isTrue();

            leaving.close();

            assertThat(leavingCall).isCompletedExceptionally();
            assertThat(stayingCall.join()).hasSize(2);
            assertThat(staying.transportUsers()).isEqualTo(1);
        }
    }
}
