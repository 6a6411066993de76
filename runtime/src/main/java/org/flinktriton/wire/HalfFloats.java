package org.flinktriton.wire;

/**
 * Conversions between {@code float} and the two 16-bit float formats Triton speaks: IEEE 754 half
 * precision ({@code FP16}) and bfloat16 ({@code BF16}, the upper 16 bits of an FP32). Java 17 has
 * neither, so they are written here: rounding is to nearest, ties to even; NaN stays NaN (quiet);
 * infinities and signed zeros are kept; FP16 overflow becomes infinity and underflow a subnormal or
 * a signed zero.
 */
public final class HalfFloats {
    private HalfFloats() {}

    /** The FP16 bit pattern nearest to {@code value} (ties to even). */
    public static short toHalf(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = (bits >>> 23) & 0xff;
        int mantissa = bits & 0x7f_ffff;
        if (exponent == 0xff) {
            // Infinity keeps a zero mantissa; NaN keeps its top payload bits and is made quiet.
            return (short) (sign | 0x7c00 | (mantissa == 0 ? 0 : 0x200 | (mantissa >>> 13)));
        }
        int halfExponent = exponent - 127 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            if (halfExponent < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int significand = mantissa | 0x80_0000;
            int shift = 14 - halfExponent;
            int half = significand >>> shift;
            int rest = significand & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) == 1)) {
                half++; // may carry into the smallest normal, which is the right answer
            }
            return (short) (sign | half);
        }
        int half = (halfExponent << 10) | (mantissa >>> 13);
        int rest = mantissa & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, up to infinity, which is the right answer
        }
        return (short) (sign | half);
    }

    /** The float an FP16 bit pattern stands for; exact. */
    public static float fromHalf(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f; // subnormal (or zero): exact in float
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** The BF16 bit pattern nearest to {@code value} (ties to even). */
    public static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7f80_0000) == 0x7f80_0000 && (bits & 0x7f_ffff) != 0) {
            return (short) ((bits >>> 16) | 0x40); // NaN: keep it NaN even if the payload was low
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float a BF16 bit pattern stands for; exact. */
    public static float fromBf16(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }
}
