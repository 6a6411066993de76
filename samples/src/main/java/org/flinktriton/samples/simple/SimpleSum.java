package org.flinktriton.samples.simple;

import java.util.Arrays;
import org.flinktriton.samples.common.Timed;

/**
 * What {@link SimpleJob} emits per record: the inputs next to the model's outputs, joined by the
 * {@code (request, result) -> …} function given to {@code TritonInference.apply}, plus the two
 * timestamps that measure the record's latency.
 */
public class SimpleSum implements Timed {
    public long id;
    public int[] input0;
    public int[] input1;
    public int[] sum;
    public int[] difference;
    public long ingestMicros;
    public long doneMicros;

    /** For Flink's POJO serializer. */
    public SimpleSum() {}

    /** Joins a request with its result. */
    public static SimpleSum of(SimpleRequest request, SimpleResult result) {
        SimpleSum joined = new SimpleSum();
        joined.id = request.id;
        joined.input0 = request.input0;
        joined.input1 = request.input1;
        joined.sum = result.sum();
        joined.difference = result.difference();
        joined.ingestMicros = request.ingestMicros;
        return joined;
    }

    @Override
    public long ingestMicros() {
        return ingestMicros;
    }

    @Override
    public long doneMicros() {
        return doneMicros;
    }

    @Override
    public String toString() {
        return "#"
                + id
                + " INPUT0="
                + Arrays.toString(input0)
                + " INPUT1="
                + Arrays.toString(input1)
                + "\n    OUTPUT0="
                + Arrays.toString(sum)
                + " OUTPUT1="
                + Arrays.toString(difference);
    }
}
