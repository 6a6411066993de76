package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;
import org.flinktriton.client.ClientTestTypes.AddSubRequest;
import org.flinktriton.client.ClientTestTypes.AddSubResult;
import org.flinktriton.testkit.TestCertificates;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.Transport;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TritonModelClient} over real loopback TLS: the testkit server serves {@code https} and
 * {@code grpcs} with the test certificate in {@code tls/test-server.p12} (see {@code
 * tls/README.txt}), and clients trust it through {@code trustStore} or {@code sslContext}, or do
 * not trust it at all; with mutual TLS, they present the test client certificate. The checks that
 * do not depend on the protocol run over both.
 *
 * <p>The large bodies matter: the client's sockets coalesce writes into 64 KiB chunks ({@link
 * ClientSocketFactory}) under the JDK's TLS socket, so a TLS request of megabytes must neither hang
 * nor arrive corrupted. Every call has a short requestTimeout, so that a hang fails the test.
 */
class TritonModelClientTlsTest {
    /** Wide enough that 64 records are 2 MiB of request (and of response) data. */
    private static final int WIDTH = 4096;

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private static TritonTestServer server;

    /** Holds only the server's certificate, as a client's trust store. */
    private static KeyStore trustStore;

    @BeforeAll
    static void start() {
        trustStore = TestCertificates.trustStore();
        server =
                TritonTestServer.builder()
                        .https(TestCertificates.serverContext())
                        .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                        .model(TestModels.addSub("add_sub_wide", TritonDataType.FP32, WIDTH, 64))
                        .grpc()
                        .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void reset() {
        server.faults().clear();
        server.stats().reset();
    }

    /** The two ways a caller hands the client its trust. */
    enum Trust {
        TRUST_STORE {
            @Override
            TritonModelClient.Builder configure(TritonModelClient.Builder builder) {
                return builder.trustStore(trustStore);
            }
        },
        SSL_CONTEXT {
            @Override
            TritonModelClient.Builder configure(TritonModelClient.Builder builder)
                    throws Exception {
                TrustManagerFactory factory =
                        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trustStore);
                X509TrustManager trustManager = (X509TrustManager) factory.getTrustManagers()[0];
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {trustManager}, null);
                return builder.sslContext(context, trustManager);
            }
        };

        abstract TritonModelClient.Builder configure(TritonModelClient.Builder builder)
                throws Exception;
    }

    private static TritonModelClient.Builder client(String model) {
        return client(Transport.HTTP, model);
    }

    private static TritonModelClient.Builder client(Transport transport, String model) {
        return TritonModelClient.builder()
                .endpoint(transport.endpoint(server))
                .model(model)
                .requestTimeout(REQUEST_TIMEOUT);
    }

    /** Every transport with every way of trust. */
    static Stream<Arguments> trusts() {
        return Stream.of(Transport.values())
                .flatMap(t -> Stream.of(Trust.values()).map(trust -> Arguments.of(t, trust)));
    }

    private static <T> T join(CompletableFuture<T> future) {
        return future.orTimeout(REQUEST_TIMEOUT.toSeconds() + 10, SECONDS).join();
    }

    @Test
    void theServerSpeaksHttpsAndGrpcsOnLoopback() {
        assertThat(server.endpoint()).isEqualTo("https://127.0.0.1:" + server.port());
        assertThat(server.grpcEndpoint()).isEqualTo("grpcs://127.0.0.1:" + server.grpcPort());
    }

    // ---- trusted ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("trusts")
    void aSmallBatchOverTls(Transport transport, Trust trust) throws Exception {
        try (TritonModelClient client = trust.configure(client(transport, "add_sub")).build()) {
            assertSmallBatch(client);
        }
        // max_batch_size 8: 10 records are two requests.
        assertThat(server.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(8, 2);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("trusts")
    void largeBodiesOverTlsNeitherHangNorCorrupt(Transport transport, Trust trust)
            throws Exception {
        try (TritonModelClient client =
                trust.configure(client(transport, "add_sub_wide")).build()) {
            // One request of 64 records: 2 MiB of tensors in, 2 MiB out.
            assertWide(client, wide(0, 64));
            // Again on the pooled TLS connection, then four such requests at once.
            assertWide(client, wide(64, 64));
            assertWide(client, wide(128, 256));
        }
        assertThat(server.stats().batchSizes("add_sub_wide"))
                .hasSize(6)
                .allMatch(size -> size == 64);
        assertThat(server.stats().errorResponses()).isZero();
    }

    @ParameterizedTest(name = "binaryData={0}")
    @ValueSource(booleans = {true, false})
    void binaryAndJsonBothWorkOverTls(boolean binary) throws Exception {
        try (TritonModelClient client =
                Trust.TRUST_STORE.configure(client("add_sub")).binaryData(binary).build()) {
            assertSmallBatch(client);
        }
    }

    @Test
    void clientsTrustingTheSameCertificatesShareTheirPoolOthersDoNot() throws Exception {
        try (TritonModelClient first = Trust.TRUST_STORE.configure(client("add_sub")).build();
                TritonModelClient second =
                        Trust.TRUST_STORE.configure(client("add_sub_wide")).build();
                TritonModelClient ownContext =
                        Trust.SSL_CONTEXT.configure(client("add_sub")).build()) {
            assertSmallBatch(first);
            assertSmallBatch(ownContext);

            // Certificates from the options are compared by value; a caller's TLS objects by
            // identity, since they may present a client certificate of their own.
            assertThat(first.transportUsers()).isEqualTo(2);
            assertThat(second.transportUsers()).isEqualTo(2);
            assertThat(ownContext.transportUsers()).isEqualTo(1);
            assertThat(second.connectionCount()).isEqualTo(first.connectionCount());
        }
    }

    private static void assertSmallBatch(TritonModelClient client) {
        List<AddSubRequest> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(AddSubRequest.of(i * 100));
        }
        List<AddSubResult> out = join(client.infer(records, AddSubResult.class));

        assertThat(out).hasSize(10);
        for (int r = 0; r < 10; r++) {
            float[] sum = new float[16];
            float[] difference = new float[16];
            for (int i = 0; i < 16; i++) {
                sum[i] = r * 100 + i + 1;
                difference[i] = r * 100 + i - 1;
            }
            assertThat(out.get(r).sum()).as("sum of record %d", r).containsExactly(sum);
            assertThat(out.get(r).difference())
                    .as("difference of record %d", r)
                    .containsExactly(difference);
        }
    }

    private static void assertWide(TritonModelClient client, List<WideRequest> records) {
        assertThat(4L * WIDTH * 2 * Math.min(records.size(), 64)).isGreaterThan(1L << 20);
        List<WideResult> out = join(client.infer(records, WideResult.class));

        assertThat(out).hasSize(records.size());
        for (int r = 0; r < records.size(); r++) {
            WideRequest in = records.get(r);
            float[] sum = new float[WIDTH];
            float[] difference = new float[WIDTH];
            for (int i = 0; i < WIDTH; i++) {
                sum[i] = in.a()[i] + in.b()[i];
                difference[i] = in.a()[i] - in.b()[i];
            }
            // The first wrong index, if any (containsExactly is quadratic on arrays this long).
            assertThat(Arrays.mismatch(out.get(r).sum(), sum))
                    .as("first wrong index in the sum of record %d", r)
                    .isEqualTo(-1);
            assertThat(Arrays.mismatch(out.get(r).difference(), difference))
                    .as("first wrong index in the difference of record %d", r)
                    .isEqualTo(-1);
        }
    }

    /** Records {@code first…first+count-1}; every value distinct, so a shifted byte shows. */
    private static List<WideRequest> wide(int first, int count) {
        List<WideRequest> records = new ArrayList<>();
        for (int r = first; r < first + count; r++) {
            float[] a = new float[WIDTH];
            float[] b = new float[WIDTH];
            for (int i = 0; i < WIDTH; i++) {
                a[i] = r * WIDTH + i; // below 2^24: exact in FP32
                b[i] = (i % 7) - 3;
            }
            records.add(new WideRequest(a, b));
        }
        return records;
    }

    // ---- not trusted --------------------------------------------------------------------------

    /** Not retried: the same certificate would be rejected again. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void withoutTrustTheFailureNamesTheModelTheEndpointAndTheCertificate(Transport transport) {
        // The JVM's default trust store does not hold the self-signed test certificate.
        try (TritonModelClient client = client(transport, "add_sub").build()) {
            CompletableFuture<List<AddSubResult>> future =
                    client.infer(List.of(AddSubRequest.of(0)), AddSubResult.class);
            Throwable thrown = catchThrowable(() -> join(future));

            assertThat(thrown).isInstanceOf(CompletionException.class);
            Throwable e = thrown.getCause();
            assertThat(e.getClass()).isEqualTo(TritonException.class);
            assertThat(e.getMessage())
                    .startsWith(
                            "Model 'add_sub': TLS with "
                                    + transport.endpoint(server)
                                    + " failed, the server's certificate was rejected (")
                    .contains("configure the client's trustStore or sslContext");
            assertThat(e.getCause()).isInstanceOf(SSLHandshakeException.class);
            assertThat(((TritonException) e).retryable()).isFalse();
        }
        assertThat(server.stats().inferRequests()).isZero();
    }

    // ---- mutual TLS ---------------------------------------------------------------------------

    /**
     * A server that requires a client certificate refuses a client without one, and serves one that
     * presents the test client certificate ({@code clientCertificate}, PEM files).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void mutualTlsWithAClientCertificate(Transport transport, @TempDir Path dir) throws Exception {
        KeyStore clientStore = TestCertificates.clientKeyStore();
        String alias = clientStore.aliases().nextElement();
        Path certificate = dir.resolve("client.pem");
        Files.writeString(
                certificate, pem("CERTIFICATE", clientStore.getCertificate(alias).getEncoded()));
        Key key = clientStore.getKey(alias, TestCertificates.password());
        Path keyFile = dir.resolve("client-key.pem");
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        try (TritonTestServer mutual = mutualServer()) {
            try (TritonModelClient anonymous =
                    TritonModelClient.builder()
                            .endpoint(transport.endpoint(mutual))
                            .model("add_sub")
                            .trustStore(trustStore)
                            .requestTimeout(REQUEST_TIMEOUT)
                            .retry(RetryPolicy.none())
                            .build()) {
                Throwable thrown = catchThrowable(() -> join(anonymous.serverLive()));
                assertThat(thrown).isInstanceOf(CompletionException.class);
                assertThat(thrown.getCause()).isInstanceOf(TritonException.class);
            }
            try (TritonModelClient client =
                    TritonModelClient.builder()
                            .endpoint(transport.endpoint(mutual))
                            .model("add_sub")
                            .trustStore(trustStore)
                            .clientCertificate(certificate, keyFile)
                            .requestTimeout(REQUEST_TIMEOUT)
                            .build()) {
                assertSmallBatch(client);
            }
            assertThat(mutual.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(8, 2);
        }
    }

    /**
     * A caller's own {@link SSLContext} carrying the client key (its key managers) is used as it is
     * by both transports: over gRPC too, the key is presented, not only the trust taken.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void mutualTlsWithACallersSslContext(Transport transport) throws Exception {
        KeyManagerFactory keys =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(TestCertificates.clientKeyStore(), TestCertificates.password());
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore);
        X509TrustManager trustManager = (X509TrustManager) trust.getTrustManagers()[0];
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), new TrustManager[] {trustManager}, null);
        try (TritonTestServer mutual = mutualServer();
                TritonModelClient client =
                        TritonModelClient.builder()
                                .endpoint(transport.endpoint(mutual))
                                .model("add_sub")
                                .sslContext(context, trustManager)
                                .requestTimeout(REQUEST_TIMEOUT)
                                .retry(RetryPolicy.none())
                                .build()) {
            assertSmallBatch(client);
            assertThat(mutual.stats().batchSizes("add_sub")).containsExactlyInAnyOrder(8, 2);
        }
    }

    /**
     * A socket factory is HTTP's: gRPC opens no sockets through it, so it could use only its trust
     * manager and would silently leave out a client key the factory's context holds. Refused.
     */
    @Test
    void aSocketFactoryIsRefusedForGrpcsNamingTheAlternative() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        X509TrustManager trustManager = jvmTrust();
        TritonModelClient.Builder builder =
                client(Transport.GRPC, "add_sub")
                        .sslSocketFactory(context.getSocketFactory(), trustManager);

        assertThat(catchThrowable(builder::build))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sslSocketFactory applies to https:// endpoints only")
                .hasMessageContaining("sslContext(context, trustManager)");
        // The same factory over HTTPS is the caller's to use.
        client(Transport.HTTP, "add_sub")
                .sslSocketFactory(context.getSocketFactory(), trustManager)
                .build()
                .close();
    }

    /**
     * A host name verifier replaces HTTP's host name check; gRPC checks the host name itself and
     * cannot ask a {@link HostnameVerifier}, so a gRPC endpoint refuses it rather than ignore it.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aHostnameVerifierIsHonouredOverHttpsAndRefusedOverGrpc(Transport transport)
            throws Exception {
        AtomicInteger asked = new AtomicInteger();
        HostnameVerifier verifier =
                (host, session) -> {
                    asked.incrementAndGet();
                    return true;
                };
        TritonModelClient.Builder builder =
                Trust.TRUST_STORE
                        .configure(client(transport, "add_sub"))
                        .hostnameVerifier(verifier);
        if (transport == Transport.GRPC) {
            assertThat(catchThrowable(builder::build))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(
                            "hostnameVerifier applies to https:// endpoints only and cannot be"
                                    + " honoured for grpcs://");
            return;
        }
        try (TritonModelClient client = builder.build()) {
            assertSmallBatch(client);
        }
        assertThat(asked.get()).isPositive();
    }

    private static X509TrustManager jvmTrust() throws Exception {
        TrustManagerFactory factory =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return (X509TrustManager) factory.getTrustManagers()[0];
    }

    /** A server over https and grpcs that requires the test client certificate. */
    private static TritonTestServer mutualServer() {
        return TritonTestServer.builder()
                .https(TestCertificates.mutualServerContext())
                .requireClientCertificates()
                .grpc()
                .model(TestModels.addSub("add_sub", TritonDataType.FP32, 16, 8))
                .start();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN "
                + type
                + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END "
                + type
                + "-----\n";
    }

    // ---- types ------------------------------------------------------------------------------

    /** For add_sub_wide: FP32 [4096] twice, 32 KiB per record. */
    record WideRequest(
            @TritonInput(
                            name = "INPUT0",
                            shape = {WIDTH})
                    float[] a,
            @TritonInput(
                            name = "INPUT1",
                            shape = {WIDTH})
                    float[] b) {}

    record WideResult(
            @TritonOutput(
                            name = "OUTPUT0",
                            shape = {WIDTH})
                    float[] sum,
            @TritonOutput(
                            name = "OUTPUT1",
                            shape = {WIDTH})
                    float[] difference) {}
}
