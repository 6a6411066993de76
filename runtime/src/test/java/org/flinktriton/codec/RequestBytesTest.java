package org.flinktriton.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.flinktriton.wire.EncodedBody;
import org.flinktriton.wire.RequestEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestEncoder#inputBytes}, by which the client splits requests by bytes: exactly the raw
 * bytes the encoder writes for the record, for every datatype, BYTES elements of every UTF-8 length
 * included.
 */
class RequestBytesTest {
    private static <T> long written(RequestEncoder<T> encoder, T record) {
        long bytes = 0;
        for (EncodedBody.Input input : encoder.encode(List.of(record)).inputs()) {
            bytes += input.byteLength();
        }
        return bytes;
    }

    @Test
    void everyDatatypeCountsWhatTheEncoderWrites() {
        RequestEncoder<ArraysBean> encoder =
                RequestEncoder.builder(TritonCodecs.forInput(ArraysBean.class)).build();
        ArraysBean bean = GeneratedCodecTest.arrays(); // texts in 1, 2, 3 and 4 UTF-8 bytes

        assertThat(encoder.inputBytes(bean)).isEqualTo(written(encoder, bean)).isPositive();
        assertThat(encoder.inputBytesFollowShape()).isFalse();
    }

    @Test
    void aLoneSurrogateCountsAsTheQuestionMarkItIsSentAs() {
        RequestEncoder<ArraysBean> encoder =
                RequestEncoder.builder(TritonCodecs.forInput(ArraysBean.class)).build();
        ArraysBean bean = GeneratedCodecTest.arrays();
        bean.setTexts(new String[] {"a\uD800b", "\uDC00", "x\uD83C"});

        assertThat(encoder.inputBytes(bean)).isEqualTo(written(encoder, bean));
    }

    @Test
    void scalarsCountTheirElements() {
        RequestEncoder<ScalarsPojo> encoder =
                RequestEncoder.builder(TritonCodecs.forInput(ScalarsPojo.class)).build();
        ScalarsPojo pojo = new ScalarsPojo();
        pojo.text = "héllo";
        pojo.blob = new byte[] {1, 2, 3};

        assertThat(encoder.inputBytes(pojo)).isEqualTo(written(encoder, pojo));
    }
}
