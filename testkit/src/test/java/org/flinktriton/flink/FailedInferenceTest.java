package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.flinktriton.TritonServerException;
import org.flinktriton.flink.InferenceTypes.AddSubRequest;
import org.flinktriton.flink.InferenceTypes.AddSubResult;
import org.junit.jupiter.api.Test;

/** Dead letters travel through Flink's own serializers, never Kryo, and read well. */
class FailedInferenceTest {

    private static TritonInference<AddSubRequest, AddSubResult> inference() {
        return TritonInference.builder(AddSubRequest.class, AddSubResult.class)
                .endpoint("http://triton:8000")
                .deadLetters()
                .build();
    }

    @Test
    void theDeadLetterTypeIsAPojoWithTheInputsOwnType() throws Exception {
        TypeInformation<FailedInference<AddSubRequest>> type =
                inference().deadLetterTag().getTypeInfo();
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        assertThat(((PojoTypeInfo<?>) type).getTypeAt("input")).isInstanceOf(PojoTypeInfo.class);

        // With generic types off, anything that needed Kryo would throw here.
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<FailedInference<AddSubRequest>> serializer = type.createSerializer(config);
        AddSubRequest input = AddSubRequest.of(42);
        FailedInference<AddSubRequest> dead =
                FailedInference.of(
                        input,
                        "add_sub",
                        new TritonServerException("POST … answered HTTP 400: bad", 400, "bad")
                                .inModel("add_sub", null),
                        7,
                        1_700_000_000_000L);

        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(dead, out);
        FailedInference<AddSubRequest> read =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(read.input().id).isEqualTo(42);
        assertThat(read.input().a).containsExactly(input.a);
        assertThat(read.model()).isEqualTo("add_sub");
        assertThat(read.statusCode()).isEqualTo(400);
        assertThat(read.errorType()).isEqualTo("TritonServerException");
        assertThat(read.message()).isEqualTo("Model 'add_sub': POST … answered HTTP 400: bad");
        assertThat(read.attempts()).isEqualTo(7);
        assertThat(read.failedAtMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(read.toString())
                .startsWith(
                        "FailedInference{model 'add_sub', HTTP 400, TritonServerException after 7"
                                + " attempt(s) at 2023-11-14T22:13:20Z: Model 'add_sub': POST …");
    }

    @Test
    void theTagIsStableForTheSameInference() {
        assertThat(inference().deadLetterTag()).isEqualTo(inference().deadLetterTag());
        assertThat(inference().deadLetters()).isTrue();
    }
}
