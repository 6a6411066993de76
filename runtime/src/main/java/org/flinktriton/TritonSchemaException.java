package org.flinktriton;

import java.util.List;

/**
 * The annotated classes do not match the model: a tensor the model lacks, a datatype or a fixed
 * dimension that differs, a batch dimension the model does not have. Every mismatch found is
 * listed, one per line, in the message and in {@link #mismatches()}; the client adds the model's
 * name in front.
 */
public class TritonSchemaException extends TritonException {
    private static final long serialVersionUID = 1L;

    private final List<String> mismatches;

    public TritonSchemaException(List<String> mismatches) {
        super(format(mismatches));
        this.mismatches = List.copyOf(mismatches);
    }

    /** Each mismatch as one sentence. */
    public List<String> mismatches() {
        return mismatches;
    }

    private static String format(List<String> mismatches) {
        StringBuilder message =
                new StringBuilder("The annotated classes do not match the model (")
                        .append(mismatches.size())
                        .append(mismatches.size() == 1 ? " mismatch):" : " mismatches):");
        for (String mismatch : mismatches) {
            message.append("\n  - ").append(mismatch);
        }
        return message.toString();
    }

    /** A copy of {@code original} that names {@code model}; see {@link #withModel}. */
    protected TritonSchemaException(
            TritonSchemaException original, String model, String modelVersion) {
        super(original, model, modelVersion);
        this.mismatches = original.mismatches;
    }

    @Override
    protected TritonSchemaException withModel(String model, String version) {
        return getClass() == TritonSchemaException.class
                ? new TritonSchemaException(this, model, version)
                : this;
    }
}
