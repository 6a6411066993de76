package org.flinktriton.benchmarks.realserver;

import java.util.Locale;

/** A flat JSON object written field by field, in the anchors' {@code "key": value, ...} layout. */
final class JsonLine {
    private final StringBuilder fields = new StringBuilder();

    JsonLine add(String key, String value) {
        return addRaw(key, quote(value));
    }

    JsonLine add(String key, long value) {
        return addRaw(key, Long.toString(value));
    }

    /** {@code value} with {@code decimals} digits after the point. */
    JsonLine add(String key, double value, int decimals) {
        return addRaw(key, String.format(Locale.ROOT, "%." + decimals + "f", value));
    }

    /** {@code json} as it is: a number, array or object already written. */
    JsonLine addRaw(String key, String json) {
        if (fields.length() > 0) {
            fields.append(", ");
        }
        fields.append(quote(key)).append(": ").append(json);
        return this;
    }

    /** Fields already written as {@code "key": value} pairs, if any. */
    JsonLine add(String pairs) {
        if (!pairs.isEmpty()) {
            fields.append(fields.length() > 0 ? ", " : "").append(pairs);
        }
        return this;
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Override
    public String toString() {
        return "{" + fields + "}";
    }
}
