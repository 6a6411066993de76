package org.flinktriton.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.wire.InferRequestMessage;
import org.flinktriton.wire.Tensor;

/**
 * Checks a parsed request against a model as Triton does, and a handler's outputs against the
 * model's declaration. Request errors become 400 with Triton's wording; output errors become 500
 * (the test's model is broken, not the request).
 */
final class RequestValidator {
    private RequestValidator() {}

    /** Validates an HTTP request, whose FP16 and BF16 inputs must not be JSON. */
    static ModelRequest validate(
            TestModel model,
            InferRequestMessage message,
            byte[] body,
            int headerLength,
            ObjectMapper mapper) {
        List<String> outputs = new ArrayList<>();
        for (InferRequestMessage.RequestedOutput output : message.outputs()) {
            outputs.add(output.name());
        }
        return validate(
                model,
                message.id(),
                message.parameters(),
                message.inputs(),
                outputs,
                (prefix, quotedModel) ->
                        rejectHalfFloatsInJson(
                                message, body, headerLength, mapper, prefix, quotedModel));
    }

    /**
     * Validates a request, whatever its transport, with the same rules and messages.
     *
     * @param id the request's id, or null
     * @param inputs the input tensors in request order
     * @param outputs the names of the outputs asked for, in request order; empty for all
     * @param encodingCheck called with the message prefix and the quoted model name once every
     *     input is known to be declared and present, to refuse what the transport's encoding cannot
     *     carry (FP16 as JSON); throws an {@link HttpError}
     */
    static ModelRequest validate(
            TestModel model,
            String id,
            Map<String, Object> parameters,
            List<Tensor> inputs,
            List<String> outputs,
            BiConsumer<String, String> encodingCheck) {
        String prefix = "[request id: " + (id == null ? "<id_unknown>" : id) + "] ";
        String quotedModel = "'" + model.name() + "'";
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor input : inputs) {
            if (byName.put(input.name(), input) != null) {
                throw HttpError.badRequest(
                        prefix
                                + "input '"
                                + input.name()
                                + "' already exists in request for model "
                                + quotedModel);
            }
            if (model.input(input.name()) == null) {
                throw HttpError.badRequest(
                        prefix
                                + "unexpected inference input '"
                                + input.name()
                                + "' for model "
                                + quotedModel
                                + "; it expects "
                                + names(model.inputs()));
            }
        }
        List<String> missing = new ArrayList<>();
        for (TensorSpec spec : model.inputs()) {
            if (!byName.containsKey(spec.name())) {
                missing.add("'" + spec.name() + "'");
            }
        }
        if (!missing.isEmpty()) {
            List<String> got = new ArrayList<>();
            for (Tensor input : inputs) {
                got.add("'" + input.name() + "'");
            }
            throw HttpError.badRequest(
                    prefix
                            + "expected "
                            + model.inputs().size()
                            + " inputs but got "
                            + inputs.size()
                            + " inputs for model "
                            + quotedModel
                            + ". Got input(s) "
                            + got
                            + ", but missing required input(s) "
                            + missing
                            + ". Please provide all required input(s).");
        }
        encodingCheck.accept(prefix, quotedModel);

        int batchSize = model.isBatched() ? -1 : 1;
        String batchSetter = null;
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (TensorSpec spec : model.inputs()) {
            Tensor input = byName.get(spec.name());
            if (input.datatype() != spec.datatype()) {
                throw HttpError.badRequest(
                        prefix
                                + "inference input '"
                                + spec.name()
                                + "' data-type is '"
                                + input.datatype()
                                + "', but model "
                                + quotedModel
                                + " expects '"
                                + spec.datatype()
                                + "'");
            }
            long[] shape = input.shape();
            if (!shapeMatches(model, spec, shape)) {
                throw HttpError.badRequest(
                        prefix
                                + "unexpected shape for input '"
                                + spec.name()
                                + "' for model "
                                + quotedModel
                                + ". Expected "
                                + expected(model, spec)
                                + ", got "
                                + dims(shape)
                                + ". "
                                + shapeNote(model, spec, shape));
            }
            if (model.isBatched()) {
                long batch = shape[0];
                if (batchSize < 0) {
                    if (batch < 1) {
                        throw HttpError.badRequest(
                                prefix
                                        + "inference request batch-size must be >= 1 for "
                                        + quotedModel
                                        + ", got "
                                        + batch
                                        + " in input '"
                                        + spec.name()
                                        + "'");
                    }
                    if (batch > model.maxBatchSize()) {
                        throw HttpError.badRequest(
                                prefix
                                        + "inference request batch-size must be <= "
                                        + model.maxBatchSize()
                                        + " for "
                                        + quotedModel
                                        + ", got "
                                        + batch
                                        + " in input '"
                                        + spec.name()
                                        + "'");
                    }
                    batchSize = (int) batch;
                    batchSetter = spec.name();
                } else if (batch != batchSize) {
                    throw HttpError.badRequest(
                            prefix
                                    + "input '"
                                    + spec.name()
                                    + "' batch size "
                                    + batch
                                    + " does not match other inputs for "
                                    + quotedModel
                                    + " (input '"
                                    + batchSetter
                                    + "' has "
                                    + batchSize
                                    + ")");
                }
            }
            ordered.put(spec.name(), input);
        }

        Set<String> requested = new LinkedHashSet<>();
        for (String output : outputs) {
            if (model.output(output) == null) {
                throw HttpError.badRequest(
                        prefix
                                + "unexpected inference output '"
                                + output
                                + "' for model "
                                + quotedModel
                                + "; it has "
                                + names(model.outputs()));
            }
            if (!requested.add(output)) {
                throw HttpError.badRequest(
                        prefix
                                + "output '"
                                + output
                                + "' is requested twice in the request for model "
                                + quotedModel);
            }
        }
        if (requested.isEmpty()) {
            for (TensorSpec spec : model.outputs()) {
                requested.add(spec.name());
            }
        }
        return new ModelRequest(model, batchSize, id, parameters, ordered, requested);
    }

    /**
     * The handler's outputs that the response carries, in requested order, each checked against the
     * model's declaration.
     */
    static List<Tensor> checkOutputs(ModelRequest request, List<Tensor> produced) {
        TestModel model = request.model();
        String who = "Model '" + model.name() + "': its handler ";
        if (produced == null) {
            throw new HttpError(500, who + "returned null instead of a list of outputs");
        }
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor tensor : produced) {
            if (tensor == null) {
                throw new HttpError(500, who + "returned a null output");
            }
            TensorSpec spec = model.output(tensor.name());
            if (spec == null) {
                throw new HttpError(
                        500,
                        who
                                + "returned output '"
                                + tensor.name()
                                + "', which the model does not declare; it declares "
                                + names(model.outputs()));
            }
            if (byName.put(tensor.name(), tensor) != null) {
                throw new HttpError(500, who + "returned output '" + tensor.name() + "' twice");
            }
            if (tensor.datatype() != spec.datatype()) {
                throw new HttpError(
                        500,
                        who
                                + "returned output '"
                                + tensor.name()
                                + "' as "
                                + tensor.datatype()
                                + ", but the model declares "
                                + spec);
            }
            long[] shape = tensor.shape();
            boolean batchOk =
                    !model.isBatched() || (shape.length > 0 && shape[0] == request.batchSize());
            if (!batchOk || !shapeMatches(model, spec, shape)) {
                throw new HttpError(
                        500,
                        who
                                + "returned output '"
                                + tensor.name()
                                + "' of shape "
                                + dims(shape)
                                + ", but the model declares "
                                + spec
                                + (model.isBatched()
                                        ? " and the batch size is "
                                                + request.batchSize()
                                                + ", so expected "
                                                + dims(withBatch(spec, request.batchSize()))
                                        : ""));
            }
        }
        List<Tensor> outputs = new ArrayList<>(request.requestedOutputs().size());
        for (String name : request.requestedOutputs()) {
            Tensor tensor = byName.get(name);
            if (tensor == null) {
                throw new HttpError(
                        500,
                        who
                                + "returned no output '"
                                + name
                                + "', which the request asked"
                                + " for; it returned "
                                + byName.keySet());
            }
            outputs.add(tensor);
        }
        return outputs;
    }

    /** Triton refuses FP16 and BF16 as JSON data: they must travel binary. */
    private static void rejectHalfFloatsInJson(
            InferRequestMessage message,
            byte[] body,
            int headerLength,
            ObjectMapper mapper,
            String prefix,
            String quotedModel) {
        boolean anyHalf = false;
        for (Tensor input : message.inputs()) {
            anyHalf |=
                    input.datatype() == TritonDataType.FP16
                            || input.datatype() == TritonDataType.BF16;
        }
        if (!anyHalf) {
            return;
        }
        JsonNode header;
        try {
            header = mapper.readTree(body, 0, headerLength < 0 ? body.length : headerLength);
        } catch (IOException e) {
            return; // cannot happen: the wire layer has just parsed it
        }
        for (JsonNode input : header.path("inputs")) {
            String datatype = input.path("datatype").asText();
            JsonNode size = input.path("parameters").path("binary_data_size");
            if ((datatype.equals("FP16") || datatype.equals("BF16"))
                    && (size.isMissingNode() || size.isNull())) {
                throw HttpError.badRequest(
                        prefix
                                + "input '"
                                + input.path("name").asText()
                                + "' for model "
                                + quotedModel
                                + ": datatype "
                                + datatype
                                + " is not supported in JSON; send it as binary data"
                                + " (binary_data_size)");
            }
        }
    }

    private static boolean shapeMatches(TestModel model, TensorSpec spec, long[] shape) {
        int skip = model.isBatched() ? 1 : 0;
        if (shape.length != spec.rank() + skip) {
            return false;
        }
        for (int i = 0; i < spec.rank(); i++) {
            if (spec.dim(i) != -1 && spec.dim(i) != shape[i + skip]) {
                return false;
            }
        }
        return true;
    }

    private static String shapeNote(TestModel model, TensorSpec spec, long[] shape) {
        if (model.isBatched() && shape.length == spec.rank()) {
            return "NOTE: model '"
                    + model.name()
                    + "' has max_batch_size "
                    + model.maxBatchSize()
                    + ", so each input shape starts with the batch dimension.";
        }
        if (!model.isBatched() && shape.length == spec.rank() + 1) {
            return "NOTE: model '"
                    + model.name()
                    + "' has max_batch_size 0: its inputs take no batch dimension, one record"
                    + " per request.";
        }
        return "";
    }

    private static String expected(TestModel model, TensorSpec spec) {
        return model.isBatched() ? dims(withBatch(spec, -1)) : dims(toLongs(spec.shape()));
    }

    private static long[] withBatch(TensorSpec spec, long batch) {
        long[] shape = new long[spec.rank() + 1];
        shape[0] = batch;
        for (int i = 0; i < spec.rank(); i++) {
            shape[i + 1] = spec.dim(i);
        }
        return shape;
    }

    private static long[] toLongs(int[] dims) {
        return Arrays.stream(dims).asLongStream().toArray();
    }

    /** Triton prints shapes as {@code [-1,16]}. */
    static String dims(long[] shape) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(shape[i]);
        }
        return text.append(']').toString();
    }

    private static List<String> names(List<TensorSpec> specs) {
        List<String> names = new ArrayList<>(specs.size());
        for (TensorSpec spec : specs) {
            names.add("'" + spec.name() + "'");
        }
        return names;
    }
}
