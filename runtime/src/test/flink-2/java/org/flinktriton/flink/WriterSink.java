package org.flinktriton.flink;

import org.apache.flink.api.connector.sink2.Sink;

/**
 * The base of the tests' sinks, which implement {@code createWriter(WriterInitContext)}: on the
 * Flink 2.x line that is all a {@link Sink} needs. The copy in {@code src/test/flink-1.20/java}
 * also implements the method that 1.20 still has. (The testkit's tests use this folder too.)
 */
abstract class WriterSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;
}
