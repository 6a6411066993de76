package org.flinktriton.samples.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.flinktriton.flink.FailedInference;
import org.flinktriton.samples.common.Micros;

/** The steps of {@link KafkaEnrichmentJob} around the inference. */
public final class EventFunctions {
    private EventFunctions() {}

    /**
     * Turns each Kafka record into a {@link ReviewEvent} with its coordinates, key and value; never
     * fails, so that a bad record reaches {@link ReadReviews} and becomes a dead letter.
     */
    public static final class Deserializer
            implements KafkaRecordDeserializationSchema<ReviewEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ReviewEvent> out) {
            ReviewEvent event = new ReviewEvent();
            event.topic = record.topic();
            event.partition = record.partition();
            event.offset = record.offset();
            event.timestampMillis = record.timestamp();
            event.key = record.key() == null ? null : utf8(record.key());
            event.value = record.value() == null ? null : utf8(record.value());
            out.collect(event);
        }

        private static String utf8(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public TypeInformation<ReviewEvent> getProducedType() {
            return TypeInformation.of(ReviewEvent.class);
        }
    }

    /**
     * Reads each event's review ({@link EventJson#read}); an event that is not one goes to the side
     * output {@code invalid} as a {@link FailedInference} of error type {@value
     * EventJson#INVALID_EVENT}, the same kind of record as the inference's own dead letters, so
     * that both reach the dead-letter topic the same way.
     */
    public static final class ReadReviews extends ProcessFunction<ReviewEvent, ReviewEvent> {
        private static final long serialVersionUID = 1L;

        private final OutputTag<FailedInference<ReviewEvent>> invalid;
        private final String model;

        /** Sends events that are not reviews to {@code invalid}, naming {@code model}. */
        public ReadReviews(OutputTag<FailedInference<ReviewEvent>> invalid, String model) {
            this.invalid = invalid;
            this.model = model;
        }

        @Override
        public void processElement(ReviewEvent event, Context context, Collector<ReviewEvent> out) {
            Optional<String> reason = EventJson.read(event);
            if (reason.isEmpty()) {
                out.collect(event);
            } else {
                context.output(
                        invalid,
                        new FailedInference<>(
                                event,
                                model,
                                -1,
                                EventJson.INVALID_EVENT,
                                "Event " + event.coordinates() + ": " + reason.get(),
                                0,
                                System.currentTimeMillis()));
            }
        }
    }

    /** An enriched event as a record for the output topic, stamped with when it got here. */
    public static final class ToEnrichedRecord implements MapFunction<ReviewEvent, SinkRecord> {
        private static final long serialVersionUID = 1L;

        private final String topic;

        /** Records for {@code topic}. */
        public ToEnrichedRecord(String topic) {
            this.topic = topic;
        }

        @Override
        public SinkRecord map(ReviewEvent event) {
            return new SinkRecord(topic, event, EventJson.enriched(event), Micros.now());
        }
    }

    /** A dead letter as a record for the dead-letter topic. */
    public static final class ToDeadLetterRecord
            implements MapFunction<FailedInference<ReviewEvent>, SinkRecord> {
        private static final long serialVersionUID = 1L;

        private final String topic;

        /** Records for {@code topic}. */
        public ToDeadLetterRecord(String topic) {
            this.topic = topic;
        }

        @Override
        public SinkRecord map(FailedInference<ReviewEvent> failed) {
            return new SinkRecord(topic, failed.input(), EventJson.deadLetter(failed), 0);
        }
    }
}
