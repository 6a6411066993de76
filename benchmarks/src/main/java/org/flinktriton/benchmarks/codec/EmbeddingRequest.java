package org.flinktriton.benchmarks.codec;

import org.flinktriton.annotations.TritonInput;

/** One record of the codec benchmarks: 512 floats. */
public class EmbeddingRequest {
    @TritonInput(
            name = "INPUT",
            shape = {512})
    public float[] values;

    public EmbeddingRequest() {}

    public EmbeddingRequest(float[] values) {
        this.values = values;
    }
}
