package org.flinktriton.samples.generate;

import org.flinktriton.annotations.TritonInput;

/**
 * One prompt for a text-generation model, under the input names of Triton's vLLM backend: {@code
 * text_input} (BYTES, the prompt), {@code stream} (BOOL, one response per piece of text when true)
 * and {@code sampling_parameters} (BYTES, vLLM's sampling parameters as a JSON object). The backend
 * declares all three with {@code dims: [ 1 ]} and {@code max_batch_size 0}, so each prompt is a
 * request of its own. {@code id} and {@code ingestMicros} are plain fields that the codec ignores.
 */
public class Prompt {
    /** The prompt's position in the generated stream. */
    public long id;

    /** When the source generated the prompt, in epoch microseconds. */
    public long ingestMicros;

    @TritonInput(
            name = "text_input",
            shape = {1})
    public String text;

    @TritonInput(
            name = "stream",
            shape = {1})
    public boolean stream;

    @TritonInput(
            name = "sampling_parameters",
            shape = {1})
    public String samplingParameters;

    /** For Flink's POJO serializer. */
    public Prompt() {}

    /** A streaming prompt with {@code samplingParameters} (a JSON object). */
    public Prompt(long id, String text, String samplingParameters, long ingestMicros) {
        this.id = id;
        this.text = text;
        this.stream = true;
        this.samplingParameters = samplingParameters;
        this.ingestMicros = ingestMicros;
    }

    @Override
    public String toString() {
        return "#" + id + " \"" + text + "\"";
    }
}
