package org.flinktriton.benchmarks.flink;

import org.flinktriton.annotations.TritonOutput;

/** The add_sub model's sum; the benchmark asks for this output only. */
public record BenchResult(
        @TritonOutput(
                        name = "OUTPUT0",
                        shape = {BenchRequest.WIDTH})
                float[] sum) {}
