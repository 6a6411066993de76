package org.flinktriton.client;

import java.util.ArrayList;
import java.util.List;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.annotations.TritonInput;
import org.flinktriton.annotations.TritonOutput;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/** Decoupled test models and the annotated classes the streaming tests send and receive. */
public final class StreamTestTypes {
    private StreamTestTypes() {}

    /** Asks the token model for {@code count} responses for record {@code id}. */
    public static class TokenRequest {
        @TritonInput(name = "ID")
        public long id;

        @TritonInput(name = "COUNT")
        public int count;

        public TokenRequest() {}

        public TokenRequest(long id, int count) {
            this.id = id;
            this.count = count;
        }
    }

    /** One response: the record's id and the response's index. */
    public record Token(
            @TritonOutput(name = "ID") long id, @TritonOutput(name = "INDEX") int index) {}

    /** A response with 8 KiB of padding, so that flow control windows fill after few of them. */
    public record BigToken(
            @TritonOutput(name = "ID") long id,
            @TritonOutput(name = "INDEX") int index,
            @TritonOutput(
                            name = "PAD",
                            datatype = TritonDataType.INT8,
                            shape = {PAD})
                    byte[] pad) {}

    public static final int PAD = 8192;

    /**
     * A decoupled model that answers record {@code (ID, COUNT)} with COUNT responses {@code (ID,
     * i)}; a negative COUNT fails the request after two responses.
     */
    public static TestModel tokens(String name) {
        return TestModel.builder(name)
                .input("ID", TritonDataType.INT64, 1)
                .input("COUNT", TritonDataType.INT32, 1)
                .output("ID", TritonDataType.INT64, 1)
                .output("INDEX", TritonDataType.INT32, 1)
                .output("PAD", TritonDataType.INT8, PAD)
                .decoupled(
                        (request, sink) -> {
                            long id = request.input("ID").toInt64s()[0];
                            int count = request.input("COUNT").toInt32s()[0];
                            int n = count < 0 ? 2 : count;
                            for (int i = 0; i < n; i++) {
                                List<Tensor> outputs = new ArrayList<>(3);
                                outputs.add(
                                        Tensor.ofInt64s(
                                                "ID",
                                                TritonDataType.INT64,
                                                new long[] {1},
                                                new long[] {id}));
                                outputs.add(
                                        Tensor.ofInt32s(
                                                "INDEX",
                                                TritonDataType.INT32,
                                                new long[] {1},
                                                new int[] {i}));
                                if (request.isRequested("PAD")) {
                                    outputs.add(
                                            Tensor.ofInt8s(
                                                    "PAD",
                                                    TritonDataType.INT8,
                                                    new long[] {PAD},
                                                    new byte[PAD]));
                                }
                                sink.send(outputs);
                            }
                            if (count < 0) {
                                throw new IllegalStateException("record " + id + " went wrong");
                            }
                        })
                .build();
    }
}
