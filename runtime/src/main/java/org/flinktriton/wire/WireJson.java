package org.flinktriton.wire;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** What the wire layer's JSON readers and writers share: one mapper, and how they quote a node. */
final class WireJson {
    /** Shared, thread-safe; NaN and infinities read both quoted and bare. */
    static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    private WireJson() {}

    /** A node as a message quotes it: its JSON, cut at 60 characters. */
    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "(missing)";
        }
        String text = node.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
}
