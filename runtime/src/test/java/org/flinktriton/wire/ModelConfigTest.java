package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalInt;
import org.flinktriton.TritonProtocolException;
import org.flinktriton.annotations.TritonDataType;
import org.junit.jupiter.api.Test;

/** Triton's model configuration written and read back, and read as servers send it. */
class ModelConfigTest {
    private static final String SOURCE = "GET /v2/models/m/config";

    @Test
    void writtenConfigReadsBackEqual() {
        ModelConfig config =
                new ModelConfig(
                        "add_sub",
                        "onnxruntime_onnx",
                        8,
                        List.of(
                                new ModelConfig.TensorConfig(
                                        "INPUT0", "TYPE_FP32", new long[] {16}, false),
                                new ModelConfig.TensorConfig(
                                        "MASK", "TYPE_BOOL", new long[] {2, -1}, true)),
                        List.of(
                                new ModelConfig.TensorConfig(
                                        "OUTPUT0", "TYPE_STRING", new long[] {1}, false)),
                        true);

        ModelConfig parsed = ModelConfig.parse(config.toJson(), SOURCE);

        assertThat(parsed).isEqualTo(config).hasSameHashCodeAs(config);
        assertThat(parsed.maxBatchSize()).hasValue(8);
        assertThat(parsed.inputs().get(1).optional()).isTrue();
    }

    @Test
    void readsWhetherTheModelIsDecoupled() {
        String decoupled =
                "{\"max_batch_size\": 0, \"model_transaction_policy\": {\"decoupled\": true}}";
        assertThat(ModelConfig.parse(decoupled.getBytes(UTF_8), "GET /config").decoupled())
                .isTrue();
        assertThat(
                        ModelConfig.parse("{\"max_batch_size\": 0}".getBytes(UTF_8), "GET /config")
                                .decoupled())
                .isFalse();
        ModelConfig written = new ModelConfig("m", null, 0, List.of(), List.of(), false, true);
        assertThat(ModelConfig.parse(written.toJson(), "GET /config")).isEqualTo(written);
    }

    @Test
    void aConfigWithoutLimitOrNameReadsBackEqual() {
        ModelConfig config = new ModelConfig(null, null, null, List.of(), List.of(), false);

        ModelConfig parsed = ModelConfig.parse(config.toJson(), SOURCE);

        assertThat(parsed).isEqualTo(config);
        assertThat(parsed.maxBatchSize()).isEmpty();
    }

    @Test
    void writesTritonsFieldsWithDimsWithoutTheBatchDimension() {
        ModelConfig config =
                new ModelConfig(
                        "m",
                        "p",
                        0,
                        List.of(
                                new ModelConfig.TensorConfig(
                                        "I", "TYPE_INT32", new long[] {3}, false)),
                        List.of(
                                new ModelConfig.TensorConfig(
                                        "O", "TYPE_INT32", new long[] {3}, false)),
                        false);

        assertThat(new String(config.toJson(), UTF_8))
                .isEqualTo(
                        ("{'name':'m','platform':'p','backend':'',"
                                        + "'version_policy':{'latest':{'num_versions':1}},"
                                        + "'max_batch_size':0,"
                                        + "'input':[{'name':'I','data_type':'TYPE_INT32',"
                                        + "'format':'FORMAT_NONE','dims':[3],'is_shape_tensor':false,"
                                        + "'allow_ragged_batch':false,'optional':false}],"
                                        + "'output':[{'name':'O','data_type':'TYPE_INT32','dims':[3],"
                                        + "'label_filename':'','is_shape_tensor':false}],"
                                        + "'batch_input':[],'batch_output':[],"
                                        + "'instance_group':[{'name':'m_0','kind':'KIND_CPU','count':1}]}")
                                .replace('\'', '"'));
    }

    @Test
    void readsTritonsDocument() {
        ModelConfig config =
                parse(
                        "{'name':'simple','platform':'tensorflow_graphdef','backend':'tensorflow',"
                                + "'version_policy':{'latest':{'num_versions':1}},'max_batch_size':8,"
                                + "'input':[{'name':'INPUT0','data_type':'TYPE_INT32',"
                                + "'format':'FORMAT_NONE','dims':[16],'is_shape_tensor':false,"
                                + "'allow_ragged_batch':false,'optional':false}],"
                                + "'output':[{'name':'OUTPUT0','data_type':'TYPE_INT32','dims':[16],"
                                + "'label_filename':'','is_shape_tensor':false}],"
                                + "'dynamic_batching':{'preferred_batch_size':[4]},"
                                + "'instance_group':[{'name':'simple','kind':'KIND_GPU','count':1}]}");

        assertThat(config)
                .isEqualTo(
                        new ModelConfig(
                                "simple",
                                "tensorflow_graphdef",
                                8,
                                List.of(
                                        new ModelConfig.TensorConfig(
                                                "INPUT0", "TYPE_INT32", new long[] {16}, false)),
                                List.of(
                                        new ModelConfig.TensorConfig(
                                                "OUTPUT0", "TYPE_INT32", new long[] {16}, false)),
                                true));
    }

    @Test
    void takesOddDocumentsInStride() {
        assertThat(parse("{}").maxBatchSize()).isEmpty();
        assertThat(parse("{'max_batch_size':null}").maxBatchSize()).isEmpty();
        assertThat(parse("{'max_batch_size':4294967296}").maxBatchSize())
                .isEqualTo(OptionalInt.of(Integer.MAX_VALUE));

        ModelConfig odd =
                parse(
                        "{'input':[{'data_type':'TYPE_FP32'},{'name':'a','optional':'true',"
                                + "'dims':['16']},{'name':'b','optional':1,'dims':null},'x'],"
                                + "'output':{'name':'o'}}");

        assertThat(odd.inputs())
                .containsExactly(
                        new ModelConfig.TensorConfig("a", "", new long[0], true),
                        new ModelConfig.TensorConfig("b", "", new long[0], true));
        assertThat(odd.outputs()).isEmpty();
        assertThat(parse("{'output':[{'name':'o','optional':true}]}").outputs().get(0).optional())
                .isFalse();
    }

    @Test
    void rejectsAnInvalidMaxBatchSize() {
        assertRejected("{'max_batch_size':-1}", SOURCE + " has an invalid max_batch_size -1");
        assertRejected("{'max_batch_size':'8'}", SOURCE + " has an invalid max_batch_size \"8\"");
        assertRejected("{'max_batch_size':1.5}", SOURCE + " has an invalid max_batch_size 1.5");
        assertRejected("{'max_batch_size':1e2}", SOURCE + " has an invalid max_batch_size 100.0");
        assertRejected("{", "the answer to " + SOURCE + " is not JSON");
        assertRejected("null", "the answer to " + SOURCE + " is not a JSON object");
    }

    @Test
    void namesDataTypesAsTritonsConfigurationDoes() {
        assertThat(ModelConfig.dataType(TritonDataType.FP32)).isEqualTo("TYPE_FP32");
        assertThat(ModelConfig.dataType(TritonDataType.BYTES)).isEqualTo("TYPE_STRING");
    }

    private static ModelConfig parse(String json) {
        return ModelConfig.parse(json.replace('\'', '"').getBytes(UTF_8), SOURCE);
    }

    private static void assertRejected(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage(message);
    }
}
