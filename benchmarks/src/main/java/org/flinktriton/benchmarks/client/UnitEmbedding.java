package org.flinktriton.benchmarks.client;

import org.flinktriton.annotations.TritonOutput;

/** The output of the benchmarks' normalize model: the embedding scaled to length 1. */
public class UnitEmbedding {
    @TritonOutput(
            name = "NORMALIZED",
            shape = {Normalize.WIDTH})
    public float[] vector;
}
