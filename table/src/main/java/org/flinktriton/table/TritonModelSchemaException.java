package org.flinktriton.table;

import java.util.List;
import org.flinktriton.TritonException;

/**
 * The columns of a {@code CREATE MODEL}'s {@code INPUT} and {@code OUTPUT} schemas do not fit the
 * model on the server. Every mismatch is listed, one per line, naming the column, the tensor, the
 * datatypes and the shapes, and saying what would fit.
 */
public final class TritonModelSchemaException extends TritonException {
    private static final long serialVersionUID = 1L;

    private final List<String> mismatches;

    public TritonModelSchemaException(String model, List<String> mismatches) {
        super(format(model, mismatches));
        this.mismatches = List.copyOf(mismatches);
    }

    /** Each mismatch as one sentence. */
    public List<String> mismatches() {
        return mismatches;
    }

    private static String format(String model, List<String> mismatches) {
        StringBuilder message =
                new StringBuilder("The INPUT/OUTPUT columns do not match model '")
                        .append(model)
                        .append("' on the server (")
                        .append(mismatches.size())
                        .append(mismatches.size() == 1 ? " mismatch):" : " mismatches):");
        for (String mismatch : mismatches) {
            message.append("\n  - ").append(mismatch);
        }
        return message.toString();
    }
}
