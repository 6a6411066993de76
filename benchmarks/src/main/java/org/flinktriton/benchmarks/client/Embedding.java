package org.flinktriton.benchmarks.client;

import org.flinktriton.annotations.TritonInput;

/** The input of the benchmarks' normalize model: one FP32[512] embedding. */
public class Embedding {
    @TritonInput(
            name = "EMBEDDING",
            shape = {Normalize.WIDTH})
    public float[] vector;

    public Embedding() {}

    public Embedding(float[] vector) {
        this.vector = vector;
    }
}
