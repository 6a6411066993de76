package org.flinktriton.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    /** Every finite half in ascending order of value, as floats, for the reference search. */
    private static final float[] FINITE_HALVES = ascendingFinite(true);

    private static final float[] FINITE_BF16 = ascendingFinite(false);

    @Test
    void everyHalfConvertsToFloatAndBackUnchanged() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short half = (short) bits;
            float value = HalfFloats.fromHalf(half);
            if (isHalfNaN(half)) {
                assertThat(value).as("half %04x", bits).isNaN();
                assertThat(isHalfNaN(HalfFloats.toHalf(value))).as("half %04x", bits).isTrue();
            } else {
                assertThat(HalfFloats.toHalf(value)).as("half %04x", bits).isEqualTo(half);
            }
        }
    }

    @Test
    void halfToFloatIsExact() {
        // The value of a finite half is (-1)^s * m * 2^(e-25) for normals; check against doubles.
        for (int bits = 0; bits < 0x10000; bits++) {
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            if (exponent == 0x1f) {
                continue;
            }
            double expected =
                    exponent == 0
                            ? mantissa * Math.pow(2, -24)
                            : (1024 + mantissa) * Math.pow(2, exponent - 25);
            if ((bits & 0x8000) != 0) {
                expected = -expected;
            }
            assertThat((double) HalfFloats.fromHalf((short) bits))
                    .as("half %04x", bits)
                    .isEqualTo(expected);
        }
        assertThat(HalfFloats.fromHalf((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.fromHalf((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(HalfFloats.fromHalf((short) 0x8000)))
                .isEqualTo(0x8000_0000);
    }

    @Test
    void midpointsBetweenNeighbouringHalvesRoundToEven() {
        for (int bits = 0; bits < 0x7bff; bits++) {
            float low = HalfFloats.fromHalf((short) bits);
            float high = HalfFloats.fromHalf((short) (bits + 1));
            float midpoint = (float) (((double) low + high) / 2); // exact: halves have 11 bits
            short even = (short) ((bits & 1) == 0 ? bits : bits + 1);
            assertThat(HalfFloats.toHalf(midpoint)).as("midpoint above %04x", bits).isEqualTo(even);
            assertThat(HalfFloats.toHalf(-midpoint))
                    .as("negative midpoint above %04x", bits)
                    .isEqualTo((short) (even | 0x8000));
            assertThat(HalfFloats.toHalf(Math.nextDown(midpoint)))
                    .as("just below the midpoint above %04x", bits)
                    .isEqualTo((short) bits);
            assertThat(HalfFloats.toHalf(Math.nextUp(midpoint)))
                    .as("just above the midpoint above %04x", bits)
                    .isEqualTo((short) (bits + 1));
        }
    }

    @Test
    void overflowUnderflowAndSpecials() {
        assertThat(HalfFloats.toHalf(65504f)).isEqualTo((short) 0x7bff); // largest half
        assertThat(HalfFloats.toHalf(65519.99f)).isEqualTo((short) 0x7bff);
        assertThat(HalfFloats.toHalf(65520f)).isEqualTo((short) 0x7c00); // ties up to infinity
        assertThat(HalfFloats.toHalf(Float.MAX_VALUE)).isEqualTo((short) 0x7c00);
        assertThat(HalfFloats.toHalf(-Float.MAX_VALUE)).isEqualTo((short) 0xfc00);
        assertThat(HalfFloats.toHalf(0x1p-24f)).isEqualTo((short) 1); // smallest subnormal
        assertThat(HalfFloats.toHalf(0x1p-25f)).isEqualTo((short) 0); // tie to even: zero
        assertThat(HalfFloats.toHalf(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
        assertThat(HalfFloats.toHalf(Float.MIN_VALUE)).isEqualTo((short) 0);
        assertThat(HalfFloats.toHalf(-Float.MIN_VALUE)).isEqualTo((short) 0x8000);
        assertThat(HalfFloats.toHalf(-0f)).isEqualTo((short) 0x8000);
        assertThat(isHalfNaN(HalfFloats.toHalf(Float.NaN))).isTrue();
        assertThat(isHalfNaN(HalfFloats.toHalf(Float.intBitsToFloat(0x7f80_0001)))).isTrue();
    }

    @Test
    void randomFloatsRoundToTheNearestHalfLikeAReferenceSearch() {
        SplittableRandom random = new SplittableRandom(20261126);
        for (int i = 0; i < 1_000_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Math.abs(value) > 65504f) {
                continue;
            }
            float expected = nearest(FINITE_HALVES, value, true);
            float actual = HalfFloats.fromHalf(HalfFloats.toHalf(value));
            assertThat(Float.floatToRawIntBits(actual))
                    .as("float %08x", Float.floatToRawIntBits(value))
                    .isEqualTo(Float.floatToRawIntBits(expected));
        }
    }

    @Test
    void everyBf16ConvertsToFloatAndBackUnchanged() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short bf16 = (short) bits;
            float value = HalfFloats.fromBf16(bf16);
            assertThat(Float.floatToRawIntBits(value)).isEqualTo(bits << 16);
            if (Float.isNaN(value)) {
                assertThat(HalfFloats.fromBf16(HalfFloats.toBf16(value))).isNaN();
            } else {
                assertThat(HalfFloats.toBf16(value)).as("bf16 %04x", bits).isEqualTo(bf16);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        for (int bits = 0; bits < 0x7f7f; bits++) {
            int low = bits << 16;
            int midpoint = low | 0x8000;
            short even = (short) ((bits & 1) == 0 ? bits : bits + 1);
            assertThat(HalfFloats.toBf16(Float.intBitsToFloat(midpoint)))
                    .as("midpoint above %04x", bits)
                    .isEqualTo(even);
            assertThat(HalfFloats.toBf16(Float.intBitsToFloat(midpoint - 1)))
                    .isEqualTo((short) bits);
            assertThat(HalfFloats.toBf16(Float.intBitsToFloat(midpoint + 1)))
                    .isEqualTo((short) (bits + 1));
        }
        assertThat(HalfFloats.toBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80); // to infinity
        assertThat(HalfFloats.fromBf16(HalfFloats.toBf16(Float.intBitsToFloat(0x7f80_0001))))
                .isNaN();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            float value = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(value) || Float.isInfinite(value) || Math.abs(value) > 0x1.fep127f) {
                continue;
            }
            assertThat(HalfFloats.fromBf16(HalfFloats.toBf16(value)))
                    .isEqualTo(nearest(FINITE_BF16, value, false));
        }
    }

    private static boolean isHalfNaN(short half) {
        return (half & 0x7c00) == 0x7c00 && (half & 0x3ff) != 0;
    }

    private static float[] ascendingFinite(boolean half) {
        int largest = half ? 0x7bff : 0x7f7f;
        float[] values = new float[2 * largest + 1];
        for (int bits = 0; bits <= largest; bits++) {
            float value =
                    half ? HalfFloats.fromHalf((short) bits) : HalfFloats.fromBf16((short) bits);
            values[largest + bits] = value;
            values[largest - bits] = -value;
        }
        return values;
    }

    /** The representable value nearest to {@code value}; on a tie, the one with an even pattern. */
    private static float nearest(float[] ascending, float value, boolean half) {
        int index = java.util.Arrays.binarySearch(ascending, value);
        if (index >= 0) {
            return value == 0 ? value : ascending[index];
        }
        int above = -index - 1;
        float low = ascending[above - 1];
        float high = ascending[above];
        double toLow = (double) value - low;
        double toHigh = (double) high - value;
        float result;
        if (toLow < toHigh) {
            result = low;
        } else if (toHigh < toLow) {
            result = high;
        } else {
            short lowBits = half ? HalfFloats.toHalf(low) : HalfFloats.toBf16(low);
            result = (lowBits & 1) == 0 ? low : high;
        }
        // Rounding to zero keeps the sign of the input.
        return result == 0 ? Math.copySign(0f, value) : result;
    }
}
