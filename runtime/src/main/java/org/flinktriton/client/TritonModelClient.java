package org.flinktriton.client;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import org.flinktriton.TritonConnectionException;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.TritonRecordException;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.TritonServerException;
import org.flinktriton.TritonTimeoutException;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * An asynchronous, batching client for one model on a Triton Inference Server (or any server that
 * speaks the KServe v2 / Open Inference Protocol over HTTP), driven by the codecs that the
 * flink-triton annotation processor generates.
 *
 * <pre>{@code
 * try (TritonModelClient client = TritonModelClient.builder()
 *         .endpoint("http://127.0.0.1:8000")
 *         .model("add_sub")                   // or modelFrom(AddSubRequest.class) for @TritonModel
 *         .requestTimeout(Duration.ofSeconds(30))
 *         .maxConcurrentRequests(16)
 *         .build()) {
 *     client.validate(AddSubRequest.class, AddSubResult.class);   // optional: fail fast
 *     CompletableFuture<List<AddSubResult>> out = client.infer(requests, AddSubResult.class);
 *     List<AddSubResult> results = out.join();                     // one per request, in order
 * }
 * }</pre>
 *
 * <p>The settings that can be serialized form a {@link TritonClientOptions}; {@code
 * builder().clientOptions(options)} takes them at once, for example {@link
 * TritonClientOptions#fromConfig}'s from a Flink configuration.
 *
 * <p><b>Batching.</b> The client learns the model's {@code max_batch_size} once, from Triton's
 * {@code …/config} or, on servers without it, from the metadata (a leading {@code -1} in every
 * input's shape means the model batches, with no known limit). A list larger than that is split
 * into several requests; a model with {@code max_batch_size} 0 gets one record per request; records
 * whose variable dimensions differ go in separate requests. The requests run concurrently, at most
 * {@link Builder#maxConcurrentRequests} at a time (the rest wait their turn, they do not fail), and
 * the outputs come back in input order.
 *
 * <p><b>Validation.</b> Before the first request for a pair of classes, and on {@link #validate},
 * the codecs are compared with the model metadata; every mismatch is listed in one {@link
 * TritonSchemaException} and nothing is sent.
 *
 * <p><b>Errors.</b> Futures fail with a {@link TritonException} whose message starts with the
 * model: {@link TritonConnectionException} for a server that cannot be reached or a connection that
 * broke, {@link TritonServerException} for HTTP 400 and above, {@link TritonTimeoutException} past
 * the request timeout, {@link TritonProtocolException} for a response that breaks the protocol, and
 * {@link TritonRecordException} for a record that does not fit its spec; {@link
 * TritonException#retryable()} says which may pass on a second try. Cancelling a returned future
 * cancels its HTTP calls.
 *
 * <p><b>Resilience.</b> Each HTTP request whose failure is {@linkplain TritonException#retryable()
 * retryable} is sent again by the {@link RetryPolicy} (on by default: backoff with jitter, {@code
 * Retry-After} honoured, within a budget), only that request, never the other parts of a split
 * call. The requests in flight adapt to the server (halved on 429, 503 and timeouts, then raised
 * again up to {@code maxConcurrentRequests}; {@link #concurrencyLimit()}). A {@link
 * CircuitBreakerPolicy} (off by default) makes requests fail fast while the server keeps failing.
 * {@link #infer} fails the whole call on the first failure that retries cannot cure; {@link
 * #inferEach} gives each record its own outcome and isolates the records the server rejects.
 *
 * <p><b>Threads and connections.</b> Requests run on the client's threads (one per request in
 * flight), and futures complete there: keep their continuations short or move them elsewhere. A
 * future's {@code join()} or {@code get()} only waits; {@link #inferBlocking} is the call whose
 * first request runs on the calling thread. The clients of one server (scheme, host and port) with
 * the same TLS settings share their connection pool and threads within a JVM: the parallel
 * instances of a job in one TaskManager hold one pool, one deadline thread and one retry timer per
 * server, not one each. {@link #close()} waits for calls in flight up to {@link
 * Builder#closeTimeout}, then cancels them and lets go of the shared pool; the last client of a
 * server to close stops the threads and closes the connections. Thread-safe.
 */
public final class TritonModelClient implements AutoCloseable {
    private static final String SUBJECT = "TritonModelClient";

    private final ClientCore core;

    private TritonModelClient(ClientSettings settings) {
        this.core = new ClientCore(settings);
    }

    /** Starts configuring a client. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model's name. */
    public String model() {
        return core.settings().model;
    }

    /** The model version, when one was given. */
    public Optional<String> modelVersion() {
        return Optional.ofNullable(core.settings().modelVersion);
    }

    /** Every serializable setting of this client. */
    public TritonClientOptions options() {
        return core.settings().options;
    }

    /** The server's base URL, without credentials. */
    public String endpoint() {
        return core.settings().endpointText;
    }

    /** Whether the server answers {@code GET /v2/health/live} with 200. */
    public CompletableFuture<Boolean> serverLive() {
        return core.serverLive();
    }

    /** Whether the server answers {@code GET /v2/health/ready} with 200. */
    public CompletableFuture<Boolean> serverReady() {
        return core.serverReady();
    }

    /** Whether the server answers the model's {@code …/ready} with 200. */
    public CompletableFuture<Boolean> modelReady() {
        return core.modelReady();
    }

    /** The model's metadata and batch size, fetched on first use and kept. */
    public CompletableFuture<TritonModelInfo> modelInfo() {
        return core.modelInfo();
    }

    /**
     * Compares the generated codecs of {@code inputType} and {@code outputType} with the model's
     * metadata, blocking until the metadata is known.
     *
     * @throws TritonSchemaException listing every mismatch
     * @throws TritonException when the metadata cannot be fetched or a class has no codec
     */
    public void validate(Class<?> inputType, Class<?> outputType) {
        core.validate(inputType, outputType);
    }

    /**
     * Compares {@code input} and {@code output} with the model's metadata, blocking until the
     * metadata is known.
     *
     * @throws TritonSchemaException listing every mismatch
     * @throws TritonException when the metadata cannot be fetched
     */
    public void validate(TritonInputCodec<?> input, TritonOutputCodec<?> output) {
        core.validate(input, output);
    }

    /**
     * Runs inference on {@code records}, whose class's generated codec encodes them, and decodes
     * one {@code outputType} per record, in input order. When {@code outputType} is the records'
     * own class and it declares outputs too, the results are the sent records with their outputs
     * filled in (for Java records: new instances). An empty list completes at once, with an empty
     * list.
     */
    public <I, O> CompletableFuture<List<O>> infer(List<? extends I> records, Class<O> outputType) {
        return core.infer(records, outputType);
    }

    /** {@link #infer(List, Class)} with explicit codecs. */
    public <I, O> CompletableFuture<List<O>> infer(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return core.infer(records, input, output);
    }

    /**
     * Runs inference like {@link #infer(List, Class)} and waits for the outputs, the calling thread
     * sending the call's first HTTP request itself: for a caller that waits for every call anyway
     * (a benchmark, a script, a single-threaded service).
     *
     * <p>{@code infer(...).join()} hands each request to one of the client's threads and waits to
     * be woken when the answer is in; here the calling thread writes the request and reads the
     * answer itself, as grpc-java's blocking stubs do, which spares a thread hand-off and a wake-up
     * per call. The other requests of a call split into several (see Batching above), the retries
     * and, the first time, the request sent when the model's metadata arrives run on the client's
     * threads, as with {@code infer}. The request timeout applies as on any thread. The thread's
     * thread-locals and interrupt status are the caller's: an interrupted thread sends nothing; an
     * interrupt while it waits cancels the call; an interrupt while it is in the middle of the
     * request takes effect when socket I/O returns, at the latest at the request timeout. In each
     * case the interrupt status stays set and a {@link TritonException} says what happened.
     *
     * @return one output per record, in input order
     * @throws TritonException as {@link #infer(List, Class)}'s future would fail, unwrapped
     */
    public <I, O> List<O> inferBlocking(List<? extends I> records, Class<O> outputType) {
        return core.inferBlocking(records, outputType);
    }

    /** {@link #inferBlocking(List, Class)} with explicit codecs. */
    public <I, O> List<O> inferBlocking(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return core.inferBlocking(records, input, output);
    }

    /**
     * Runs inference on {@code records} like {@link #infer(List, Class)}, but gives each record its
     * own {@link InferenceOutcome}, in input order, instead of failing the whole call when a
     * request fails.
     *
     * <p>A request that fails with an answer one of its records may have caused (HTTP 400, 422 or
     * 500, or a record that cannot be encoded) is split in halves, and each half is sent again,
     * until every rejected record stands alone and fails on its own; the others get their outputs.
     * With one rejected record in a request of {@code n}, that costs {@code 2·log2(n)} extra
     * requests ({@link #bisectionRequests()} counts them), and a call sends at most {@link
     * TritonClientOptions#maxBisectionRequests()} of them (32 by default). A server that rejects
     * every request alike (a broken model) is found out along one path of halves, for {@code
     * 2·log2(n)} extra requests, and each of its rejections counts toward the circuit breaker. A
     * failure that retries could not cure fails every record of its request, with that failure. The
     * future itself fails only when no record can be sent at all: a closed client, classes that do
     * not match the model, metadata that cannot be fetched.
     */
    public <I, O> CompletableFuture<List<InferenceOutcome<O>>> inferEach(
            List<? extends I> records, Class<O> outputType) {
        return core.inferEach(records, outputType);
    }

    /** {@link #inferEach(List, Class)} with explicit codecs. */
    public <I, O> CompletableFuture<List<InferenceOutcome<O>>> inferEach(
            List<? extends I> records, TritonInputCodec<I> input, TritonOutputCodec<O> output) {
        return core.inferEach(records, input, output);
    }

    /**
     * Runs a decoupled model (one whose config says {@code model_transaction_policy { decoupled:
     * true }}, such as the vLLM and TensorRT-LLM backends or a streaming Python model) on {@code
     * records}: each record is one request on the client's long-lived gRPC {@code ModelStreamInfer}
     * stream, and {@code listener} gets its zero or more responses, decoded as {@code outputType},
     * in the order the server sent them, then its end. Delivery is {@link
     * StreamDelivery#AFTER_FINAL}: exactly once, a record's responses together once its final
     * response is in.
     *
     * <pre>{@code
     * try (TritonModelClient client = TritonModelClient.builder()
     *         .endpoint("grpc://127.0.0.1:8001").model("generator").build()) {
     *     client.inferStream(prompts, Token.class, listener).join();
     * }
     * }</pre>
     *
     * <p>The records of every {@code inferStream} call of this client share one stream; at most
     * {@code maxConcurrentRequests} records are on it without their final response, the others wait
     * in the client, and responses are asked for only as the listener takes them, so a slow
     * listener slows the server down rather than filling memory. The client asks the server for an
     * explicit end of each request ({@code triton_enable_empty_final_response}), so a record with
     * no response ends too. A record fails alone when the server answers it with an error, or when
     * it has no final response within {@code requestTimeout} of being sent. A stream that breaks
     * ({@code UNAVAILABLE}, reset) is opened again after the retry policy's backoff, and the
     * records it left open are sent again, each up to the policy's {@code maxAttempts} in all and
     * within its budget; in this mode what they had answered before is dropped, never delivered.
     *
     * <p>The future completes when every record has ended or failed (each told to the listener),
     * and fails only for the call as a whole: a closed client, an endpoint without streams (HTTP:
     * use {@code grpc://}), a model that is not decoupled (use {@link #infer}), classes that do not
     * match the model, a listener that throws.
     */
    public <I, O> CompletableFuture<Void> inferStream(
            List<? extends I> records, Class<O> outputType, ResponseListener<O> listener) {
        return core.inferStream(records, outputType, StreamDelivery.AFTER_FINAL, listener);
    }

    /** {@link #inferStream(List, Class, ResponseListener)} with a choice of delivery. */
    public <I, O> CompletableFuture<Void> inferStream(
            List<? extends I> records,
            Class<O> outputType,
            StreamDelivery delivery,
            ResponseListener<O> listener) {
        return core.inferStream(records, outputType, delivery, listener);
    }

    /** {@link #inferStream(List, Class, StreamDelivery, ResponseListener)} with explicit codecs. */
    public <I, O> CompletableFuture<Void> inferStream(
            List<? extends I> records,
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output,
            StreamDelivery delivery,
            ResponseListener<O> listener) {
        return core.inferStream(records, input, output, delivery, listener);
    }

    /**
     * How many HTTP requests may be in flight now: {@code maxConcurrentRequests}, or less after the
     * server answered 429 or 503 or timed out (with adaptive concurrency on).
     */
    public int concurrencyLimit() {
        return core.resilience().concurrencyLimit();
    }

    /** The circuit breaker's state; {@link CircuitState#DISABLED} without one. */
    public CircuitState circuitState() {
        return core.resilience().circuitState();
    }

    /** Requests sent again by the retry policy since the client was built. */
    public long retries() {
        return core.resilience().retries();
    }

    /** Answers with HTTP 429 or 503 since the client was built. */
    public long throttledResponses() {
        return core.resilience().throttledResponses();
    }

    /** Requests sent only to isolate rejected records ({@link #inferEach}). */
    public long bisectionRequests() {
        return core.resilience().bisectionRequests();
    }

    /** Requests failed fast, unsent, by the open circuit breaker. */
    public long circuitBreakerRejections() {
        return core.resilience().rejectedByBreaker();
    }

    /**
     * Refuses new calls, waits for those in flight up to {@link Builder#closeTimeout}, cancels what
     * is left (failing it with a {@link TritonException}) and lets go of the connection pool and
     * threads it shares with the other clients of its server: the last of them to close stops the
     * threads and closes the connections. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

    /** Calls running or queued in the dispatcher; for tests. */
    int activeCalls() {
        return core.activeCalls();
    }

    /**
     * Responses held by the stream for {@link StreamDelivery#AFTER_FINAL} delivery: now, and the
     * most at any time; for tests.
     */
    int[] heldStreamResponses() {
        StreamSession session = core.streamSession();
        return session == null ? new int[2] : session.heldResponses();
    }

    /** Streams the client has opened for inferStream; for tests. */
    long streamsOpened() {
        StreamSession session = core.streamSession();
        return session == null ? 0 : session.streamsOpened();
    }

    /** Connections in the pool this client shares; for tests. */
    int connectionCount() {
        return core.connectionCount();
    }

    /** Clients that share this client's connections and threads, this one included; for tests. */
    int transportUsers() {
        return core.transportUsers();
    }

    /** Connection pools (with their threads) that clients in this JVM hold now; for tests. */
    static int sharedTransports() {
        return HttpStack.SHARED.size();
    }

    @Override
    public String toString() {
        return "TritonModelClient{" + core.settings().modelText + " at " + endpoint() + "}";
    }

    /**
     * Configures a {@link TritonModelClient}: its {@link TritonClientOptions} (taken at once with
     * {@link #clientOptions}, or set one by one with the setters of the same names, each handed on
     * to a {@link TritonClientOptions.Builder}, where it is documented) and what cannot be
     * serialized (TLS objects, a request id supplier). Only {@link #endpoint} and the model ({@link
     * #model} or {@link #modelFrom}) are required; the defaults are {@link
     * TritonClientOptions.Builder}'s.
     */
    public static final class Builder {
        private TritonClientOptions.Builder options = TritonClientOptions.builder(SUBJECT);
        private SSLSocketFactory sslSocketFactory;
        private SSLContext sslContext;
        private X509TrustManager trustManager;
        private HostnameVerifier hostnameVerifier;
        private Supplier<String> requestIds;

        private Builder() {}

        /**
         * Takes every serializable setting from {@code options}, replacing those given before;
         * setters called afterwards change single settings.
         */
        public Builder clientOptions(TritonClientOptions options) {
            this.options = Objects.requireNonNull(options, "options").toBuilder(SUBJECT);
            return this;
        }

        /**
         * Takes every serializable setting from {@code options}.
         *
         * @deprecated named like {@code TritonInference.Builder}'s now: use {@link #clientOptions}
         */
        @Deprecated
        public Builder options(TritonClientOptions options) {
            return clientOptions(options);
        }

        /** See {@link TritonClientOptions.Builder#endpoint}. */
        public Builder endpoint(String endpoint) {
            options.endpoint(endpoint);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#model}. */
        public Builder model(String model) {
            options.model(model);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelVersion}. */
        public Builder modelVersion(String modelVersion) {
            options.modelVersion(modelVersion);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelFrom(Class)}. */
        public Builder modelFrom(Class<?> inputType) {
            options.modelFrom(inputType);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#modelFrom(TritonInputCodec)}. */
        public Builder modelFrom(TritonInputCodec<?> input) {
            options.modelFrom(input);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#header}. */
        public Builder header(String name, String value) {
            options.header(name, value);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#bearerToken}. */
        public Builder bearerToken(String token) {
            options.bearerToken(token);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustStore}. */
        public Builder trustStore(KeyStore trustStore) {
            options.trustStore(trustStore);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustStorePem}. */
        public Builder trustStorePem(Path pemFile) {
            options.trustStorePem(pemFile);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#clientCertificate}. */
        public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
            options.clientCertificate(certificateChainPem, privateKeyPem);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#trustedCertificates}. */
        public Builder trustedCertificates(Collection<? extends Certificate> certificates) {
            options.trustedCertificates(certificates);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#connectTimeout}. */
        public Builder connectTimeout(Duration timeout) {
            options.connectTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#requestTimeout}. */
        public Builder requestTimeout(Duration timeout) {
            options.requestTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#closeTimeout}. */
        public Builder closeTimeout(Duration timeout) {
            options.closeTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxConcurrentRequests}. */
        public Builder maxConcurrentRequests(int max) {
            options.maxConcurrentRequests(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#binaryData}. */
        public Builder binaryData(boolean binaryData) {
            options.binaryData(binaryData);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxRecordsPerRequest}. */
        public Builder maxRecordsPerRequest(int max) {
            options.maxRecordsPerRequest(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxBisectionRequests}. */
        public Builder maxBisectionRequests(int max) {
            options.maxBisectionRequests(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#keepAliveInterval}. */
        public Builder keepAliveInterval(Duration interval) {
            options.keepAliveInterval(interval);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#compressRequests}. */
        public Builder compressRequests(boolean compress) {
            options.compressRequests(compress);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#acceptCompressedResponses}. */
        public Builder acceptCompressedResponses(boolean accept) {
            options.acceptCompressedResponses(accept);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxResponseBytes}. */
        public Builder maxResponseBytes(long max) {
            options.maxResponseBytes(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#maxRequestBytes}. */
        public Builder maxRequestBytes(long max) {
            options.maxRequestBytes(max);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#priority}. */
        public Builder priority(int priority) {
            options.priority(priority);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#serverTimeout}. */
        public Builder serverTimeout(Duration timeout) {
            options.serverTimeout(timeout);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#parameter}. */
        public Builder parameter(String name, Object value) {
            options.parameter(name, value);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#retry}. */
        public Builder retry(RetryPolicy retry) {
            options.retry(retry);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#circuitBreaker}. */
        public Builder circuitBreaker(CircuitBreakerPolicy circuitBreaker) {
            options.circuitBreaker(circuitBreaker);
            return this;
        }

        /** See {@link TritonClientOptions.Builder#adaptiveConcurrency}. */
        public Builder adaptiveConcurrency(boolean adaptive) {
            options.adaptiveConcurrency(adaptive);
            return this;
        }

        /**
         * The most records in one request.
         *
         * @deprecated renamed: use {@link #maxRecordsPerRequest}
         */
        @Deprecated
        public Builder maxBatchSize(int max) {
            return maxRecordsPerRequest(max);
        }

        /**
         * TLS for an {@code https} endpoint with a caller's socket factory and trust manager,
         * instead of the trust of the options (not together with {@link #trustStore} and its
         * siblings: {@link #build()} refuses both). HTTP only: gRPC opens no sockets through a
         * socket factory, so {@link #build()} refuses it for a {@code grpcs} endpoint; give the
         * {@link SSLContext} the factory comes from with {@link #sslContext} instead.
         */
        public Builder sslSocketFactory(
                SSLSocketFactory socketFactory, X509TrustManager trustManager) {
            this.sslSocketFactory = Objects.requireNonNull(socketFactory, "socketFactory");
            this.trustManager = Objects.requireNonNull(trustManager, "trustManager");
            this.sslContext = null;
            return this;
        }

        /**
         * TLS for an {@code https} or {@code grpcs} endpoint with a caller's {@link SSLContext},
         * used as it is by both transports: the client certificate of its key managers is presented
         * to a server that asks for one (mutual TLS), and its trust managers decide which servers
         * are trusted. {@code trustManager} must be the one the context was initialised with. Not
         * together with {@link #trustStore} and its siblings, nor {@link #clientCertificate}.
         *
         * <pre>{@code
         * SSLContext tls = SSLContext.getInstance("TLS");
         * tls.init(keyManagers, new TrustManager[] {trustManager}, null);
         * TritonModelClient.builder().endpoint("grpcs://triton:8001").model("m")
         *     .sslContext(tls, trustManager).build();
         * }</pre>
         */
        public Builder sslContext(SSLContext context, X509TrustManager trustManager) {
            sslSocketFactory(
                    Objects.requireNonNull(context, "context").getSocketFactory(), trustManager);
            this.sslContext = context;
            return this;
        }

        /**
         * Replaces the default host name check of {@code https} endpoints. HTTP only: gRPC checks
         * the host name itself, against the endpoint's host, so {@link #build()} refuses a verifier
         * for a {@code grpc} or {@code grpcs} endpoint.
         */
        public Builder hostnameVerifier(HostnameVerifier verifier) {
            this.hostnameVerifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /** Supplies the {@code id} of each inference request; null from it sends none. */
        public Builder requestIds(Supplier<String> ids) {
            this.requestIds = ids;
            return this;
        }

        /**
         * Builds the client.
         *
         * @throws IllegalStateException when the endpoint or the model is missing, or when both an
         *     {@link #sslSocketFactory} (or {@link #sslContext}) and TLS material of the options
         *     (certificates to trust: {@link #trustStore}, {@link #trustStorePem}, {@link
         *     #trustedCertificates}; a {@link #clientCertificate}) are given, or when a {@code
         *     grpc} or {@code grpcs} endpoint is given an option only HTTP honours ({@link
         *     #hostnameVerifier}, {@link #sslSocketFactory})
         */
        public TritonModelClient build() {
            TritonClientOptions built = options.build();
            String scheme = TritonClientOptions.schemeOf(built.endpoint());
            if (scheme.equals("grpc") || scheme.equals("grpcs")) {
                if (hostnameVerifier != null) {
                    throw new IllegalStateException(
                            SUBJECT
                                    + ": hostnameVerifier applies to https:// endpoints only and"
                                    + " cannot be honoured for "
                                    + scheme
                                    + "://: gRPC checks that the server's certificate names the"
                                    + " endpoint's host itself. Remove hostnameVerifier and give"
                                    + " the endpoint a host name that the certificate names (a"
                                    + " subject alternative name), or use an https:// endpoint");
                }
                if (scheme.equals("grpcs") && sslSocketFactory != null && sslContext == null) {
                    throw new IllegalStateException(
                            SUBJECT
                                    + ": sslSocketFactory applies to https:// endpoints only and"
                                    + " cannot be honoured for grpcs://, which opens no sockets"
                                    + " through a socket factory; pass the SSLContext it comes"
                                    + " from with sslContext(context, trustManager), or the trust"
                                    + " and client certificate with trustStore/trustStorePem and"
                                    + " clientCertificate");
                }
            }
            if (sslSocketFactory != null && !built.tls().isJvmDefault()) {
                throw new IllegalStateException(
                        SUBJECT
                                + ": sslSocketFactory/sslContext and trustStore/trustStorePem/"
                                + "trustedCertificates/clientCertificate both set the TLS of"
                                + " https connections; set it one way");
            }
            return new TritonModelClient(
                    new ClientSettings(
                            built,
                            sslContext,
                            sslSocketFactory,
                            trustManager,
                            hostnameVerifier,
                            requestIds));
        }
    }
}
