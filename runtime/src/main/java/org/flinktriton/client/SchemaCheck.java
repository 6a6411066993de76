package org.flinktriton.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.flinktriton.codec.TensorSpec;
import org.flinktriton.codec.TritonInputCodec;
import org.flinktriton.codec.TritonOutputCodec;

/**
 * Compares annotated classes with a model's metadata and lists every mismatch: a tensor the model
 * lacks, a required model input the class does not send, a datatype that differs, a fixed dimension
 * that differs, a rank that differs, and a batch dimension that one side has and the other lacks. A
 * variable dimension on either side is compatible with anything: the actual values are checked per
 * record when they are sent.
 */
final class SchemaCheck {
    private SchemaCheck() {}

    static List<String> mismatches(
            TritonModelInfo info, TritonInputCodec<?> input, TritonOutputCodec<?> output) {
        List<String> found = new ArrayList<>();
        String inClass = input.type().getSimpleName();
        String outClass = output.type().getSimpleName();
        Set<String> sent = new HashSet<>();
        for (TensorSpec spec : input.inputs()) {
            sent.add(spec.name());
            Optional<TritonModelInfo.Tensor> tensor = info.input(spec.name());
            if (tensor.isEmpty()) {
                found.add(
                        inClass
                                + " sends input '"
                                + spec.name()
                                + "', which the model does not have; its inputs are "
                                + info.inputs());
            } else {
                compare(found, info, "input", inClass, spec, tensor.get(), true);
            }
        }
        for (TritonModelInfo.Tensor tensor : info.inputs()) {
            if (!sent.contains(tensor.name()) && !info.optionalInputs().contains(tensor.name())) {
                found.add(
                        "the model requires input '"
                                + tensor
                                + "', which "
                                + inClass
                                + " does not declare; add a @TritonInput(name = \""
                                + tensor.name()
                                + "\") field");
            }
        }
        for (TensorSpec spec : output.outputs()) {
            Optional<TritonModelInfo.Tensor> tensor = info.output(spec.name());
            if (tensor.isEmpty()) {
                found.add(
                        outClass
                                + " reads output '"
                                + spec.name()
                                + "', which the model does not have; its outputs are "
                                + info.outputs());
            } else {
                compare(found, info, "output", outClass, spec, tensor.get(), false);
            }
        }
        return found;
    }

    private static void compare(
            List<String> found,
            TritonModelInfo info,
            String role,
            String owner,
            TensorSpec spec,
            TritonModelInfo.Tensor tensor,
            boolean isInput) {
        String subject = owner + " " + role + " '" + spec.name() + "'";
        if (!spec.datatype().name().equals(tensor.datatype())) {
            found.add(
                    subject
                            + ": declared "
                            + spec.datatype()
                            + ", but the model's datatype is "
                            + (tensor.datatype().isEmpty() ? "(none)" : tensor.datatype()));
        }
        long[] shape = tensor.shape();
        long[] perRecord;
        if (info.batched()) {
            if (shape.length == 0 || shape[0] != -1) {
                found.add(
                        subject
                                + ": the model batches (max_batch_size "
                                + (info.maxBatchSize() < 0 ? "unknown" : info.maxBatchSize())
                                + ") but its shape "
                                + Arrays.toString(shape)
                                + " has no leading batch dimension -1");
                return;
            }
            perRecord = Arrays.copyOfRange(shape, 1, shape.length);
        } else {
            perRecord = shape;
        }
        int[] declared = spec.shape();
        boolean scalarAsNoDims = !isInput && perRecord.length == 0 && isScalar(declared);
        if (scalarAsNoDims) {
            return; // a per-record scalar reported with dims [] reads as {1}
        }
        boolean matches = perRecord.length == declared.length;
        for (int d = 0; matches && d < declared.length; d++) {
            matches = perRecord[d] == -1 || declared[d] == -1 || perRecord[d] == declared[d];
        }
        if (!matches) {
            String batchHint = "";
            if (!info.batched()
                    && perRecord.length == declared.length + 1
                    && perRecord.length > 0
                    && perRecord[0] == -1) {
                batchHint =
                        " (the model takes no batch dimension, max_batch_size 0, so its leading"
                                + " -1 is a data dimension)";
            }
            found.add(
                    subject
                            + ": declared per-record shape "
                            + Arrays.toString(declared)
                            + ", but the model's is "
                            + Arrays.toString(perRecord)
                            + (info.batched() ? " (without the batch dimension)" : "")
                            + batchHint);
        }
    }

    private static boolean isScalar(int[] declared) {
        return declared.length == 1 && declared[0] == 1;
    }
}
