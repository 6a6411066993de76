package org.flinktriton.benchmarks.flink;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;

/**
 * The enrichment case of the Flink benchmark: a {@link BenchRequest} that also carries the add_sub
 * model's sum, so the job emits the sent record itself, filled in. A Flink POJO, copied with
 * Flink's serializer before it is sent.
 */
public class BenchEnriched {
    public long id;
    public long createdNanos;

    @TritonInput(
            name = "INPUT0",
            shape = {BenchRequest.WIDTH})
    public float[] a;

    @TritonInput(
            name = "INPUT1",
            shape = {BenchRequest.WIDTH})
    public float[] b;

    @TritonOutput(
            name = "OUTPUT0",
            shape = {BenchRequest.WIDTH})
    public float[] sum;

    public BenchEnriched() {}

    static BenchEnriched of(long id, long createdNanos) {
        BenchRequest request = BenchRequest.of(id, createdNanos);
        BenchEnriched enriched = new BenchEnriched();
        enriched.id = id;
        enriched.createdNanos = createdNanos;
        enriched.a = request.a;
        enriched.b = request.b;
        return enriched;
    }
}
