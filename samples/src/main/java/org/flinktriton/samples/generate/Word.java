package org.flinktriton.samples.generate;

import org.flinktriton.samples.common.Timed;

/**
 * What {@link TextGenerationJob} emits per streamed response: the prompt it answers and the piece
 * of text the response carried, joined by the {@code (prompt, chunk) -> …} function given to {@code
 * TritonInference.apply}. A prompt's words leave the inference operator together and in the order
 * the model sent them, after its final response.
 */
public class Word implements Timed {
    public long promptId;
    public String prompt;
    public String text;
    public long ingestMicros;
    public long doneMicros;

    /** For Flink's POJO serializer. */
    public Word() {}

    /** Joins a prompt with one of its responses. */
    public static Word of(Prompt prompt, Chunk chunk) {
        Word word = new Word();
        word.promptId = prompt.id;
        word.prompt = prompt.text;
        word.text = chunk.joined();
        word.ingestMicros = prompt.ingestMicros;
        return word;
    }

    @Override
    public long ingestMicros() {
        return ingestMicros;
    }

    @Override
    public long doneMicros() {
        return doneMicros;
    }

    @Override
    public String toString() {
        return "#" + promptId + " \"" + text + "\"";
    }
}
