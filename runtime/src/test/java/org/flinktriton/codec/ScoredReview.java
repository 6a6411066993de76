package org.flinktriton.codec;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;
import org.flinktriton.annotations.TritonOutput;

/**
 * Enrichment of a record: {@code tokens} is sent, {@code echoed} comes back, and {@code source} (no
 * tensor) is carried over into the new instance built through the canonical constructor.
 */
@TritonModel(name = "scorer", version = "2")
public record ScoredReview(
        @TritonInput(name = "TOKENS") long[] tokens,
        String source,
        @TritonInput(name = "TEXT") String text,
        @TritonOutput(name = "TOKENS") long[] echoed,
        @TritonOutput(name = "TEXT") String echoedText) {}
