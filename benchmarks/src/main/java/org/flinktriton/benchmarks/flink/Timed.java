package org.flinktriton.benchmarks.flink;

/**
 * What both benchmarked pipelines emit per record: its id, when it was created (or due), and
 * whether the model's answer was right.
 */
public record Timed(long id, long createdNanos, boolean correct) {

    static Timed of(BenchRequest request, BenchResult result) {
        boolean correct = result.sum() != null && result.sum().length == BenchRequest.WIDTH;
        for (int i = 0; correct && i < BenchRequest.WIDTH; i++) {
            correct = result.sum()[i] == request.a[i] + request.b[i];
        }
        return new Timed(request.id, request.createdNanos, correct);
    }

    static Timed of(BenchEnriched enriched) {
        boolean correct = enriched.sum != null && enriched.sum.length == BenchRequest.WIDTH;
        for (int i = 0; correct && i < BenchRequest.WIDTH; i++) {
            correct = enriched.sum[i] == enriched.a[i] + enriched.b[i];
        }
        return new Timed(enriched.id, enriched.createdNanos, correct);
    }
}
