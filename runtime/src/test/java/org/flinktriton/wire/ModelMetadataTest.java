package org.flinktriton.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.flinktriton.TritonProtocolException;
import org.junit.jupiter.api.Test;

/** Model metadata written and read back, and read the way servers other than Triton send it. */
class ModelMetadataTest {
    private static final String SOURCE = "GET /v2/models/m";

    @Test
    void writtenMetadataReadsBackEqual() {
        ModelMetadata metadata =
                new ModelMetadata(
                        "add_sub",
                        List.of("1", "2"),
                        "onnxruntime_onnx",
                        List.of(
                                new TensorMetadata("INPUT0", "FP32", new long[] {-1, 16}),
                                new TensorMetadata("TEXT", "BYTES", new long[] {-1, 2, -1})),
                        List.of(new TensorMetadata("SCALAR", "INT64", new long[0])));

        ModelMetadata parsed = ModelMetadata.parse(metadata.toJson(), SOURCE);

        assertThat(parsed).isEqualTo(metadata).hasSameHashCodeAs(metadata);
        assertThat(parsed.inputs().get(0)).hasToString("INPUT0 FP32[-1,16]");
    }

    @Test
    void absentNameAndPlatformStayAbsentThroughARoundTrip() {
        ModelMetadata metadata = new ModelMetadata(null, List.of(), null, List.of(), List.of());

        assertThat(new String(metadata.toJson(), UTF_8))
                .isEqualTo("{\"versions\":[],\"inputs\":[],\"outputs\":[]}");
        assertThat(ModelMetadata.parse(metadata.toJson(), SOURCE)).isEqualTo(metadata);
    }

    @Test
    void readsTritonsDocument() {
        ModelMetadata metadata =
                parse(
                        "{'name':'simple','versions':['1'],'platform':'tensorflow_graphdef',"
                                + "'inputs':[{'name':'INPUT0','datatype':'INT32','shape':[-1,16]}],"
                                + "'outputs':[{'name':'OUTPUT0','datatype':'INT32','shape':[-1,16]}]}");

        assertThat(metadata.name()).isEqualTo("simple");
        assertThat(metadata.versions()).containsExactly("1");
        assertThat(metadata.platform()).isEqualTo("tensorflow_graphdef");
        assertThat(metadata.inputs())
                .containsExactly(new TensorMetadata("INPUT0", "INT32", new long[] {-1, 16}));
        assertThat(metadata.outputs().get(0).rank()).isEqualTo(2);
        assertThat(metadata.outputs().get(0).dim(0)).isEqualTo(-1);
    }

    @Test
    void readsNullOptionalFieldsAsAbsent() {
        ModelMetadata metadata =
                parse(
                        "{'name':'kserve','versions':null,'platform':null,"
                                + "'inputs':[{'name':'x','datatype':'FP32','shape':[-1,3],"
                                + "'parameters':null}],'outputs':null}");

        assertThat(metadata)
                .isEqualTo(
                        new ModelMetadata(
                                "kserve",
                                List.of(),
                                null,
                                List.of(new TensorMetadata("x", "FP32", new long[] {-1, 3})),
                                List.of()));
    }

    @Test
    void readsAlmostEmptyDocumentsAndOddValues() {
        assertThat(parse("{}"))
                .isEqualTo(new ModelMetadata(null, List.of(), null, List.of(), List.of()));

        ModelMetadata odd =
                parse(
                        "{'name':7,'versions':['1',2,null,['x']],'platform':{'a':1},"
                                + "'inputs':[{'name':'bare'},{'name':'n','shape':null}]}");

        assertThat(odd.name()).isEqualTo("7");
        assertThat(odd.versions()).containsExactly("1", "2");
        assertThat(odd.platform()).isNull();
        assertThat(odd.inputs())
                .containsExactly(
                        new TensorMetadata("bare", "", new long[0]),
                        new TensorMetadata("n", "", new long[0]));
        assertThat(parse("{'versions':'1'}").versions()).isEmpty();
    }

    @Test
    void rejectsBrokenDocumentsSayingWhatIsWrong() {
        assertRejected("{", "the answer to GET /v2/models/m is not JSON");
        assertRejected("[1]", "the answer to GET /v2/models/m is not a JSON object");
        assertRejected("", "the answer to GET /v2/models/m is not a JSON object");
        assertRejected("{'inputs':{}}", "GET /v2/models/m has 'inputs' that is not an array");
        assertRejected(
                "{'outputs':[{'datatype':'FP32'}]}",
                "GET /v2/models/m lists an output without a name");
        assertRejected("{'inputs':['x']}", "GET /v2/models/m lists an input without a name");
        assertRejected(
                "{'inputs':[{'name':'x','shape':[2,-2]}]}",
                "GET /v2/models/m: input 'x' has an invalid shape [2,-2]");
        assertRejected(
                "{'inputs':[{'name':'x','shape':[1.5]}]}",
                "GET /v2/models/m: input 'x' has an invalid shape [1.5]");
        assertRejected(
                "{'outputs':[{'name':'y','shape':'16'}]}",
                "GET /v2/models/m: output 'y' has a shape that is not an array: \"16\"");
    }

    private static ModelMetadata parse(String json) {
        return ModelMetadata.parse(json.replace('\'', '"').getBytes(UTF_8), SOURCE);
    }

    private static void assertRejected(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(TritonProtocolException.class)
                .hasMessage(message);
    }
}
