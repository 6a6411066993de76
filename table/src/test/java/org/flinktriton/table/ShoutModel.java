package org.flinktriton.table;

import java.util.List;
import java.util.Locale;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/** The tests' string model: {@code INPUT} BYTES[1] → {@code OUTPUT} BYTES[1], upper-cased. */
final class ShoutModel {
    private ShoutModel() {}

    /**
     * The model under {@code name}; {@code maxBatchSize} 0 for no batch dimension (Flink's provider
     * sends one row as shape {@code [1]}).
     */
    static TestModel of(String name, int maxBatchSize) {
        return TestModel.builder(name)
                .maxBatchSize(maxBatchSize)
                .input("INPUT", TritonDataType.BYTES, 1)
                .output("OUTPUT", TritonDataType.BYTES, 1)
                .handler(
                        request -> {
                            String[] words = request.input("INPUT").toStrings();
                            String[] shouted = new String[words.length];
                            for (int i = 0; i < words.length; i++) {
                                shouted[i] = words[i].toUpperCase(Locale.ROOT);
                            }
                            return List.of(
                                    Tensor.ofStrings(
                                            "OUTPUT", request.outputShape("OUTPUT"), shouted));
                        })
                .build();
    }
}
