package org.flinktriton.samples.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record for {@link KafkaEnrichmentJob}'s one Kafka sink, which writes the enriched events and
 * the dead letters in the same transactions: the topic, key, value and timestamp, the input record
 * it stems from (the header {@value #SOURCE_HEADER}), and for an enriched event when it left the
 * inference operator (the header {@value #DONE_MICROS_HEADER}).
 */
public class SinkRecord {
    /**
     * The header of an enriched event that says when it left the inference operator, in epoch
     * microseconds (decimal); with the record's timestamp, its producer's, it gives the latency.
     */
    public static final String DONE_MICROS_HEADER = "flink-triton-done-micros";

    /**
     * The header that names the input record a record stems from, as {@code
     * topic/partition@offset}: each input record has exactly one enriched event or dead letter.
     */
    public static final String SOURCE_HEADER = "flink-triton-source";

    /** The topic to write to. */
    public String topic;

    /** The key, as UTF-8 text; null for none. */
    public String key;

    /** The value. */
    public byte[] value;

    /** The record's timestamp (epoch milliseconds): the input event's. */
    public long timestampMillis;

    /** When the event left the inference operator (epoch microseconds); 0 for a dead letter. */
    public long doneMicros;

    /** The input record's {@linkplain ReviewEvent#coordinates() coordinates}. */
    public String source;

    /** For Flink's POJO serializer. */
    public SinkRecord() {}

    /** A record for {@code topic} with the input event's key and timestamp. */
    public SinkRecord(String topic, ReviewEvent event, byte[] value, long doneMicros) {
        this.topic = topic;
        this.key = event.key;
        this.value = value;
        this.timestampMillis = event.timestampMillis;
        this.doneMicros = doneMicros;
        this.source = event.coordinates();
    }

    /** Writes a {@link SinkRecord} as it is; Kafka's partitioner places it by its key. */
    public static final class Serializer implements KafkaRecordSerializationSchema<SinkRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                SinkRecord record, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(SOURCE_HEADER, record.source.getBytes(StandardCharsets.UTF_8));
            if (record.doneMicros > 0) {
                headers.add(
                        DONE_MICROS_HEADER,
                        Long.toString(record.doneMicros).getBytes(StandardCharsets.US_ASCII));
            }
            return new ProducerRecord<>(
                    record.topic,
                    null,
                    record.timestampMillis,
                    record.key == null ? null : record.key.getBytes(StandardCharsets.UTF_8),
                    record.value,
                    headers);
        }
    }
}
