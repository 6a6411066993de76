package org.flinktriton.samples.simple;

import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonModel;

/**
 * One request to Triton's quick-start model {@code simple}: two INT32 vectors of 16 elements. The
 * datatype is inferred from {@code int[]}; the shape is the model's {@code dims} without the batch
 * dimension. {@code id} and {@code ingestMicros} are plain fields that the codec ignores.
 */
@TritonModel(name = "simple")
public class SimpleRequest {
    /** Elements per input, as the model's {@code dims: [ 16 ]} declares. */
    public static final int LENGTH = 16;

    /** The record's position in the generated stream. */
    public long id;

    /** When the source generated the record, in epoch microseconds. */
    public long ingestMicros;

    @TritonInput(
            name = "INPUT0",
            shape = {LENGTH})
    public int[] input0;

    @TritonInput(
            name = "INPUT1",
            shape = {LENGTH})
    public int[] input1;

    /** For Flink's POJO serializer. */
    public SimpleRequest() {}

    /**
     * The request with number {@code id}: {@code INPUT0 = [id, id+1, … id+15]} and {@code INPUT1}
     * sixteen times {@code 1 + id % 3}. Request 0 is the one Triton's {@code simple_http_client}
     * sends.
     */
    public static SimpleRequest generate(long id, long ingestMicros) {
        SimpleRequest request = new SimpleRequest();
        request.id = id;
        request.ingestMicros = ingestMicros;
        request.input0 = new int[LENGTH];
        request.input1 = new int[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            request.input0[i] = (int) id + i;
            request.input1[i] = 1 + (int) (id % 3);
        }
        return request;
    }
}
