package org.flinktriton.samples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleUidsTest;
import org.junit.jupiter.api.Test;

/** The Kafka sample names its inference operators' uids, as the other samples do. */
class KafkaEnrichmentJobUidTest {

    @Test
    void theInferenceOperatorsHaveUids() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        SampleOptions options = KafkaEnrichmentJob.defaults().build();
        KafkaEnrichmentJob.pipeline(
                env,
                "http://127.0.0.1:8000",
                KafkaEnrichmentJob.KafkaSettings.of(options, "127.0.0.1:9092"),
                options,
                Map.of(),
                null);

        assertThat(
                        env.getTransformations().stream()
                                .flatMap(sink -> SampleUidsTest.inferenceUids(sink).stream())
                                .distinct())
                .containsExactlyInAnyOrder(
                        "sentiment-inference", "sentiment-inference-dead-letter-splitter");
    }
}
