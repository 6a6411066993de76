package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.flinktriton.client.CircuitBreakerPolicy;
import org.flinktriton.client.TritonModelClient;
import org.junit.jupiter.api.Test;

/** The resilience metrics a TritonInferenceFunction registers, and what they read. */
class InferenceMetricsTest {

    /** Keeps what is registered. */
    private static final class RecordingGroup extends UnregisteredMetricsGroup {
        final Map<String, Object> metrics = new TreeMap<>();

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(name, gauge);
            return gauge;
        }

        @Override
        public Counter counter(String name) {
            Counter counter = super.counter(name);
            metrics.put(name, counter);
            return counter;
        }
    }

    @Test
    void everyResilienceMetricIsRegisteredNextToTheOperators() {
        RecordingGroup group = new RecordingGroup();
        try (TritonModelClient client =
                TritonModelClient.builder()
                        .endpoint("http://127.0.0.1:1")
                        .model("m")
                        .maxConcurrentRequests(6)
                        .circuitBreaker(CircuitBreakerPolicy.defaults())
                        .build()) {
            InferenceMetrics metrics = InferenceMetrics.register(group, client);
            metrics.deadLetter();
            metrics.deadLetter();
            metrics.fallback();

            assertThat(group.metrics)
                    .containsOnlyKeys(
                            "tritonRetries",
                            "tritonThrottledResponses",
                            "tritonConcurrencyLimit",
                            "tritonCircuitState",
                            "tritonBisectionRequests",
                            "tritonDeadLetters",
                            "tritonFallbacks");
            assertThat(((Gauge<?>) group.metrics.get("tritonConcurrencyLimit")).getValue())
                    .isEqualTo(6);
            assertThat(((Gauge<?>) group.metrics.get("tritonCircuitState")).getValue())
                    .as("closed")
                    .isEqualTo(1);
            assertThat(((Gauge<?>) group.metrics.get("tritonRetries")).getValue()).isEqualTo(0L);
            assertThat(metrics.deadLetters()).isEqualTo(2);
            assertThat(metrics.fallbacks()).isEqualTo(1);
        }
    }
}
