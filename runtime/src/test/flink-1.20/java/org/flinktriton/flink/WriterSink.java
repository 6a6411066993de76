package org.flinktriton.flink;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * The base of the tests' sinks, which implement {@code createWriter(WriterInitContext)}: on the
 * Flink 1.20 line a {@link Sink} must also implement the older {@code createWriter(InitContext)},
 * which Flink 1.20 no longer calls. The copy in {@code src/test/flink-2/java} is empty. (The
 * testkit's tests use this folder too.)
 */
abstract class WriterSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<T> createWriter(InitContext context) {
        throw new UnsupportedOperationException(
                "Flink 1.20 creates sink writers with createWriter(WriterInitContext)");
    }
}
