package org.flinktriton;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The failure family's model context: set at construction, never changed afterwards. */
class TritonExceptionTest {

    private static final List<Class<? extends TritonException>> FAMILY =
            List.of(
                    TritonException.class,
                    TritonConnectionException.class,
                    TritonProtocolException.class,
                    TritonRecordException.class,
                    TritonSchemaException.class,
                    TritonServerException.class,
                    TritonTimeoutException.class);

    @Test
    void everyFieldOfTheFamilyIsFinal() {
        for (Class<?> type : FAMILY) {
            for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    assertThat(Modifier.isFinal(field.getModifiers()))
                            .as("%s.%s", type.getSimpleName(), field.getName())
                            .isTrue();
                }
            }
        }
    }

    @Test
    void inModelReturnsACopyAndLeavesTheOriginalAsItWas() {
        TritonException original = new TritonException("the request failed");

        TritonException named = original.inModel("add_sub", "2");

        assertThat(named).isNotSameAs(original).isExactlyInstanceOf(TritonException.class);
        assertThat(named.model()).isEqualTo("add_sub");
        assertThat(named.modelVersion()).isEqualTo("2");
        assertThat(named).hasMessage("Model 'add_sub' version 2: the request failed");
        assertThat(named.detail()).isEqualTo("the request failed");
        assertThat(original.model()).isNull();
        assertThat(original).hasMessage("the request failed");
    }

    @Test
    void oneFailureNamedForTwoModelsNamesEachItsOwn() {
        TritonException shared = new TritonConnectionException("cannot connect", null);

        TritonException first = shared.inModel("first", null);
        TritonException second = shared.inModel("second", "1");

        assertThat(first.model()).isEqualTo("first");
        assertThat(second.model()).isEqualTo("second");
        assertThat(second.modelVersion()).isEqualTo("1");
        assertThat(first).hasMessage("Model 'first': cannot connect");
        assertThat(shared.model()).isNull();
    }

    @Test
    void aNamedFailureKeepsItsModel() {
        TritonException named = new TritonException("boom").inModel("first", null);

        assertThat(named.inModel("second", null)).isSameAs(named);
        assertThat(named.inModel(null, null).model()).isEqualTo("first");
    }

    @Test
    void theCopyKeepsClassFieldsCauseStackTraceAndSuppressed() {
        IllegalStateException cause = new IllegalStateException("root");
        TritonServerException server =
                new TritonServerException(
                        "POST /v2/models/m/infer answered HTTP 503: busy",
                        503,
                        "busy",
                        Duration.ofSeconds(2));
        server.addSuppressed(cause);

        TritonServerException copy = (TritonServerException) server.inModel("m", null);

        assertThat(copy).isExactlyInstanceOf(TritonServerException.class);
        assertThat(copy.statusCode()).isEqualTo(503);
        assertThat(copy.error()).isEqualTo("busy");
        assertThat(copy.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(copy.retryable()).isTrue();
        assertThat(copy.getStackTrace()).isEqualTo(server.getStackTrace());
        assertThat(copy.getSuppressed()).containsExactly(cause);

        TritonException withCause = new TritonProtocolException("bad bytes", cause);
        assertThat(withCause.inModel("m", null).getCause()).isSameAs(cause);

        TritonSchemaException schema = new TritonSchemaException(List.of("a", "b"));
        TritonSchemaException namedSchema = (TritonSchemaException) schema.inModel("m", null);
        assertThat(namedSchema.mismatches()).containsExactly("a", "b");
        assertThat(namedSchema.retryable()).isFalse();
    }

    @Test
    void eachMemberOfTheFamilyCopiesToItsOwnClass() {
        List<TritonException> failures =
                List.of(
                        new TritonException("x"),
                        new TritonConnectionException("x", null),
                        new TritonProtocolException("x"),
                        new TritonRecordException("x"),
                        new TritonSchemaException(List.of("x")),
                        new TritonServerException("x", 400, "x"),
                        new TritonTimeoutException("x"));
        for (TritonException failure : failures) {
            TritonException named = failure.inModel("m", null);
            assertThat(named).isExactlyInstanceOf(failure.getClass());
            assertThat(named.retryable()).isEqualTo(failure.retryable());
            assertThat(named.model()).isEqualTo("m");
        }
    }

    /** A subclass outside the family that does not override {@code withModel}. */
    static final class OwnFailure extends TritonException {
        private static final long serialVersionUID = 1L;

        OwnFailure() {
            super("own");
        }
    }

    @Test
    void aSubclassWithoutACopyKeepsItsType() {
        OwnFailure own = new OwnFailure();

        assertThat(own.inModel("m", null)).isSameAs(own);
        assertThat(own.model()).isNull();
    }

    @Test
    void threadsNamingOneFailureAtOnceEachGetTheirOwnModel() throws Exception {
        TritonException shared = new TritonTimeoutException("too slow");
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 50; round++) {
                TritonException failure =
                        round == 0 ? shared : new TritonTimeoutException("too slow " + round);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<TritonException>> named = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String model = "model-" + t;
                    named.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        return failure.inModel(model, null);
                                    }));
                }
                start.countDown();
                for (int t = 0; t < threads; t++) {
                    TritonException e = named.get(t).get(10, TimeUnit.SECONDS);
                    assertThat(e.model()).isEqualTo("model-" + t);
                    assertThat(e.getMessage()).startsWith("Model 'model-" + t + "': too slow");
                }
                assertThat(failure.model()).isNull();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
