package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.flinktriton.client.LogCapture;
import org.flinktriton.client.RetryPolicy;
import org.flinktriton.client.TritonClientOptions;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.junit.jupiter.api.Test;

/**
 * What {@link TritonInference.Builder#build()} tells the log, once, where two settings meet: a
 * retry setting the job's retry rule sets aside, and a request timeout that leaves no room for a
 * retry within the batch timeout. Nothing is logged for the defaults.
 */
class TritonInferenceBuildLogTest {

    private static final String ENDPOINT = "http://127.0.0.1:8000";

    private static TritonInference.Builder<AddSubRequest, AddSubResult> builder() {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class).endpoint(ENDPOINT);
    }

    private static List<String> logOf(TritonInference.Builder<?, ?> builder) {
        try (LogCapture log = new LogCapture(TritonInference.class)) {
            builder.build();
            return log.lines();
        }
    }

    @Test
    void theDefaultsLogNothing() {
        assertThat(logOf(builder())).isEmpty();
        assertThat(logOf(builder().retry(RetryPolicy.none()))).isEmpty();
        // A budget equal to the batch timeout is what the rule sets anyway.
        assertThat(
                        logOf(
                                builder()
                                        .batchTimeout(Duration.ofSeconds(45))
                                        .retry(
                                                RetryPolicy.builder()
                                                        .budget(Duration.ofSeconds(45))
                                                        .build())))
                .isEmpty();
    }

    @Test
    void anExplicitMaxAttemptsSetAsideIsLoggedOnceWithTheRule() {
        List<String> lines =
                logOf(
                        builder()
                                .retry(
                                        RetryPolicy.builder()
                                                .maxAttempts(3)
                                                .budget(Duration.ofSeconds(5))
                                                .build()));

        assertThat(lines)
                .containsExactly(
                        "WARN TritonInference(add_sub): the retry policy's maxAttempts 3"
                                + " (flink-triton.client.max-retries 2) and budget 5 s"
                                + " (flink-triton.client.retry-budget) are set aside, and the"
                                + " batch timeout (60 s) bounds the retries instead. "
                                + TritonInference.RETRY_RULE);
    }

    @Test
    void maxRetriesFromTheConfigurationSetAsideIsLogged() {
        Configuration config = new Configuration();
        config.setString("flink-triton.client.endpoint", ENDPOINT);
        config.setString("flink-triton.client.model", "add_sub");
        config.setString("flink-triton.client.max-retries", "2");

        List<String> lines = logOf(builder().clientOptions(TritonClientOptions.fromConfig(config)));

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .startsWith("WARN TritonInference(add_sub): the retry policy's maxAttempts 3")
                .contains("flink-triton.client.max-retries 2", "is set aside")
                .endsWith(TritonInference.RETRY_RULE);
    }

    @Test
    void aRequestTimeoutThatLeavesNoRoomForARetryIsWarnedOnce() {
        List<String> lines =
                logOf(
                        builder()
                                .requestTimeout(Duration.ofSeconds(30))
                                .batchTimeout(Duration.ofSeconds(30)));

        assertThat(lines)
                .containsExactly(
                        "WARN TritonInference(add_sub): requestTimeout 30 s"
                                + " (flink-triton.client.request-timeout) leaves no room for a"
                                + " retry within batchTimeout 30 s"
                                + " (flink-triton.async-batch.batch-timeout): a request that hangs"
                                + " spends its batch's time before it can be sent again. Keep"
                                + " batchTimeout above three request timeouts plus the backoffs"
                                + " (requestTimeout 9900 ms here), so that a hung request is"
                                + " retried at least twice.");
        // Room for one retry: no warning.
        assertThat(
                        logOf(
                                builder()
                                        .requestTimeout(Duration.ofSeconds(14))
                                        .batchTimeout(Duration.ofSeconds(30))))
                .isEmpty();
        // Retries off: nothing to make room for.
        assertThat(
                        logOf(
                                builder()
                                        .retry(RetryPolicy.none())
                                        .requestTimeout(Duration.ofSeconds(30))
                                        .batchTimeout(Duration.ofSeconds(30))))
                .isEmpty();
    }

    @Test
    void aRequestTimeoutOfZeroIsWarned() {
        List<String> lines = logOf(builder().requestTimeout(Duration.ZERO));

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .startsWith(
                        "WARN TritonInference(add_sub): requestTimeout 0 (no limit;"
                                + " flink-triton.client.request-timeout) leaves no room for a"
                                + " retry")
                .contains("until batchTimeout (60 s) fails it", "retried at least twice");
    }
}
