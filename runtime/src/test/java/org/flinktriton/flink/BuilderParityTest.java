package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.client.TritonModelClient;
import org.flinktriton.codec.TritonCodecs;
import org.flinktriton.flink.TritonInferenceTest.Request;
import org.flinktriton.flink.TritonInferenceTest.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TritonClientOptions.Builder} is the one place a client option is defined: every setter of
 * it is on {@link TritonInference.Builder} and {@link TritonModelClient.Builder} too, under the
 * same name with the same parameters, and hands its value on unchanged; and {@link
 * AsyncBatchOptions.Builder}'s setters are on {@link TritonInference.Builder}. An option added to
 * the options builder alone fails here.
 */
class BuilderParityTest {

    private static final String ENDPOINT = "http://127.0.0.1:8000";

    /** Another annotated input class, whose @TritonModel differs from {@link Request}'s. */
    @TritonModel(name = "other", version = "2")
    public static class Other {
        @TritonInput(
                name = "INPUT0",
                shape = {4})
        public float[] a;
    }

    /** A value for each setter, unlike the default; keyed by {@link #signature}. */
    private static final Map<String, Object[]> SAMPLES = new TreeMap<>();

    @BeforeAll
    static void samples() throws Exception {
        Path pem = Path.of(BuilderParityTest.class.getResource("/tls/test-server.pem").toURI());
        TritonClientOptions trusting =
                TritonClientOptions.builder()
                        .endpoint(ENDPOINT)
                        .model("m")
                        .trustStorePem(pem)
                        .build();
        List<Certificate> certificates = trusting.trustedCertificates();
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", certificates.get(0));

        sample("endpoint(String)", "http://127.0.0.1:8001");
        sample("model(String)", "m2");
        sample("modelVersion(String)", "7");
        sample("modelFrom(Class)", Other.class);
        sample("modelFrom(TritonInputCodec)", TritonCodecs.forInput(Other.class));
        sample("header(String,String)", "X-Key", "v");
        sample("bearerToken(String)", "t0k3n");
        sample("trustStore(KeyStore)", store);
        sample("trustStorePem(Path)", pem);
        sample("trustedCertificates(Collection)", certificates);
        sample(
                "clientCertificate(Path,Path)",
                Path.of(BuilderParityTest.class.getResource("/tls/test-client.pem").toURI()),
                Path.of(BuilderParityTest.class.getResource("/tls/test-client-key.pem").toURI()));
        sample("connectTimeout(Duration)", Duration.ofSeconds(3));
        sample("requestTimeout(Duration)", Duration.ofSeconds(4));
        sample("closeTimeout(Duration)", Duration.ofSeconds(5));
        sample("maxConcurrentRequests(int)", 3);
        sample("binaryData(boolean)", false);
        sample("maxRecordsPerRequest(int)", 6);
        sample("compressRequests(boolean)", true);
        sample("acceptCompressedResponses(boolean)", true);
        sample("maxResponseBytes(long)", 1024L);
        sample("maxRequestBytes(long)", 2048L);
        sample("priority(int)", 2);
        sample("serverTimeout(Duration)", Duration.ofMillis(250));
        sample("parameter(String,Object)", "sequence_id", 42);
        sample("retry(RetryPolicy)", RetryPolicy.none());
        sample("circuitBreaker(CircuitBreakerPolicy)", CircuitBreakerPolicy.defaults());
        sample("adaptiveConcurrency(boolean)", false);
        sample("maxBisectionRequests(int)", 5);
        sample("keepAliveInterval(Duration)", Duration.ofMinutes(6));
    }

    private static void sample(String signature, Object... args) {
        SAMPLES.put(signature, args);
    }

    @Test
    void everySetterOfTheOptionsBuilderIsOnBothBuilders() throws Exception {
        List<Method> setters = setters(TritonClientOptions.Builder.class);
        assertThat(setters).hasSizeGreaterThanOrEqualTo(25);

        for (Method setter : setters) {
            for (Class<?> wrapper :
                    List.of(TritonInference.Builder.class, TritonModelClient.Builder.class)) {
                Method found = wrapper.getMethod(setter.getName(), setter.getParameterTypes());
                assertThat(found.getReturnType())
                        .as("%s.%s", wrapper.getName(), signature(setter))
                        .isEqualTo(wrapper);
                assertThat(found.isAnnotationPresent(Deprecated.class))
                        .as("%s.%s is deprecated", wrapper.getName(), signature(setter))
                        .isFalse();
            }
        }
    }

    @Test
    void everyBatchSetterIsOnTheInferenceBuilder() throws Exception {
        List<Method> setters = setters(AsyncBatchOptions.Builder.class);
        assertThat(setters).extracting(Method::getName).contains("batchTimeout", "maxBatchSize");

        for (Method setter : setters) {
            Method found =
                    TritonInference.Builder.class.getMethod(
                            setter.getName(), setter.getParameterTypes());
            assertThat(found.getReturnType()).isEqualTo(TritonInference.Builder.class);
        }
    }

    @Test
    void theWholeOptionsTakeOneNameOnBothBuilders() throws Exception {
        for (Class<?> wrapper :
                List.of(TritonInference.Builder.class, TritonModelClient.Builder.class)) {
            assertThat(wrapper.getMethod("clientOptions", TritonClientOptions.class))
                    .as(wrapper.getName())
                    .isNotNull();
        }
    }

    @Test
    void eachSetterHandsItsValueOnUnchanged() throws Exception {
        List<Method> setters = setters(TritonClientOptions.Builder.class);
        assertThat(SAMPLES.keySet())
                .as("a sample value for each setter of TritonClientOptions.Builder")
                .containsExactlyInAnyOrderElementsOf(
                        setters.stream().map(BuilderParityTest::signature).toList());
        TritonClientOptions base = optionsBuilder().build();

        for (Method setter : setters) {
            Object[] args = SAMPLES.get(signature(setter));
            TritonClientOptions expected = invoke(setter, optionsBuilder(), args).build();
            assertThat(expected).as("%s changes a setting", signature(setter)).isNotEqualTo(base);

            TritonInference.Builder<Request, Result> inference =
                    TritonInference.builder(Request.class, Result.class).endpoint(ENDPOINT);
            TritonInference<Request, Result> built =
                    invoke(wrapped(setter, TritonInference.Builder.class), inference, args).build();
            assertThat(built.clientOptions())
                    .as("TritonInference.Builder.%s", signature(setter))
                    .isEqualTo(inJob(expected, built.batchOptions().batchTimeout()));

            TritonModelClient.Builder client =
                    TritonModelClient.builder().endpoint(ENDPOINT).modelFrom(Request.class);
            try (TritonModelClient opened =
                    invoke(wrapped(setter, TritonModelClient.Builder.class), client, args)
                            .build()) {
                assertThat(opened.options())
                        .as("TritonModelClient.Builder.%s", signature(setter))
                        .isEqualTo(expected);
            }
        }
    }

    /**
     * The builders hold the options builder, the batch builder and what is their own, and no copy
     * of any option: an option kept in a field of its own could drift from the options' rules.
     */
    @Test
    void theBuildersKeepNoOptionOfTheirOwn() {
        assertThat(instanceFields(TritonInference.Builder.class))
                .containsExactlyInAnyOrder(
                        "inputType",
                        "outputType",
                        "options",
                        "batch",
                        "ordered",
                        "uid",
                        "deadLetters",
                        "fallback",
                        "emitResponsesAsTheyArrive");
        assertThat(instanceFields(TritonModelClient.Builder.class))
                .containsExactlyInAnyOrder(
                        "options",
                        "sslSocketFactory",
                        "sslContext",
                        "trustManager",
                        "hostnameVerifier",
                        "requestIds");
    }

    /** Where each builder starts: the model from {@link Request}'s {@code @TritonModel}. */
    private static TritonClientOptions.Builder optionsBuilder() {
        return TritonClientOptions.builder().endpoint(ENDPOINT).modelFrom(Request.class);
    }

    /** What {@link TritonInference.Builder#build()} makes of the options: retries until timeout. */
    private static TritonClientOptions inJob(TritonClientOptions options, Duration batchTimeout) {
        RetryPolicy retry = options.retry();
        if (!retry.enabled()) {
            return options;
        }
        return options.toBuilder()
                .retry(
                        retry.toBuilder()
                                .maxAttempts(Integer.MAX_VALUE)
                                .budget(batchTimeout)
                                .build())
                .build();
    }

    /** The public, not deprecated instance setters: they return the builder itself. */
    private static List<Method> setters(Class<?> builder) {
        List<Method> setters = new ArrayList<>();
        for (Method method : builder.getMethods()) {
            if (method.getReturnType() == builder
                    && !Modifier.isStatic(method.getModifiers())
                    && !method.isAnnotationPresent(Deprecated.class)) {
                setters.add(method);
            }
        }
        return setters;
    }

    private static Method wrapped(Method setter, Class<?> wrapper) throws NoSuchMethodException {
        return wrapper.getMethod(setter.getName(), setter.getParameterTypes());
    }

    @SuppressWarnings("unchecked")
    private static <B> B invoke(Method setter, B builder, Object[] args) throws Exception {
        try {
            return (B) setter.invoke(builder, args);
        } catch (InvocationTargetException e) {
            throw new AssertionError(signature(setter) + " failed", e.getCause());
        }
    }

    /** For example {@code header(String,String)}. */
    private static String signature(Method method) {
        return method.getName()
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(",", "(", ")"));
    }

    private static TreeSet<String> instanceFields(Class<?> type) {
        TreeSet<String> names = new TreeSet<>();
        for (Field field : type.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) && !field.isSynthetic()) {
                names.add(field.getName());
            }
        }
        return names;
    }
}
