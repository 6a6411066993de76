package org.flinktriton.benchmarks.flink;

import org.flinktriton.annotations.TritonInput;

/**
 * One record of the Flink benchmark: two FP32[16] vectors for the add_sub model, its id, and when
 * it was due (for a paced run) or created (for a run at full speed), in {@link System#nanoTime()}.
 * A Flink POJO.
 */
public class BenchRequest {
    static final int WIDTH = 16;

    public long id;
    public long createdNanos;

    @TritonInput(
            name = "INPUT0",
            shape = {WIDTH})
    public float[] a;

    @TritonInput(
            name = "INPUT1",
            shape = {WIDTH})
    public float[] b;

    public BenchRequest() {}

    static BenchRequest of(long id, long createdNanos) {
        BenchRequest request = new BenchRequest();
        request.id = id;
        request.createdNanos = createdNanos;
        request.a = new float[WIDTH];
        request.b = new float[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            request.a[i] = (id % 1000) + i;
            request.b[i] = i;
        }
        return request;
    }
}
