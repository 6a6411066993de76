package org.flinktriton.benchmarks.client;

import org.flinktriton.annotations.TritonOutput;

/** The outputs of the benchmarks' add_sub model. */
public class SumDifference {
    @TritonOutput(
            name = "OUTPUT0",
            shape = {-1})
    public float[] sum;

    @TritonOutput(
            name = "OUTPUT1",
            shape = {-1})
    public float[] difference;
}
