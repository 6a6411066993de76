package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class AsyncBatchOptionsTest {

    @Test
    void defaultsAreTheConfigOptionDefaults() {
        AsyncBatchOptions defaults = AsyncBatchOptions.defaults();

        assertThat(defaults.maxBatchSize()).isEqualTo(32);
        assertThat(defaults.maxBatchDelay()).isEqualTo(Duration.ofMillis(10));
        assertThat(defaults.batchTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.capacity()).isEqualTo(4);
        assertThat(defaults).isEqualTo(AsyncBatchOptions.fromConfig(new Configuration()));
    }

    @Test
    void everyOptionHasADescription() {
        for (ConfigOption<?> option :
                new ConfigOption<?>[] {
                    AsyncBatchOptions.MAX_BATCH_SIZE,
                    AsyncBatchOptions.MAX_BATCH_DELAY,
                    AsyncBatchOptions.BATCH_TIMEOUT,
                    AsyncBatchOptions.CAPACITY
                }) {
            assertThat(option.key()).startsWith("flink-triton.async-batch.");
            assertThat(option.hasDefaultValue()).isTrue();
            assertThat(option.description().toString()).as(option.key()).isNotBlank();
        }
    }

    @Test
    void readsAFlinkConfiguration() {
        Configuration configuration = new Configuration();
        configuration.setString("flink-triton.async-batch.max-batch-size", "64");
        configuration.setString("flink-triton.async-batch.max-batch-delay", "5 ms");
        configuration.setString("flink-triton.async-batch.batch-timeout", "2 s");
        configuration.set(AsyncBatchOptions.CAPACITY, 8);

        AsyncBatchOptions options = AsyncBatchOptions.fromConfig(configuration);

        assertThat(options)
                .isEqualTo(
                        AsyncBatchOptions.builder()
                                .maxBatchSize(64)
                                .maxBatchDelay(Duration.ofMillis(5))
                                .batchTimeout(Duration.ofSeconds(2))
                                .capacity(8)
                                .build());
    }

    @Test
    @SuppressWarnings("deprecation") // the old names, kept as aliases
    void theOldNamesOfTheBatchTimeoutStillWork() {
        Configuration configuration = new Configuration();
        configuration.setString("flink-triton.async-batch.timeout", "2 s");

        AsyncBatchOptions options = AsyncBatchOptions.fromConfig(configuration);

        assertThat(options.batchTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(AsyncBatchOptions.builder().timeout(Duration.ofSeconds(2)).build())
                .isEqualTo(options);
        assertThat(AsyncBatchOptions.TIMEOUT).isSameAs(AsyncBatchOptions.BATCH_TIMEOUT);

        // Both names with one value is no conflict.
        configuration.setString("flink-triton.async-batch.batch-timeout", "2000 ms");
        assertThat(AsyncBatchOptions.fromConfig(configuration)).isEqualTo(options);
    }

    @Test
    void theBatchTimeoutAndItsDeprecatedNameSetApartFailNamingBoth() {
        Configuration configuration = new Configuration();
        configuration.setString("flink-triton.async-batch.batch-timeout", "20 s");
        configuration.setString("flink-triton.async-batch.timeout", "30 s");

        assertThatThrownBy(() -> AsyncBatchOptions.fromConfig(configuration))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "flink-triton.async-batch.batch-timeout (20 s) and its deprecated name"
                                + " flink-triton.async-batch.timeout (30 s) are both set, to"
                                + " different values; keep flink-triton.async-batch.batch-timeout"
                                + " only");
    }

    @Test
    void aConfigurationWithABadValueFailsLikeTheBuilder() {
        Configuration configuration = new Configuration();
        configuration.set(AsyncBatchOptions.CAPACITY, 0);

        assertThatThrownBy(() -> AsyncBatchOptions.fromConfig(configuration))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity must be at least 1, but was 0");
    }

    @Test
    void reportsEveryInvalidValueAtOnce() {
        assertThatThrownBy(
                        () ->
                                AsyncBatchOptions.builder()
                                        .maxBatchSize(0)
                                        .maxBatchDelay(Duration.ZERO)
                                        .batchTimeout(null)
                                        .capacity(-1)
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "Invalid AsyncBatchOptions: maxBatchSize must be at least 1, but was 0;"
                                + " maxBatchDelay must be between 1 ms and 365 days, but was PT0S;"
                                + " batchTimeout must be set, but was null;"
                                + " capacity must be at least 1, but was -1");
    }

    @Test
    void rejectsDurationsBelowAMillisecondOrAboveAYear() {
        assertThatThrownBy(
                        () ->
                                AsyncBatchOptions.builder()
                                        .maxBatchDelay(Duration.ofNanos(500_000))
                                        .build())
                .hasMessageContaining("maxBatchDelay must be between 1 ms and 365 days");
        assertThatThrownBy(
                        () ->
                                AsyncBatchOptions.builder()
                                        .batchTimeout(Duration.ofDays(366))
                                        .build())
                .hasMessageContaining("batchTimeout must be between 1 ms and 365 days");
        assertThatThrownBy(
                        () ->
                                AsyncBatchOptions.builder()
                                        .batchTimeout(Duration.ofSeconds(-1))
                                        .build())
                .hasMessageContaining(
                        "batchTimeout must be between 1 ms and 365 days, but was PT-1S");
    }

    @Test
    void isAValueThatSurvivesSerialization() throws Exception {
        AsyncBatchOptions options = AsyncBatchOptions.builder().maxBatchSize(7).capacity(2).build();

        AsyncBatchOptions copy =
                InstantiationUtil.deserializeObject(
                        InstantiationUtil.serializeObject(options), getClass().getClassLoader());

        assertThat(copy).isEqualTo(options).hasSameHashCodeAs(options);
        assertThat(options.toBuilder().build()).isEqualTo(options);
        assertThat(options.toString())
                .isEqualTo(
                        "AsyncBatchOptions{maxBatchSize=7, maxBatchDelay=10 ms, batchTimeout=60000 ms,"
                                + " capacity=2}");
    }
}
