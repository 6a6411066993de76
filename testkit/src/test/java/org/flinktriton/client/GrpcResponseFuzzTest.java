package org.flinktriton.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.flinktriton.TritonException;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.client.ClientTestTypes.AllTypesIn;
import org.flinktriton.client.ClientTestTypes.AllTypesOut;
import org.flinktriton.grpc.internal.proto.GRPCInferenceServiceGrpc;
import org.flinktriton.grpc.internal.proto.InferTensorContents;
import org.flinktriton.grpc.internal.proto.ModelConfigRequest;
import org.flinktriton.grpc.internal.proto.ModelConfigResponse;
import org.flinktriton.grpc.internal.proto.ModelInferRequest;
import org.flinktriton.grpc.internal.proto.ModelInferResponse;
import org.flinktriton.grpc.internal.proto.ModelInferResponse.InferOutputTensor;
import org.flinktriton.grpc.internal.proto.ModelMetadataRequest;
import org.flinktriton.grpc.internal.proto.ModelMetadataResponse;
import org.flinktriton.grpc.internal.proto.ModelReadyRequest;
import org.flinktriton.grpc.internal.proto.ModelReadyResponse;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed {@code ModelInferResponse} messages against the gRPC transport, end to end: a proxy on
 * loopback forwards each call to the testkit server's gRPC face and answers the client with the
 * valid response's bytes, mutated (seeded): broken structure (an output or its raw contents
 * missing, byte counts off, a wrong datatype or shape, a renamed output, typed contents that do not
 * fit) or broken encoding (truncated, flipped bytes, a field with the wrong wire type, a length
 * past the end, garbage). Every case ends in a {@link TritonException} that names the model, and
 * the tensor when one output was broken, and is not retryable (a broken structure: a {@link
 * TritonProtocolException}); none hangs, none escapes as another exception, and every broken
 * structure or encoding is refused (only a flipped byte or an unknown field may decode). The HTTP
 * twin is the runtime's {@code ResponseFuzzTest}.
 */
class GrpcResponseFuzzTest {
    private static final int CASES = 1_500;
    private static final long SEED = 0x6770_6301L;
    private static final String MODEL = "echo_all";
    private static final String[] DATATYPES = {
        "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16",
        "FP32", "FP64", "BYTES", "BF16", "", "FP33", "fp32", "STRING"
    };

    private static TritonTestServer upstream;
    private static ManagedChannel toUpstream;
    private static Server proxy;

    /** How the proxy turns the valid response of the current case into the bytes it answers. */
    private static volatile Function<ModelInferResponse, byte[]> answer =
            ModelInferResponse::toByteArray;

    /** The output the current case broke, if it broke one: the message must name it. */
    private static volatile String brokenTensor;

    @BeforeAll
    static void start() throws IOException {
        upstream =
                TritonTestServer.builder()
                        .grpc()
                        .model(TestModels.everyDatatype(MODEL, 8, 4))
                        .start();
        java.net.URI target = java.net.URI.create(upstream.grpcEndpoint());
        toUpstream =
                Grpc.newChannelBuilderForAddress(
                                target.getHost(),
                                target.getPort(),
                                InsecureChannelCredentials.create())
                        .build();
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                GRPCInferenceServiceGrpc.newBlockingStub(toUpstream);
        ServerServiceDefinition forwarding =
                new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
                    @Override
                    public void modelMetadata(
                            ModelMetadataRequest request,
                            StreamObserver<ModelMetadataResponse> out) {
                        out.onNext(stub.modelMetadata(request));
                        out.onCompleted();
                    }

                    @Override
                    public void modelConfig(
                            ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
                        out.onNext(stub.modelConfig(request));
                        out.onCompleted();
                    }

                    @Override
                    public void modelReady(
                            ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
                        out.onNext(stub.modelReady(request));
                        out.onCompleted();
                    }
                }.bindService();
        MethodDescriptor<ModelInferRequest, ModelInferResponse> infer =
                GRPCInferenceServiceGrpc.getModelInferMethod();
        ServerServiceDefinition.Builder service =
                ServerServiceDefinition.builder(forwarding.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> method : forwarding.getMethods()) {
            if (!method.getMethodDescriptor()
                    .getFullMethodName()
                    .equals(infer.getFullMethodName())) {
                service.addMethod(method);
            }
        }
        // ModelInfer answers raw bytes: whatever the case makes of the valid response.
        service.addMethod(
                infer.toBuilder(new RequestMarshaller(), new BytesMarshaller()).build(),
                ServerCalls.asyncUnaryCall(
                        (ModelInferRequest request, StreamObserver<byte[]> out) -> {
                            try {
                                out.onNext(answer.apply(stub.modelInfer(request)));
                                out.onCompleted();
                            } catch (RuntimeException e) {
                                out.onError(Status.INTERNAL.withCause(e).asRuntimeException());
                            }
                        }));
        proxy =
                Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                        .addService(service.build())
                        .build()
                        .start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (proxy != null) {
            proxy.shutdownNow().awaitTermination(5, SECONDS);
        }
        if (toUpstream != null) {
            toUpstream.shutdownNow().awaitTermination(5, SECONDS);
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static TritonModelClient client() {
        return TritonModelClient.builder()
                .endpoint("grpc://127.0.0.1:" + proxy.getPort())
                .model(MODEL)
                .retry(RetryPolicy.none())
                .requestTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Test
    void unchangedResponsesDecodeThroughTheProxy() throws Exception {
        answer = ModelInferResponse::toByteArray;
        try (TritonModelClient client = client()) {
            List<AllTypesIn> records = records(new SplittableRandom(SEED), 3);
            List<AllTypesOut> out = client.infer(records, AllTypesOut.class).get(20, SECONDS);
            assertThat(out).hasSize(3);
            for (int r = 0; r < 3; r++) {
                assertThat(out.get(r).int64s()).containsExactly(records.get(r).int64s());
                assertThat(out.get(r).strings()).containsExactly(records.get(r).strings());
                assertThat(out.get(r).fp16s()).containsExactly(records.get(r).fp16s());
            }
        }
    }

    @Test
    void malformedResponsesFailOnlyWithTritonExceptionsNamingTheModelAndTensor() {
        Map<Mutation, int[]> outcomes = new EnumMap<>(Mutation.class); // decoded, refused
        for (Mutation mutation : Mutation.values()) {
            outcomes.put(mutation, new int[2]);
        }
        assertTimeoutPreemptively(
                Duration.ofMinutes(3),
                () -> {
                    SplittableRandom random = new SplittableRandom(SEED);
                    try (TritonModelClient client = client()) {
                        for (int i = 0; i < CASES; i++) {
                            int n = 1 + random.nextInt(4);
                            List<AllTypesIn> records = records(random, n);
                            Mutation mutation =
                                    Mutation.values()[random.nextInt(Mutation.values().length)];
                            SplittableRandom caseRandom = random.split();
                            brokenTensor = null;
                            answer = valid -> mutation.apply(valid, caseRandom);
                            String what = "case " + i + " (" + mutation + ")";
                            try {
                                List<AllTypesOut> out =
                                        client.infer(records, AllTypesOut.class).get(20, SECONDS);
                                assertThat(mutation.mayDecode)
                                        .as("%s decoded, must be refused", what)
                                        .isTrue();
                                assertThat(out).as(what).hasSize(n).doesNotContainNull();
                                outcomes.get(mutation)[0]++;
                            } catch (ExecutionException e) {
                                Throwable cause = e.getCause();
                                if (!(cause instanceof TritonException)) {
                                    fail(what + " escaped as " + cause, cause);
                                }
                                assertThat(cause.getMessage())
                                        .as(what)
                                        .startsWith("Model '" + MODEL + "'");
                                assertThat(((TritonException) cause).retryable())
                                        .as("%s: the same answer would come again", what)
                                        .isFalse();
                                if (mutation.protocolError) {
                                    assertThat(cause)
                                            .as(what)
                                            .isInstanceOf(TritonProtocolException.class);
                                }
                                String tensor = brokenTensor;
                                if (tensor != null) {
                                    assertThat(cause.getMessage())
                                            .as(what)
                                            .contains("'" + tensor + "'");
                                }
                                outcomes.get(mutation)[1]++;
                            } catch (TimeoutException e) {
                                fail(what + " hung");
                            }
                        }
                    }
                });
        StringBuilder summary = new StringBuilder("gRPC response fuzz, decoded/refused:");
        outcomes.forEach(
                (m, c) ->
                        summary.append(' ')
                                .append(m)
                                .append(' ')
                                .append(c[0])
                                .append('/')
                                .append(c[1]));
        System.out.println(summary);
        for (Mutation mutation : Mutation.values()) {
            int[] counts = outcomes.get(mutation);
            assertThat(counts[0] + counts[1]).as("cases of %s", mutation).isPositive();
        }
        // A flipped byte often changes only a value: some such cases decode, which a client that
        // refused everything would not show.
        assertThat(outcomes.get(Mutation.FLIP)[0]).isPositive();
        assertThat(outcomes.get(Mutation.FLIP)[1]).isPositive();
    }

    /** Records of every datatype; values at the edges of each type. */
    private static List<AllTypesIn> records(SplittableRandom random, int n) {
        List<AllTypesIn> records = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int k = random.nextInt(100);
            records.add(
                    new AllTypesIn(
                            new boolean[] {true, false, k % 2 == 0, true},
                            new byte[] {0, (byte) k, (byte) 0x80, (byte) 0xff},
                            new short[] {0, (short) k, (short) 0x8000, (short) 0xffff},
                            new int[] {0, k, 0x8000_0000, 0xffff_ffff},
                            new long[] {0, k, Long.MIN_VALUE, -1L},
                            new byte[] {Byte.MIN_VALUE, -1, (byte) k, Byte.MAX_VALUE},
                            new short[] {Short.MIN_VALUE, -1, (short) k, Short.MAX_VALUE},
                            new int[] {Integer.MIN_VALUE, -1, k, Integer.MAX_VALUE},
                            new long[] {Long.MIN_VALUE, -1, k, Long.MAX_VALUE},
                            new float[] {0.5f, -2f, 1024f + k, 65504f},
                            new float[] {1.5f, -0.25f, Float.MAX_VALUE, k},
                            new double[] {Math.PI, -1e300, Double.MIN_VALUE, 0.1 * k},
                            new String[] {"", "héllo " + k, "日本語", "a\u0000b"},
                            new float[] {1.5f, -3f, 256f * (k + 1), 0.5f}));
        }
        return records;
    }

    /** One way to break a valid response; {@link #mayDecode} for changes a client cannot see. */
    enum Mutation {
        /** An output and its raw contents left out. */
        DROP_OUTPUT(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                brokenTensor = r.getOutputs(i).getName();
                List<ByteString> raw = new ArrayList<>(r.getRawOutputContentsList());
                raw.remove(i);
                return r.removeOutputs(i).clearRawOutputContents().addAllRawOutputContents(raw);
            }
        },
        /** Raw contents for all outputs but one: the counts disagree. */
        DROP_RAW(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                List<ByteString> raw = new ArrayList<>(r.getRawOutputContentsList());
                raw.remove(rnd.nextInt(raw.size()));
                return r.clearRawOutputContents().addAllRawOutputContents(raw);
            }
        },
        /** One output's raw bytes cut short. */
        BYTES_SHORT(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                brokenTensor = r.getOutputs(i).getName();
                ByteString raw = r.getRawOutputContents(i);
                return r.setRawOutputContents(
                        i, raw.substring(0, rnd.nextInt(Math.max(1, raw.size()))));
            }
        },
        /** One output's raw bytes with more at the end. */
        BYTES_LONG(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                brokenTensor = r.getOutputs(i).getName();
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(extra);
                return r.setRawOutputContents(
                        i, r.getRawOutputContents(i).concat(ByteString.copyFrom(extra)));
            }
        },
        /** One output declared with another datatype, or a name that is none. */
        WRONG_DATATYPE(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                InferOutputTensor output = r.getOutputs(i);
                String datatype;
                do {
                    datatype = DATATYPES[rnd.nextInt(DATATYPES.length)];
                } while (datatype.equals(output.getDatatype()));
                brokenTensor = output.getName();
                return r.setOutputs(i, output.toBuilder().setDatatype(datatype));
            }
        },
        /** One output with one dimension changed. */
        WRONG_SHAPE(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                InferOutputTensor output = r.getOutputs(i);
                int dim = rnd.nextInt(output.getShapeCount());
                long[] choices = {0, -1, -7, 1L << 40, output.getShape(dim) + 1};
                long value = choices[rnd.nextInt(choices.length)];
                if (value == output.getShape(dim)) {
                    value = output.getShape(dim) + 2;
                }
                brokenTensor = output.getName();
                return r.setOutputs(i, output.toBuilder().setShape(dim, value));
            }
        },
        /** One output under another name, so the one asked for is missing. */
        RENAMED(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                InferOutputTensor output = r.getOutputs(i);
                brokenTensor = output.getName();
                String other = r.getOutputs((i + 1) % r.getOutputsCount()).getName();
                String name = rnd.nextBoolean() ? other : output.getName() + "_X";
                return r.setOutputs(i, output.toBuilder().setName(name));
            }
        },
        /** No outputs at all. */
        NO_OUTPUTS(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                return r.clearOutputs().clearRawOutputContents();
            }
        },
        /** Typed contents instead of raw, one element short for one output. */
        CONTENTS_SHORT(false, true) {
            @Override
            ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
                int i = rnd.nextInt(r.getOutputsCount());
                brokenTensor = r.getOutputs(i).getName();
                r.clearRawOutputContents();
                for (int o = 0; o < r.getOutputsCount(); o++) {
                    long elements = 1;
                    for (long dim : r.getOutputs(o).getShapeList()) {
                        elements *= dim;
                    }
                    r.setOutputs(
                            o,
                            r.getOutputs(o).toBuilder()
                                    .setContents(contents(o == i ? elements - 1 : elements)));
                }
                return r;
            }
        },
        /** The encoded message cut at a random byte. */
        TRUNCATED(false, true) {
            @Override
            byte[] encode(byte[] valid, SplittableRandom rnd) {
                byte[] cut = new byte[rnd.nextInt(valid.length)];
                System.arraycopy(valid, 0, cut, 0, cut.length);
                return cut;
            }
        },
        /** One to four bytes of the encoded message changed. */
        FLIP(true, false) {
            @Override
            byte[] encode(byte[] valid, SplittableRandom rnd) {
                byte[] flipped = valid.clone();
                for (int f = 1 + rnd.nextInt(4); f > 0; f--) {
                    flipped[rnd.nextInt(flipped.length)] ^= (byte) (1 + rnd.nextInt(255));
                }
                return flipped;
            }
        },
        /**
         * A field of the message with the wrong wire type: raw_output_contents (6) as a varint, or
         * outputs (5) as a fixed32. Protobuf keeps such a field as an unknown one.
         */
        WRONG_WIRE_TYPE(true, false) {
            @Override
            byte[] encode(byte[] valid, SplittableRandom rnd) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(valid);
                if (rnd.nextBoolean()) {
                    out.write(6 << 3); // varint
                    out.write(0x80 | rnd.nextInt(128));
                    out.write(rnd.nextInt(128));
                } else {
                    out.write((5 << 3) | 5); // fixed32
                    out.write(1);
                    out.write(2);
                    out.write(3);
                    out.write(4);
                }
                return out.toByteArray();
            }
        },
        /** A raw_output_contents field whose length runs past the end. */
        LENGTH_PAST_THE_END(false, true) {
            @Override
            byte[] encode(byte[] valid, SplittableRandom rnd) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(valid);
                out.write((6 << 3) | 2);
                out.write(0x80 | rnd.nextInt(128)); // 128 or more, 2 bytes present
                out.write(1 + rnd.nextInt(100));
                out.write(0);
                out.write(0);
                return out.toByteArray();
            }
        },
        /** Random bytes. */
        GARBAGE(false, true) {
            @Override
            byte[] encode(byte[] valid, SplittableRandom rnd) {
                byte[] garbage = new byte[rnd.nextInt(2 * valid.length)];
                rnd.nextBytes(garbage);
                return garbage;
            }
        };

        final boolean mayDecode;

        /** Whether the failure must be a {@link TritonProtocolException}. */
        final boolean protocolError;

        /** {@code count} elements of every kind, so that any datatype reads them. */
        static InferTensorContents contents(long count) {
            InferTensorContents.Builder contents = InferTensorContents.newBuilder();
            for (long e = 0; e < count; e++) {
                contents.addFp64Contents(e)
                        .addFp32Contents(e)
                        .addInt64Contents(e)
                        .addUint64Contents(e)
                        .addIntContents((int) e)
                        .addUintContents((int) e)
                        .addBoolContents(true)
                        .addBytesContents(ByteString.copyFromUtf8("x"));
            }
            return contents.build();
        }

        Mutation(boolean mayDecode, boolean protocolError) {
            this.mayDecode = mayDecode;
            this.protocolError = protocolError;
        }

        ModelInferResponse.Builder mutate(ModelInferResponse.Builder r, SplittableRandom rnd) {
            return r;
        }

        byte[] encode(byte[] valid, SplittableRandom rnd) {
            return valid;
        }

        byte[] apply(ModelInferResponse valid, SplittableRandom rnd) {
            return encode(mutate(valid.toBuilder(), rnd).build().toByteArray(), rnd);
        }
    }

    /** The requests as grpc-java's generated code reads them. */
    private static final class RequestMarshaller
            implements MethodDescriptor.Marshaller<ModelInferRequest> {
        @Override
        public InputStream stream(ModelInferRequest value) {
            return value.toByteString().newInput();
        }

        @Override
        public ModelInferRequest parse(InputStream stream) {
            try {
                return ModelInferRequest.parseFrom(stream);
            } catch (InvalidProtocolBufferException e) {
                throw Status.INTERNAL.withCause(e).asRuntimeException();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Answers exactly the bytes it is given. */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
