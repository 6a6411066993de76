package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.flinktriton.TritonException;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TritonCodecs;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid responses (truncations, flipped bytes, corrupted lengths and header tokens) and
 * shows that decoding either succeeds or fails with a {@link TritonException}: never an index
 * error, a null pointer, an out-of-memory error or a hang.
 */
class ResponseFuzzTest {
    private static final int CASES = 12_000;
    private static final long SEED = 0x7121_7021L;

    private final ResponseDecoder<FuzzOutput> decoder =
            ResponseDecoder.create(TritonCodecs.forOutput(FuzzOutput.class), true);

    @Test
    void validResponsesDecodeToTheValuesSent() {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < 50; i++) {
            int n = 1 + random.nextInt(4);
            Response response = response(random, n);
            List<FuzzOutput> outputs = decoder.decode(response.body, response.headerLength, n);
            assertThat(outputs).hasSize(n);
            for (int r = 0; r < n; r++) {
                assertThat(outputs.get(r).label).isEqualTo(response.labels[r]);
                assertThat(outputs.get(r).scores)
                        .containsExactly(
                                Arrays.copyOfRange(
                                        response.scores,
                                        r * response.width,
                                        (r + 1) * response.width));
                assertThat(outputs.get(r).ids[1][2]).isEqualTo(r * 6L + 5);
                assertThat(outputs.get(r).half).containsExactly(0.5f, -2f, 65504f, r);
                assertThat(outputs.get(r).ok).isEqualTo(r % 2 == 0);
            }
        }
    }

    @Test
    void mutatedResponsesFailOnlyWithTritonExceptions() {
        int[] outcomes = new int[2]; // decoded, rejected
        assertTimeoutPreemptively(
                Duration.ofMinutes(2),
                () -> {
                    SplittableRandom random = new SplittableRandom(SEED);
                    for (int i = 0; i < CASES; i++) {
                        int n = 1 + random.nextInt(4);
                        Response response = response(random, n);
                        String mutation = mutate(random, response);
                        try {
                            List<FuzzOutput> outputs =
                                    decoder.decode(response.body, response.headerLength, n);
                            assertThat(outputs).hasSize(n).doesNotContainNull();
                            outcomes[0]++;
                        } catch (TritonException expected) {
                            assertThat(expected.getMessage()).startsWith("Response: ");
                            outcomes[1]++;
                        } catch (Throwable unexpected) {
                            fail(
                                    "Case " + i + " (" + mutation + ") escaped as " + unexpected,
                                    unexpected);
                        }
                    }
                });
        // Most mutations must be caught; a few (a flipped float bit) legitimately decode, which a
        // decoder that rejects everything would not.
        assertThat(outcomes[1]).isGreaterThan(CASES / 2);
        assertThat(outcomes[0]).isPositive();
    }

    /**
     * Every mutated response reads as the tree reader read it (the same tensors or the same
     * message), and the stream alone reads every response the tree accepts.
     */
    @Test
    void mutatedResponsesReadAsTheTreeReadThem() {
        int streamed = 0;
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < CASES; i++) {
            Response response = response(random, 1 + random.nextInt(4));
            String mutation = mutate(random, response);
            byte[] body = response.body;
            int headerLength = response.headerLength;
            StreamingHeaderTest.assertSameAsTree(body, headerLength);
            boolean treeAccepts =
                    StreamingHeaderTest.outcome(() -> TreeHeaderReader.outputs(body, headerLength))
                            .startsWith("[");
            boolean streamAccepts = StreamingHeaderTest.streamedAlone(body, headerLength) != null;
            assertThat(streamAccepts)
                    .as("case %d (%s) streamed alone", i, mutation)
                    .isEqualTo(treeAccepts);
            streamed += streamAccepts ? 1 : 0;
        }
        assertThat(streamed).isGreaterThan(CASES / 10);
    }

    /**
     * A valid response for {@code n} records, binary or JSON at random, with its expected values.
     */
    private static Response response(SplittableRandom random, int n) {
        Response response = new Response();
        response.width = 1 + random.nextInt(5);
        response.scores = new float[n * response.width];
        for (int i = 0; i < response.scores.length; i++) {
            response.scores[i] = (float) random.nextGaussian();
        }
        response.labels = new String[n];
        long[] ids = new long[n * 6];
        float[] half = new float[n * 4];
        boolean[] ok = new boolean[n];
        for (int r = 0; r < n; r++) {
            response.labels[r] = r % 3 == 0 ? "" : "label-\u00e9-" + random.nextInt(1000);
            for (int k = 0; k < 6; k++) {
                ids[r * 6 + k] = r * 6L + k;
            }
            half[r * 4] = 0.5f;
            half[r * 4 + 1] = -2f;
            half[r * 4 + 2] = 65504f;
            half[r * 4 + 3] = r;
            ok[r] = r % 2 == 0;
        }
        List<Tensor> tensors = new ArrayList<>();
        tensors.add(
                Tensor.ofFloats(
                        "SCORES",
                        TritonDataType.FP32,
                        new long[] {n, response.width},
                        response.scores));
        tensors.add(Tensor.ofStrings("LABEL", new long[] {n, 1}, response.labels));
        tensors.add(Tensor.ofInt64s("IDS", TritonDataType.INT64, new long[] {n, 2, 3}, ids));
        tensors.add(Tensor.ofFloats("HALF", TritonDataType.FP16, new long[] {n, 4}, half));
        tensors.add(Tensor.ofBools("OK", new long[] {n, 1}, ok));
        boolean[] binary = new boolean[tensors.size()];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = random.nextBoolean();
        }
        EncodedBody body = InferResponseMessage.encode("fuzz", "1", "id", tensors, binary);
        response.body = body.toByteArray();
        response.headerLength = body.hasBinary() ? body.headerLength() : -1;
        return response;
    }

    private static String mutate(SplittableRandom random, Response response) {
        byte[] body = response.body;
        int header = response.headerLength < 0 ? body.length : response.headerLength;
        switch (random.nextInt(8)) {
            case 0:
                int length = random.nextInt(body.length);
                response.body = Arrays.copyOf(body, length);
                return "truncate to " + length;
            case 1:
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return "flip " + flips + " bits";
            case 2:
                response.headerLength =
                        random.nextBoolean()
                                ? random.nextInt(body.length + 20) - 1
                                : response.headerLength + random.nextInt(-8, 9);
                return "header length " + response.headerLength;
            case 3:
                return replaceNumber(random, response, header);
            case 4:
                if (header + 4 > body.length) {
                    return replaceNumber(random, response, header);
                }
                int at = header + random.nextInt(body.length - header - 3);
                int value = random.nextBoolean() ? random.nextInt() : random.nextInt(64);
                for (int k = 0; k < 4; k++) {
                    body[at + k] = (byte) (value >>> (8 * k));
                }
                return "binary int " + value + " at " + at;
            case 5:
                int from = random.nextInt(body.length);
                int count = 1 + random.nextInt(Math.min(16, body.length - from));
                byte[] shorter = new byte[body.length - count];
                System.arraycopy(body, 0, shorter, 0, from);
                System.arraycopy(body, from + count, shorter, from, body.length - from - count);
                response.body = shorter;
                return "delete " + count + " at " + from;
            case 6:
                return replaceToken(random, response, header);
            default:
                int insertAt = random.nextInt(body.length + 1);
                byte[] longer = new byte[body.length + 1 + random.nextInt(8)];
                System.arraycopy(body, 0, longer, 0, insertAt);
                for (int k = insertAt; k < insertAt + longer.length - body.length; k++) {
                    longer[k] = (byte) random.nextInt(256);
                }
                System.arraycopy(
                        body,
                        insertAt,
                        longer,
                        insertAt + longer.length - body.length,
                        body.length - insertAt);
                response.body = longer;
                return "insert at " + insertAt;
        }
    }

    /** Replaces one number of the JSON header (a dimension, a byte size) by another. */
    private static String replaceNumber(SplittableRandom random, Response response, int header) {
        String json = new String(response.body, 0, header, UTF_8);
        List<int[]> numbers = new ArrayList<>();
        for (int i = 0; i < json.length(); i++) {
            if (Character.isDigit(json.charAt(i))
                    && (i == 0 || !Character.isDigit(json.charAt(i - 1)))) {
                int end = i;
                while (end < json.length() && Character.isDigit(json.charAt(end))) {
                    end++;
                }
                numbers.add(new int[] {i, end});
            }
        }
        if (numbers.isEmpty()) {
            return "no number";
        }
        int[] span = numbers.get(random.nextInt(numbers.size()));
        String[] choices = {
            "0", "1", "-1", "2147483647", "4294967296", "99999999999999999999", "1.5", "7"
        };
        String replacement = choices[random.nextInt(choices.length)];
        String mutated = json.substring(0, span[0]) + replacement + json.substring(span[1]);
        splice(response, header, mutated);
        return "number " + json.substring(span[0], span[1]) + " -> " + replacement;
    }

    /** Replaces one JSON token (a datatype, a name, a value) by a wrong one. */
    private static String replaceToken(SplittableRandom random, Response response, int header) {
        String json = new String(response.body, 0, header, UTF_8);
        String[][] swaps = {
            {"\"FP32\"", "\"INT32\""},
            {"\"BYTES\"", "\"FP16\""},
            {"\"SCORES\"", "\"SCORE\""},
            {"\"shape\"", "\"shap\""},
            {"\"outputs\"", "\"output\""},
            {"\"data\"", "\"dat\""},
            {"[", "{"},
            {"true", "null"},
            {"\"parameters\"", "\"params\""},
            {"{", "null"},
            {"\"binary_data_size\"", "\"size\""},
            {"\"IDS\"", "\"LABEL\""}
        };
        String[] swap = swaps[random.nextInt(swaps.length)];
        int at = json.indexOf(swap[0], random.nextInt(Math.max(1, json.length())));
        if (at < 0) {
            at = json.indexOf(swap[0]);
        }
        if (at < 0) {
            return "no " + swap[0];
        }
        splice(
                response,
                header,
                json.substring(0, at) + swap[1] + json.substring(at + swap[0].length()));
        return swap[0] + " -> " + swap[1];
    }

    private static void splice(Response response, int header, String json) {
        byte[] newHeader = json.getBytes(UTF_8);
        byte[] body = new byte[newHeader.length + response.body.length - header];
        System.arraycopy(newHeader, 0, body, 0, newHeader.length);
        System.arraycopy(
                response.body, header, body, newHeader.length, response.body.length - header);
        response.body = body;
        if (response.headerLength >= 0) {
            response.headerLength = newHeader.length;
        }
    }

    private static final class Response {
        byte[] body;
        int headerLength;
        int width;
        float[] scores;
        String[] labels;
    }
}
