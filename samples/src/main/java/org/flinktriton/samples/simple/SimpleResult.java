package org.flinktriton.samples.simple;

import org.flinktriton.annotations.TritonOutput;

/**
 * The outputs of Triton's {@code simple} model for one request: {@code OUTPUT0 = INPUT0 + INPUT1}
 * and {@code OUTPUT1 = INPUT0 - INPUT1}. A Java record: the generated codec builds it through its
 * canonical constructor.
 *
 * @param sum {@code OUTPUT0}
 * @param difference {@code OUTPUT1}
 */
public record SimpleResult(
        @TritonOutput(
                        name = "OUTPUT0",
                        shape = {SimpleRequest.LENGTH})
                int[] sum,
        @TritonOutput(
                        name = "OUTPUT1",
                        shape = {SimpleRequest.LENGTH})
                int[] difference) {}
