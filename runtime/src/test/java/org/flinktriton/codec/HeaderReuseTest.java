package org.flinktriton.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.wire.RequestEncoder;
import org.junit.jupiter.api.Test;

/**
 * An encoder that writes one batch after another reuses its last JSON header while the shapes and
 * parameters stay the same: every body must still be the one a fresh encoder writes.
 */
class HeaderReuseTest {
    /** Fixed and variable dimensions, all sized by their shape. */
    record Vectors(
            @TritonInput(
                            name = "FIXED",
                            shape = {4})
                    float[] fixed,
            @TritonInput(
                            name = "VARIABLE",
                            shape = {-1})
                    long[] variable,
            @TritonInput(name = "HALF", datatype = TritonDataType.FP16) float half) {}

    /** A text input: its byte size depends on the text, not on the shape. */
    record Labelled(
            @TritonInput(
                            name = "VALUES",
                            shape = {2})
                    int[] values,
            @TritonInput(name = "LABEL") String label) {}

    private static <T> RequestEncoder<T> encoder(Class<T> type) {
        return RequestEncoder.builder(TritonCodecs.forInput(type)).build();
    }

    private static Vectors vectors(int seed, int length) {
        long[] variable = new long[length];
        for (int i = 0; i < length; i++) {
            variable[i] = seed * 100L + i;
        }
        return new Vectors(new float[] {seed, seed + 1, seed + 2, seed + 3}, variable, seed / 2f);
    }

    private static <T> void assertSameAsAFreshEncoder(
            RequestEncoder<T> reused, Class<T> type, List<T> records, Map<String, ?> parameters) {
        byte[] expected = encoder(type).encode(records, null, parameters).toByteArray();
        byte[] actual = reused.encode(records, null, parameters).toByteArray();
        assertThat(new String(actual, StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(expected, StandardCharsets.ISO_8859_1));
    }

    @Test
    void everyBatchIsWhatAFreshEncoderWrites() {
        RequestEncoder<Vectors> reused = encoder(Vectors.class);
        Map<String, Object> none = Map.of();
        Map<String, Object> priority = Map.of("priority", 2);

        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(1, 3)), none);
        // Same shapes, other values: the header is reused.
        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(7, 3)), none);
        // Another record count, another variable dimension, other parameters.
        assertSameAsAFreshEncoder(
                reused, Vectors.class, List.of(vectors(2, 3), vectors(3, 3)), none);
        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(2, 5)), none);
        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(2, 5)), priority);
        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(4, 5)), none);
        assertSameAsAFreshEncoder(reused, Vectors.class, List.of(vectors(4, 5)), null);
    }

    @Test
    void aChangedParameterMapIsNotMistakenForTheOneBefore() {
        RequestEncoder<Vectors> reused = encoder(Vectors.class);
        Map<String, Object> parameters = new java.util.HashMap<>(Map.of("priority", 1));
        List<Vectors> records = List.of(vectors(1, 2));

        assertSameAsAFreshEncoder(reused, Vectors.class, records, parameters);
        parameters.put("priority", 3);
        assertSameAsAFreshEncoder(reused, Vectors.class, records, parameters);
        assertThat(reused.encode(records, null, parameters).headerText())
                .contains("\"priority\":3");
    }

    @Test
    void anIdOrATextInputGetsAHeaderOfItsOwn() {
        RequestEncoder<Labelled> labelled = encoder(Labelled.class);
        assertSameAsAFreshEncoder(
                labelled, Labelled.class, List.of(new Labelled(new int[] {1, 2}, "a")), Map.of());
        assertSameAsAFreshEncoder(
                labelled,
                Labelled.class,
                List.of(new Labelled(new int[] {1, 2}, "a much longer label")),
                Map.of());

        RequestEncoder<Vectors> reused = encoder(Vectors.class);
        List<Vectors> records = List.of(vectors(1, 2));
        reused.encode(records, null, Map.of());
        assertThat(reused.encode(records, "request-7", Map.of()).headerText())
                .contains("\"id\":\"request-7\"");
        assertThat(reused.encode(records, null, Map.of()).headerText()).doesNotContain("\"id\"");
    }
}
