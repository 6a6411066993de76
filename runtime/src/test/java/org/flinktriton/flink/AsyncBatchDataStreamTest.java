package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.junit.jupiter.api.Test;

/** Builds job graphs only; {@link AsyncBatchDataStreamITCase} runs them. */
class AsyncBatchDataStreamTest {

    private final StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment();
    private final DataStream<Long> numbers = env.fromData(1L, 2L, 3L);

    @Test
    void takesTheOutputTypeFromTheFunctionClass() {
        SingleOutputStreamOperator<String> out =
                AsyncBatchDataStream.orderedWaitBatch(
                        numbers, new ToText(), AsyncBatchOptions.defaults());

        assertThat(out.getType()).isEqualTo(Types.STRING);
        assertThat(out.getName()).isEqualTo("AsyncBatchWait (ordered)");
        assertThat(((OneInputTransformation<?, ?>) out.getTransformation()).getOperatorFactory())
                .isInstanceOf(AsyncBatchWaitOperatorFactory.class);
    }

    @Test
    void aLambdaTakesAnExplicitOutputType() {
        AsyncBatchFunction<Long, Integer> lengths =
                (inputs, future) ->
                        future.complete(
                                inputs.stream()
                                        .map(x -> Long.toString(x).length())
                                        .collect(Collectors.toList()));

        SingleOutputStreamOperator<Integer> out =
                AsyncBatchDataStream.unorderedWaitBatch(
                        numbers, lengths, AsyncBatchOptions.defaults(), Types.INT);

        assertThat(out.getType()).isEqualTo(Types.INT);
        assertThat(out.getName()).isEqualTo("AsyncBatchWait (unordered)");
    }

    @Test
    void aLambdaWithoutAnOutputTypeAsksForOne() {
        AsyncBatchFunction<Long, Integer> lengths = (inputs, future) -> future.complete(List.of());

        SingleOutputStreamOperator<Integer> out =
                AsyncBatchDataStream.unorderedWaitBatch(
                        numbers, lengths, AsyncBatchOptions.defaults());

        assertThatThrownBy(out::getType)
                .isInstanceOf(InvalidTypesException.class)
                .hasMessageContaining("returns(...)");

        SingleOutputStreamOperator<Integer> hinted =
                AsyncBatchDataStream.unorderedWaitBatch(
                                numbers, lengths, AsyncBatchOptions.defaults())
                        .returns(Types.INT);
        assertThat(hinted.getType()).isEqualTo(Types.INT);
    }

    static final class ToText extends RichAsyncBatchFunction<Long, String> {
        @Override
        public void asyncInvokeBatch(List<Long> inputs, ResultFuture<String> resultFuture) {
            resultFuture.complete(
                    inputs.stream().map(String::valueOf).collect(Collectors.toList()));
        }
    }
}
