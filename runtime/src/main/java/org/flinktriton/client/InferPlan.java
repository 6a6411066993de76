package org.flinktriton.client;

import java.util.List;
import org.flinktriton.TritonSchemaException;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;
import org.flinktriton.wire.RequestEncoder;
import org.flinktriton.wire.ResponseDecoder;

/**
 * How one pair of codecs talks to the model, worked out once from the model information: the
 * encoder and decoder, how many records go in one request, whether results are the sent records
 * enriched, and the schema mismatches, if any (then nothing is ever sent).
 */
final class InferPlan<I, O> {
    final TritonInputCodec<I> input;
    final TritonOutputCodec<O> output;
    final RequestEncoder<I> encoder;
    final ResponseDecoder<O> decoder;
    final boolean enrich;
    final int recordsPerRequest;
    final List<String> mismatches;

    private InferPlan(
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output,
            RequestEncoder<I> encoder,
            ResponseDecoder<O> decoder,
            boolean enrich,
            int recordsPerRequest,
            List<String> mismatches) {
        this.input = input;
        this.output = output;
        this.encoder = encoder;
        this.decoder = decoder;
        this.enrich = enrich;
        this.recordsPerRequest = recordsPerRequest;
        this.mismatches = List.copyOf(mismatches);
    }

    static <I, O> InferPlan<I, O> create(
            ClientSettings settings,
            TritonModelInfo info,
            TritonInputCodec<I> input,
            TritonOutputCodec<O> output) {
        boolean batched = info.batched();
        int perRequest;
        if (!batched) {
            perRequest = 1;
        } else {
            // The model's limit when it states one; a builder override may only lower it, since
            // Triton rejects a batch over max_batch_size instead of splitting it.
            perRequest = info.maxBatchSize() > 0 ? info.maxBatchSize() : Integer.MAX_VALUE;
            if (settings.maxBatchSize > 0) {
                perRequest = Math.min(perRequest, settings.maxBatchSize);
            }
        }
        RequestEncoder<I> encoder =
                RequestEncoder.builder(input)
                        .outputs(output.outputs())
                        .binaryData(settings.binaryData)
                        .batched(batched)
                        .build();
        ResponseDecoder<O> decoder = ResponseDecoder.create(output, batched);
        boolean enrich = output.canEnrich() && output.type().equals(input.type());
        return new InferPlan<>(
                input,
                output,
                encoder,
                decoder,
                enrich,
                perRequest,
                SchemaCheck.mismatches(info, input, output));
    }

    /** The failure that lists every mismatch, or null when the classes match the model. */
    TritonSchemaException schemaFailure() {
        return mismatches.isEmpty() ? null : new TritonSchemaException(mismatches);
    }
}
