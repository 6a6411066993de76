package org.flinktriton.benchmarks.codec;

import org.flinktriton.annotations.TritonOutput;

/** One output record of the codec benchmarks: 512 floats. */
public class EmbeddingResult {
    @TritonOutput(
            name = "OUTPUT",
            shape = {512})
    public float[] values;
}
