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
}
