package org.flinktriton.samples.image;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;

/**
 * One image for Triton's {@code densenet_onnx} example model: input {@code data_0}, FP32 of shape
 * {@code [3, 224, 224]} (channels first), carried by a flat {@code float[]} in row-major order. The
 * model has {@code max_batch_size} 0, so each image is one request without a batch dimension; the
 * client sends the images of a Flink batch as concurrent requests.
 */
@TritonModel(name = "densenet_onnx")
public class ImageRequest {
    /** Channels, height, width. */
    public static final int CHANNELS = 3;

    /** The record's position in the generated stream. */
    public long id;

    /** The class the synthetic image was drawn as. */
    public int drawnClass;

    /** When the source generated the record, in epoch microseconds. */
    public long ingestMicros;

    @TritonInput(
            name = "data_0",
            shape = {CHANNELS, SyntheticImages.SIZE, SyntheticImages.SIZE})
    public float[] pixels;

    /** For Flink's POJO serializer. */
    public ImageRequest() {}

    /**
     * Turns interleaved 8-bit RGB into the planar FP32 input DenseNet takes, scaled to {@code [-1,
     * 1]} ({@code x / 127.5 - 1}, the "INCEPTION" scaling Triton's {@code image_client} uses for
     * {@code densenet_onnx}).
     *
     * @throws IllegalArgumentException when the image is not 224 × 224 RGB
     */
    public static ImageRequest preprocess(RawImage image) {
        int size = SyntheticImages.SIZE;
        if (image.width != size || image.height != size || image.rgb.length != size * size * 3) {
            throw new IllegalArgumentException(
                    "image "
                            + image.id
                            + " is "
                            + image.width
                            + "x"
                            + image.height
                            + " with "
                            + image.rgb.length
                            + " bytes; the model takes 224x224 RGB (resize it first)");
        }
        int plane = size * size;
        float[] pixels = new float[CHANNELS * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < CHANNELS; c++) {
                pixels[c * plane + i] = (image.rgb[i * CHANNELS + c] & 0xff) / 127.5f - 1f;
            }
        }
        ImageRequest request = new ImageRequest();
        request.id = image.id;
        request.drawnClass = image.drawnClass;
        request.ingestMicros = image.ingestMicros;
        request.pixels = pixels;
        return request;
    }
}
