package org.flinktriton.samples.image;

/**
 * An image as a camera or a decoder hands it over: 8-bit RGB, interleaved, row by row ({@code
 * height × width × 3} bytes). {@link ImageRequest#preprocess} turns it into the model's input.
 */
public class RawImage {
    /** The record's position in the generated stream. */
    public long id;

    /** The class the synthetic image was drawn as (see {@link SyntheticImages}). */
    public int drawnClass;

    public int width;
    public int height;

    /** {@code height × width × 3} bytes, RGB interleaved, row-major. */
    public byte[] rgb;

    /** When the source generated the record, in epoch microseconds. */
    public long ingestMicros;

    /** For Flink's POJO serializer. */
    public RawImage() {}
}
