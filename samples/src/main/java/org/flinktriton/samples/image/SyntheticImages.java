package org.flinktriton.samples.image;

/**
 * Deterministic synthetic images for the image-classification sample: image {@code id} is drawn as
 * one of 1,000 classes, {@code class = 100·r + 10·g + b}, whose mean red, green and blue levels are
 * {@code r}, {@code g} and {@code b} on a scale of ten steps, overlaid with diagonal stripes whose
 * frequency and phase vary from image to image (and average out over the image). {@link
 * ColorClassifier} recovers the class from the pixels.
 */
public final class SyntheticImages {
    /** Width and height, as DenseNet expects. */
    public static final int SIZE = 224;

    /** Classes, as DenseNet's ImageNet head has. */
    public static final int CLASSES = 1000;

    /** Levels per channel: 10 × 10 × 10 = {@link #CLASSES}. */
    static final int LEVELS = 10;

    /** Byte value per level step. */
    static final double STEP = 255.0 / LEVELS;

    /** The stripes' amplitude in byte values; below half a step, so the class stays recoverable. */
    static final double STRIPES = 12;

    private SyntheticImages() {}

    /** The class image {@code id} is drawn as: spread over all 1,000 classes. */
    public static int classOf(long id) {
        return (int) Math.floorMod(id * 7919L, (long) CLASSES);
    }

    /** The byte value at the centre of level {@code level}. */
    static int levelValue(int level) {
        return (int) Math.round((level + 0.5) * STEP);
    }

    /** Image {@code id}, stamped with {@code ingestMicros}. */
    public static RawImage generate(long id, long ingestMicros) {
        int drawn = classOf(id);
        int[] means = {
            levelValue(drawn / 100), levelValue(drawn / 10 % 10), levelValue(drawn % 10)
        };
        int fx = 1 + (int) (id % 5);
        int fy = 1 + (int) (id % 3);
        double phase = (id % 16) * Math.PI / 8;
        byte[] rgb = new byte[SIZE * SIZE * 3];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double stripe = STRIPES * Math.sin(2 * Math.PI * (fx * x + fy * y) / SIZE + phase);
                int offset = (y * SIZE + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int value = (int) Math.round(means[c] + (c == 1 ? -stripe : stripe));
                    rgb[offset + c] = (byte) Math.max(0, Math.min(255, value));
                }
            }
        }
        RawImage image = new RawImage();
        image.id = id;
        image.drawnClass = drawn;
        image.width = SIZE;
        image.height = SIZE;
        image.rgb = rgb;
        image.ingestMicros = ingestMicros;
        return image;
    }
}
