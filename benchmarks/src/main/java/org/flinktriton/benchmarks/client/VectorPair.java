package org.flinktriton.benchmarks.client;

import org.flinktriton.annotations.TritonInput;

/** The inputs of the benchmarks' add_sub model: two vectors of any length. */
public class VectorPair {
    @TritonInput(
            name = "INPUT0",
            shape = {-1})
    public float[] a;

    @TritonInput(
            name = "INPUT1",
            shape = {-1})
    public float[] b;

    public VectorPair() {}

    public VectorPair(float[] a, float[] b) {
        this.a = a;
        this.b = b;
    }
}
