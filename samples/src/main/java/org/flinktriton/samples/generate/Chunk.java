package org.flinktriton.samples.generate;

import org.flinktriton.annotations.TritonOutput;

/**
 * One response of a streaming text-generation model: {@code text_output} (BYTES, declared {@code
 * dims: [ -1 ]} by Triton's vLLM backend, one element per generated sequence, so one here). With
 * {@code stream} true the vLLM backend sends in each response only the text generated since the
 * previous one, so the chunks of a prompt, joined in order, are its reply.
 *
 * @param text {@code text_output}
 */
public record Chunk(
        @TritonOutput(
                        name = "text_output",
                        shape = {-1})
                String[] text) {

    /** The chunk's text: its elements joined. */
    public String joined() {
        return String.join("", text);
    }
}
