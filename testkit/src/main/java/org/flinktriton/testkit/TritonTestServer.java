package org.flinktriton.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;

/**
 * An embedded KServe v2 / Triton-compatible inference server for tests: a real HTTP server on
 * {@code 127.0.0.1} and an ephemeral port, serving {@linkplain TestModel models written in Java};
 * HTTPS instead with {@link Builder#https(SSLContext)}. Jobs and clients talk to it exactly as they
 * would to Triton, so a whole Flink job can be tested without a GPU, a container or a network.
 *
 * <h2>How to test your own job</h2>
 *
 * <p>1. Describe the model your job calls, with the names, datatypes and dims of its {@code
 * config.pbtxt}, and a handler that computes plausible outputs (or use one of {@link TestModels}):
 *
 * <pre>{@code
 * TestModel sentiment = TestModel.builder("sentiment")
 *         .maxBatchSize(32)
 *         .input("TEXT", TritonDataType.BYTES, 1)
 *         .output("SCORE", TritonDataType.FP32, 1)
 *         .handler(request -> {
 *             String[] texts = request.input("TEXT").toStrings();
 *             float[] scores = new float[texts.length];
 *             for (int i = 0; i < texts.length; i++) {
 *                 scores[i] = texts[i].contains("good") ? 0.9f : 0.1f;
 *             }
 *             return List.of(Tensor.ofFloats("SCORE", TritonDataType.FP32,
 *                     request.outputShape("SCORE"), scores));
 *         })
 *         .build();
 * }</pre>
 *
 * <p>2. Start a server around the test and point the job at {@link #endpoint()}:
 *
 * <pre>{@code
 * class SentimentJobTest {
 *     static TritonTestServer triton;
 *
 *     @BeforeAll static void start() { triton = TritonTestServer.builder().model(sentiment).start(); }
 *     @AfterAll static void stop() { triton.close(); }
 *
 *     @Test void scoresEveryReview() throws Exception {
 *         StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 *         DataStream<Scored> out = TritonInference.builder(Review.class, Scored.class)
 *                 .endpoint(triton.endpoint())              // "http://127.0.0.1:41234"
 *                 .model("sentiment")
 *                 .maxBatchSize(32)
 *                 .build()
 *                 .apply(env.fromData(reviews));
 *         List<Scored> results = out.executeAndCollect(1000);
 *
 *         assertThat(results).hasSize(reviews.size());
 *         assertThat(triton.stats().records("sentiment")).isEqualTo(reviews.size());
 *         assertThat(triton.stats().batchSizes("sentiment")).allMatch(size -> size <= 32);
 *     }
 * }
 * }</pre>
 *
 * <p>3. Check how the job copes with a bad day, with {@link #faults()}: slow answers, errors, a
 * dropped connection, a truncated or malformed body; seeded rates of failures, resets and latency
 * spikes, poison records; and with {@link #outage(Duration)}, a server that is gone for a while.
 *
 * <pre>{@code
 * triton.faults().latency(Duration.ofMillis(300));            // beyond the job's timeout
 * triton.faults().failNext(3, 503, "overloaded");              // a transient failure
 * triton.faults().dropNext(1);                                 // the connection just closes
 * triton.faults().seed(42)
 *         .failRate(0.05, 503, "reloading")                    // 5 % answer 503
 *         .failRate(0.02, 429, "busy", Duration.ofSeconds(1))  // 2 % 429 with Retry-After: 1
 *         .resetRate(0.01)                                     // 1 % lose the connection
 *         .poisonWhere("ID", id -> id == 4711);                // 400 for any batch holding it
 * triton.outage(Duration.ofSeconds(3));                        // refused, then back on the port
 * }</pre>
 *
 * <p>{@link #stats()} counts what reached the server (requests and batch sizes per model, records,
 * peak concurrency) and {@link ServerStats#reset()} starts over between tests.
 *
 * <h2>What it serves</h2>
 *
 * <ul>
 *   <li>{@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready} ({@link
 *       #setReady(boolean)}), {@code POST /v2/repository/index};
 *   <li>{@code GET /v2/models/{m}[/versions/{v}]}: metadata, with the batch dimension as {@code -1}
 *       in each shape when {@code max_batch_size > 0}; {@code …/ready}; Triton's {@code …/config}
 *       ({@code max_batch_size}, {@code dims} without the batch dimension, {@code TYPE_FP32}-style
 *       types);
 *   <li>{@code POST …/infer}: JSON and binary tensors both ways, {@code FP16}/{@code BF16} always
 *       binary; the response carries only the outputs asked for (all when none were); request
 *       bodies may be gzip or deflate compressed (unless {@link
 *       Builder#acceptCompressedRequests(boolean) refused}), and responses are compressed when
 *       {@code Accept-Encoding} asks for it (unless {@link Builder#compressResponses(boolean)
 *       turned off}).
 * </ul>
 *
 * <p>Requests are validated as Triton validates them, and refused with 400 and {@code {"error": …}}
 * naming the model and the tensor: an unknown, missing or repeated input, an unknown requested
 * output, a datatype or shape that differs from the declaration ({@code -1} dims accept any size),
 * a batch larger than {@code max_batch_size} or inconsistent across inputs, a batch dimension sent
 * to a model with {@code max_batch_size} 0 (or none sent to one that batches), FP16/BF16 as JSON,
 * byte counts that do not match, an {@code Inference-Header-Content-Length} beyond the body, a body
 * over 64 MiB ({@link Builder#maxRequestSize}). An unknown model is 404, a wrong method 405.
 *
 * <h2>gRPC</h2>
 *
 * <p>Built with {@link Builder#grpc()}, the server also serves Triton's gRPC protocol ({@code
 * inference.GRPCInferenceService}) on a second port, {@link #grpcEndpoint()} ({@code
 * grpc://127.0.0.1:PORT}, or {@code grpcs://…} with {@link Builder#https(SSLContext)}): the same
 * models, readiness, {@link #faults() faults} and {@link #stats() counters} as HTTP, so that a job
 * or a client is tested over either protocol by changing its endpoint. Inputs are read from {@code
 * raw_input_contents} or typed {@code contents}, validated with the same rules and messages as over
 * HTTP, and answered in {@code raw_output_contents}; errors carry the gRPC status Triton uses
 * ({@code INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code UNAVAILABLE}, …). It needs {@code
 * org.flinktriton:flink-triton-grpc} on the test class path; a server without gRPC does not.
 *
 * <pre>{@code
 * TritonTestServer triton = TritonTestServer.builder().grpc().model(sentiment).start();
 * TritonInference.builder(Review.class, Scored.class)
 *         .endpoint(triton.grpcEndpoint())                     // "grpc://127.0.0.1:41235"
 *         ...
 * }</pre>
 *
 * <p>The server is for tests: it listens on loopback only, and it sets the JVM-wide system property
 * {@code sun.net.httpserver.nodelay=true} (unless already set) so that the JDK's HTTP server does
 * not hold small responses back for 40 ms. It can also run on its own with a few {@linkplain
 * TestModels#samples() sample models}: {@code java -cp … org.flinktriton.testkit.TritonTestServer
 * 8000 --grpc-port 8001}.
 */
public final class TritonTestServer implements AutoCloseable {
    /** The version {@code GET /v2} reports. */
    static final String VERSION = "0.1.0";

    private static final int DEFAULT_WORKER_THREADS = 32;
    private static final long DEFAULT_MAX_REQUEST_SIZE = 64L * 1024 * 1024;

    private final String endpoint;

    /*
     * What is served, the fault decisions and the counters, apart from how requests arrive: the
     * HTTP face (V2Handler, on an HttpListener) takes these three, and a second face would take
     * the same three.
     */
    private final ModelRegistry registry;

    private final FaultEngine faultEngine = new FaultEngine();
    private final Faults faults = new Faults(faultEngine);
    private final ServerStats stats = new ServerStats();

    /** Guards the listener's life: start, outages, close. */
    private final Object lifecycle = new Object();

    private final HttpListener http;

    /** The gRPC face, or null when the server was built without it. */
    private final GrpcListener grpc;

    private final String grpcEndpoint;
    private volatile boolean inOutage;
    private long outageNumber;
    private Thread outageTimer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TritonTestServer(Builder builder) throws IOException {
        NoDelay.ensure();
        registry = new ModelRegistry(builder.models.values());
        if (builder.grpc) {
            GrpcSupport.check();
        }
        V2Handler handler =
                new V2Handler(
                        registry,
                        faultEngine,
                        stats,
                        builder.maxRequestSize,
                        builder.compressResponses,
                        builder.acceptCompressedRequests);
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        http =
                HttpListener.start(
                        new InetSocketAddress(loopback, builder.port),
                        builder.sslContext,
                        builder.clientCertificates,
                        builder.workerThreads,
                        handler);
        endpoint = (builder.sslContext == null ? "http" : "https") + "://127.0.0.1:" + http.port();
        if (builder.grpc) {
            try {
                grpc =
                        GrpcListener.start(
                                new InetSocketAddress(loopback, builder.grpcPort),
                                builder.sslContext,
                                builder.clientCertificates,
                                builder.workerThreads,
                                builder.maxRequestSize,
                                builder.compressResponses,
                                builder.acceptCompressedRequests,
                                registry,
                                new ModelRunner(registry, faultEngine, stats),
                                "triton-test-server-" + http.port() + "-grpc-");
            } catch (IOException | RuntimeException e) {
                http.stop();
                try {
                    http.awaitStopped(this);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException(
                        "Cannot start the gRPC face on 127.0.0.1:" + builder.grpcPort, e);
            }
            grpcEndpoint =
                    (builder.sslContext == null ? "grpc" : "grpcs") + "://127.0.0.1:" + grpc.port();
        } else {
            grpc = null;
            grpcEndpoint = null;
        }
    }

    /** Starts configuring a server. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a server with these models and the defaults. */
    public static TritonTestServer start(TestModel... models) {
        return builder().models(Arrays.asList(models)).start();
    }

    /**
     * The base URL, {@code http://127.0.0.1:PORT} ({@code https://…} when built with {@link
     * Builder#https(SSLContext)}), without a trailing slash.
     */
    public String endpoint() {
        return endpoint;
    }

    /** The port the server listens on (and listens on again after an outage). */
    public int port() {
        return http.port();
    }

    /**
     * The gRPC target, {@code grpc://127.0.0.1:PORT} ({@code grpcs://…} when built with {@link
     * Builder#https(SSLContext)}), for a server built with {@link Builder#grpc()}: the same models,
     * faults and counters as {@link #endpoint()}, over Triton's {@code
     * inference.GRPCInferenceService}.
     *
     * @throws IllegalStateException when the server was built without gRPC
     */
    public String grpcEndpoint() {
        requireGrpc();
        return grpcEndpoint;
    }

    /**
     * The port the gRPC face listens on (and listens on again after an outage).
     *
     * @throws IllegalStateException when the server was built without gRPC
     */
    public int grpcPort() {
        requireGrpc();
        return grpc.port();
    }

    /** Whether the server serves gRPC as well as HTTP ({@link Builder#grpc()}). */
    public boolean hasGrpc() {
        return grpc != null;
    }

    private void requireGrpc() {
        if (grpc == null) {
            throw new IllegalStateException(
                    this
                            + " serves no gRPC: build it with TritonTestServer.builder().grpc()"
                            + " (and org.flinktriton:flink-triton-grpc on the class path)");
        }
    }

    /** The fault switches; settable while requests run. */
    public Faults faults() {
        return faults;
    }

    /** The traffic counters. */
    public ServerStats stats() {
        return stats;
    }

    /** The models served now, by name. */
    public List<TestModel> models() {
        return registry.models();
    }

    /** The model served under {@code name}, or null. */
    public TestModel model(String name) {
        return registry.model(name);
    }

    /** Serves {@code model}, replacing a model of the same name (as a reload would). */
    public void addModel(TestModel model) {
        registry.add(model);
    }

    /**
     * Stops serving the model (as an unload would): its paths answer 404 from now on.
     *
     * @return whether it was served
     */
    public boolean removeModel(String name) {
        return registry.remove(name);
    }

    /** Sets what {@code /v2/health/ready} and every {@code …/ready} answer (200 or 400). */
    public void setReady(boolean ready) {
        registry.setReady(ready);
    }

    /**
     * Marks one model ready or not: when not, its {@code …/ready} answers 400 and its inference
     * requests 503, while its metadata is still served.
     */
    public void setModelReady(String name, boolean ready) {
        registry.setModelReady(name, ready);
    }

    /**
     * Takes the server down for {@code duration}, then brings it back on the same port, with its
     * models, readiness, faults and stats as they were; returns at once. The future completes when
     * the server listens again (exceptionally when the port could not be bound again within 10 s,
     * or the server was closed first). {@link #endOutage()} ends it early.
     *
     * <pre>{@code
     * triton.outage(Duration.ofSeconds(3));             // mid-run: the job must ride it out
     * triton.outage(Duration.ofMillis(500)).join();     // or wait until it is over
     * }</pre>
     *
     * <p>What a client sees is described at {@link #startOutage()}.
     *
     * @throws IllegalStateException when an outage is already on, or the server is closed
     */
    public CompletableFuture<Void> outage(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("An outage cannot last " + duration);
        }
        CompletableFuture<Void> back = new CompletableFuture<>();
        synchronized (lifecycle) {
            startOutage();
            long number = outageNumber;
            outageTimer =
                    new Thread(
                            () -> endOutageLater(number, duration, back),
                            "triton-test-server-" + port() + "-outage");
            outageTimer.setDaemon(true);
            outageTimer.start();
        }
        return back;
    }

    private void endOutageLater(long number, Duration duration, CompletableFuture<Void> back) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            synchronized (lifecycle) {
                if (outageNumber == number && inOutage) {
                    endOutage();
                }
            }
            if (isClosed()) {
                back.completeExceptionally(
                        new IllegalStateException(this + " was closed during the outage"));
            } else {
                back.complete(null);
            }
        } catch (InterruptedException e) {
            // endOutage() came first, or close() did
            if (isClosed()) {
                back.completeExceptionally(
                        new IllegalStateException(this + " was closed during the outage", e));
            } else {
                back.complete(null);
            }
        } catch (RuntimeException e) {
            back.completeExceptionally(e);
        }
    }

    /**
     * Takes the server down until {@link #endOutage()}: the listening socket closes, so that new
     * connections are refused, and every open connection closes, cutting the requests in flight off
     * without an answer (their handlers are interrupted; {@link ServerStats#cutByOutage()} counts
     * them). A client sees, for a new connection, {@code java.net.ConnectException: Connection
     * refused} (the flink-triton client: a retryable {@code TritonConnectionException} "cannot
     * connect to …"); for a request in flight, the connection ending before or during its answer,
     * as with a {@linkplain Faults#resetRate reset}; a pooled idle connection is found closed and
     * replaced by a new one, which is refused.
     *
     * @throws IllegalStateException when an outage is already on, or the server is closed
     */
    public void startOutage() {
        synchronized (lifecycle) {
            if (isClosed()) {
                throw new IllegalStateException("Cannot start an outage of closed " + this);
            }
            if (inOutage) {
                throw new IllegalStateException(this + " is already in an outage");
            }
            inOutage = true;
            outageNumber++;
            stats.outageStarted();
            http.stop();
            if (grpc != null) {
                grpc.stop();
            }
        }
    }

    /**
     * Ends an outage: binds the same port again (retrying for up to 10 s while the port is still
     * held, for example by connections closing) and serves as before.
     *
     * @return whether an outage was on
     * @throws UncheckedIOException when the port could not be bound again; the outage goes on
     */
    public boolean endOutage() {
        synchronized (lifecycle) {
            if (!inOutage || isClosed()) {
                return false;
            }
            http.listenAgain();
            if (grpc != null) {
                try {
                    grpc.listenAgain();
                } catch (RuntimeException e) {
                    http.stop(); // the outage goes on for both faces, as documented
                    throw e;
                }
            }
            inOutage = false;
            if (outageTimer != null && outageTimer != Thread.currentThread()) {
                outageTimer.interrupt(); // an earlier end: the timer has nothing left to do
            }
            outageTimer = null;
            return true;
        }
    }

    /** Whether an outage is on: connections are refused. */
    public boolean isInOutage() {
        return inOutage;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Stops the server: the port is released, open connections are closed, requests being handled
     * are interrupted without an answer, and every thread of the server has ended when this
     * returns. Idempotent.
     */
    @Override
    public void close() {
        Thread timer;
        synchronized (lifecycle) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            http.stop();
            if (grpc != null) {
                grpc.stop();
            }
            timer = outageTimer;
        }
        try {
            if (timer != null) {
                timer.interrupt();
                timer.join(TimeUnit.SECONDS.toMillis(10));
            }
            http.awaitStopped(this);
            if (grpc != null) {
                grpc.awaitStopped(this);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TritonTestServer{"
                + endpoint
                + (grpcEndpoint == null ? "" : ", " + grpcEndpoint)
                + ", models="
                + registry.names()
                + '}';
    }

    /**
     * Runs a server with the {@linkplain TestModels#samples() sample models} until the process is
     * stopped, for trying a client by hand: {@code TritonTestServer [port] [--grpc-port PORT]}
     * (HTTP port default 8000; gRPC only when {@code --grpc-port} is given, with {@code
     * flink-triton-grpc} on the class path; 0 for any free port).
     */
    public static void main(String[] args) throws InterruptedException {
        TestServerCommand.run(args, System.out);
    }

    /** Sets the JDK HTTP server's TCP_NODELAY switch before its configuration is first read. */
    private static final class NoDelay {
        static {
            if (System.getProperty("sun.net.httpserver.nodelay") == null) {
                System.setProperty("sun.net.httpserver.nodelay", "true");
            }
        }

        static void ensure() {
            // Loading this class runs the static initializer once.
        }
    }

    /**
     * Configures and starts a {@link TritonTestServer}.
     *
     * <pre>{@code
     * TritonTestServer server = TritonTestServer.builder()
     *         .model(TestModels.simple())
     *         .workerThreads(64)
     *         .start();
     * }</pre>
     */
    public static final class Builder {
        private final Map<String, TestModel> models = new LinkedHashMap<>();
        private int port;
        private int workerThreads = DEFAULT_WORKER_THREADS;
        private long maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
        private boolean compressResponses = true;
        private boolean acceptCompressedRequests = true;
        private SSLContext sslContext;
        private boolean clientCertificates;
        private boolean grpc;
        private int grpcPort;

        private Builder() {}

        /**
         * Serves {@code model}.
         *
         * @throws IllegalArgumentException when a model of that name was added already
         */
        public Builder model(TestModel model) {
            Objects.requireNonNull(model, "model");
            if (models.putIfAbsent(model.name(), model) != null) {
                throw new IllegalArgumentException(
                        "Two models are named '" + model.name() + "'; model names must be unique");
            }
            return this;
        }

        /** Serves each of {@code models}. */
        public Builder models(Collection<TestModel> models) {
            models.forEach(this::model);
            return this;
        }

        /** The port to listen on; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Port " + port + " is not in 0..65535");
            }
            this.port = port;
            return this;
        }

        /**
         * The most requests handled at the same time (default 32); more wait in a queue. Injected
         * latency and model cost hold a thread, so a concurrency test needs at least as many
         * threads as the client's concurrency limit. The gRPC face has a pool of its own of the
         * same size.
         */
        public Builder workerThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("workerThreads must be at least 1: " + threads);
            }
            this.workerThreads = threads;
            return this;
        }

        /** The largest request body accepted, after decompression; default 64 MiB like Triton. */
        public Builder maxRequestSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRequestSize must be positive: " + bytes);
            }
            this.maxRequestSize = bytes;
            return this;
        }

        /**
         * Whether to compress responses when {@code Accept-Encoding} asks for gzip or deflate, as
         * Triton does; default true. Note that OkHttp asks for gzip unless told otherwise.
         */
        public Builder compressResponses(boolean compress) {
            this.compressResponses = compress;
            return this;
        }

        /**
         * Whether to take gzip and deflate request bodies, as Triton does; default true. False
         * answers a compressed body 400 with the error KServe's Python model server gives, which
         * reads the compressed bytes as JSON: {@code "Unrecognized request format: str is not valid
         * UTF-8: surrogates not allowed"}.
         */
        public Builder acceptCompressedRequests(boolean accept) {
            this.acceptCompressedRequests = accept;
            return this;
        }

        /**
         * Serves HTTPS instead of HTTP, with the key and certificate of {@code serverContext} (an
         * {@link SSLContext} initialised with a key manager); {@link TritonTestServer#endpoint()}
         * then starts with {@code https://127.0.0.1:PORT}. For testing a client's TLS settings: the
         * certificate must be valid for {@code 127.0.0.1} (an IP subjectAltName) and trusted by the
         * client.
         */
        public Builder https(SSLContext serverContext) {
            this.sslContext = Objects.requireNonNull(serverContext, "serverContext");
            return this;
        }

        /**
         * Requires TLS clients to present a certificate that the {@linkplain #https(SSLContext)
         * server context}'s trust manager trusts (mutual TLS), on HTTPS and on gRPC alike; a client
         * without one fails its TLS handshake. The server context must be initialised with a trust
         * manager for the clients' issuer as well as a key manager.
         *
         * <pre>{@code
         * SSLContext context = SSLContext.getInstance("TLS");
         * context.init(serverKeys.getKeyManagers(), clientIssuer.getTrustManagers(), null);
         * TritonTestServer.builder().https(context).requireClientCertificates().grpc().start();
         * }</pre>
         */
        public Builder requireClientCertificates() {
            this.clientCertificates = true;
            return this;
        }

        /**
         * Serves gRPC as well, as Triton does on its second port: Triton's {@code
         * inference.GRPCInferenceService} ({@code ServerLive}, {@code ServerReady}, {@code
         * ModelReady}, {@code ServerMetadata}, {@code ModelMetadata}, {@code ModelConfig}, {@code
         * ModelInfer}, and {@code ModelStreamInfer} one response per request) over the same models,
         * with the same {@linkplain TritonTestServer#faults() faults} and {@linkplain
         * TritonTestServer#stats() counters}, on {@link TritonTestServer#grpcEndpoint()}. Off by
         * default; it needs {@code org.flinktriton:flink-triton-grpc} on the class path (a test
         * that calls a {@code grpc://} endpoint has it anyway), and {@link #start()} says so when
         * it is missing. With {@link #https(SSLContext)} the target is {@code grpcs://} with the
         * same certificate; {@link #maxRequestSize} caps each request message ({@code
         * RESOURCE_EXHAUSTED} beyond, refused by grpc-java before the server counts the request;
         * Triton's own gRPC cap is 2 GiB), {@link #acceptCompressedRequests} applies to gzip
         * messages, and with {@link #compressResponses} a response is gzip-compressed when its
         * request was. Keepalive follows grpc-java's defaults, as Triton's do: a client that pings
         * more often than every 5 minutes is sent {@code GOAWAY}.
         *
         * <p>Injected failures answer the gRPC status Triton maps the HTTP status to: 400 {@code
         * INVALID_ARGUMENT}, 404 {@code NOT_FOUND}, 413 {@code RESOURCE_EXHAUSTED}, 500 {@code
         * INTERNAL}, 501 {@code UNIMPLEMENTED}, 429, 502 and 503 {@code UNAVAILABLE} (a {@code
         * Retry-After} travels as the {@code retry-after} trailer); a dropped or reset request
         * answers {@code UNAVAILABLE}; a truncated response carries half of each output's bytes and
         * a malformed one none; an outage closes the gRPC port too. {@link ServerStats} counts gRPC
         * answers under the HTTP status they stand for, and counts the calls given up by their
         * client or deadline in {@link ServerStats#cancelled()}.
         */
        public Builder grpc() {
            this.grpc = true;
            return this;
        }

        /**
         * The gRPC port (0, the default, picks a free one); implies {@link #grpc()}.
         *
         * @throws IllegalArgumentException when not in 0..65535
         */
        public Builder grpcPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("gRPC port " + port + " is not in 0..65535");
            }
            this.grpcPort = port;
            this.grpc = true;
            return this;
        }

        /**
         * Binds the port and starts serving.
         *
         * @throws UncheckedIOException when the port cannot be bound
         */
        public TritonTestServer start() {
            try {
                return new TritonTestServer(this);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "Cannot start the Triton test server on 127.0.0.1:" + port, e);
            }
        }
    }
}
