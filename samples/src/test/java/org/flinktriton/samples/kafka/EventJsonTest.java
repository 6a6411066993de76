package org.flinktriton.samples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.flinktriton.flink.FailedInference;
import org.flinktriton.samples.text.Reviews;
import org.junit.jupiter.api.Test;

class EventJsonTest {

    private static ReviewEvent event(String value) {
        ReviewEvent event = new ReviewEvent();
        event.topic = "reviews";
        event.partition = 1;
        event.offset = 41;
        event.key = "7";
        event.value = value;
        return event;
    }

    @Test
    void aReviewIsReadAndEveryOtherValueSaysWhyNot() {
        ReviewEvent good = event("{\"id\": 7, \"text\": \"great\", \"shop\": \"north\"}");
        assertThat(EventJson.read(good)).isEmpty();
        assertThat(good.text).isEqualTo("great");

        assertThat(EventJson.read(event(null))).contains("no value (a tombstone)");
        assertThat(EventJson.read(event(""))).contains("not JSON: empty value");
        assertThat(EventJson.read(event("oops")).orElseThrow())
                .startsWith("not JSON: Unrecognized token 'oops'");
        assertThat(EventJson.read(event("{\"text\": \"cut off")).orElseThrow())
                .startsWith("not JSON: ");
        assertThat(EventJson.read(event("[1, 2]"))).contains("not a JSON object but array");
        assertThat(EventJson.read(event("{\"id\": 7}"))).contains("missing field 'text'");
        assertThat(EventJson.read(event("{\"text\": null}"))).contains("missing field 'text'");
        assertThat(EventJson.read(event("{\"text\": 42}")))
                .contains("field 'text' is not a string but 42");
    }

    @Test
    void theEnrichedEventKeepsEveryFieldAndAddsTheSentiment() {
        ReviewEvent event = event("{\"id\":7,\"text\":\"great\",\"shop\":{\"city\":\"Oslo\"}}");
        assertThat(EventJson.read(event)).isEmpty();
        event.scores = new float[] {0.1f, 0.2f, 0.7f};

        JsonNode enriched = EventJson.parse(EventJson.enriched(event));
        assertThat(enriched.toString())
                .isEqualTo(
                        "{\"id\":7,\"text\":\"great\",\"shop\":{\"city\":\"Oslo\"},"
                                + "\"sentiment\":{\"label\":\"positive\",\"negative\":0.1,"
                                + "\"neutral\":0.2,\"positive\":0.7}}");
        assertThat(enriched.get("sentiment").get("positive").floatValue()).isEqualTo(0.7f);
    }

    @Test
    void aDeadLetterSaysWhyAndWhereFromAndCarriesTheValue() {
        ReviewEvent event = event("oops");
        JsonNode letter =
                EventJson.parse(
                        EventJson.deadLetter(
                                new FailedInference<>(
                                        event,
                                        "sentiment",
                                        400,
                                        "TritonServerException",
                                        "Model 'sentiment': … 400",
                                        3,
                                        0)));
        assertThat(letter.toString())
                .isEqualTo(
                        "{\"reason\":\"Model 'sentiment': … 400\","
                                + "\"errorType\":\"TritonServerException\",\"model\":\"sentiment\","
                                + "\"statusCode\":400,\"attempts\":3,"
                                + "\"failedAt\":\"1970-01-01T00:00:00Z\",\"topic\":\"reviews\","
                                + "\"partition\":1,\"offset\":41,\"key\":\"7\",\"event\":\"oops\"}");
    }

    @Test
    void syntheticEventsAreReviewsAndNowAndThenABadOne() {
        ReviewEvent good = event(EventJson.synthetic(3, 10));
        assertThat(EventJson.read(good)).isEmpty();
        assertThat(good.text).isEqualTo(Reviews.text(3));

        assertThat(EventJson.isBad(9, 10)).isTrue();
        assertThat(EventJson.read(event(EventJson.synthetic(9, 10))).orElseThrow())
                .startsWith("not JSON: ");
        assertThat(EventJson.isBad(19, 10)).isTrue();
        assertThat(EventJson.read(event(EventJson.synthetic(19, 10))))
                .isEqualTo(Optional.of("missing field 'text'"));
        assertThat(EventJson.isBad(9, 0)).isFalse();
        assertThat(EventJson.synthetic(9, 0).getBytes(StandardCharsets.UTF_8)).isNotEmpty();
    }
}
