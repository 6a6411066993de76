package org.flinktriton.samples.common;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The source of the synthetic samples: the record ids {@code 0} to {@code records - 1}, at the pace
 * of {@code --records-per-second} (Flink's {@link DataGeneratorSource} with a rate limiter, the
 * rate shared by the source's parallel instances), or as fast as the job takes them.
 *
 * <pre>{@code
 * DataStream<Long> ids = SampleSources.ids(env, options);   // then map each id to a record
 * }</pre>
 */
public final class SampleSources {
    private SampleSources() {}

    /** The ids of the records to generate; none when {@code options.records()} is 0. */
    public static DataStream<Long> ids(StreamExecutionEnvironment env, SampleOptions options) {
        long records = options.records();
        // A generator of 0 records still emits one (it counts from 0 to count - 1 inclusive).
        long count = Math.max(1, records);
        // RateLimiterStrategy is generic from Flink 2.2 on: no variable of its type, so that this
        // compiles on every Flink the samples run on.
        DataGeneratorSource<Long> source =
                options.recordsPerSecond() > 0
                        ? new DataGeneratorSource<>(
                                id -> id,
                                count,
                                RateLimiterStrategy.perSecond(options.recordsPerSecond()),
                                Types.LONG)
                        : new DataGeneratorSource<>(id -> id, count, Types.LONG);
        DataStream<Long> ids =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "record ids");
        return records > 0 ? ids : ids.filter(id -> false).name("no records");
    }
}
