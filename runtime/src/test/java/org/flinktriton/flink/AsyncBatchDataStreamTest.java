package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.util.NumberSequenceIterator;
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

    /**
     * A legacy {@code SourceFunction} emits from its own thread, where the operator's yield to the
     * mailbox fails; chained behind one, the operator would fail the job as soon as {@code
     * capacity} batches are in flight.
     */
    @Test
    @SuppressWarnings("deprecation") // fromCollection(Iterator) is the legacy source under test
    void isNotChainedToALegacySourceNorToWhatIsChainedToOne() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<Long> legacy = env.fromCollection(new NumberSequenceIterator(1, 10), Types.LONG);
        AsyncBatchDataStream.orderedWaitBatch(legacy, new ToText(), AsyncBatchOptions.defaults())
                .name("direct")
                .sinkTo(new DiscardingSink<>());
        AsyncBatchDataStream.orderedWaitBatch(
                        legacy.map(x -> x + 1).returns(Types.LONG),
                        new ToText(),
                        AsyncBatchOptions.defaults())
                .name("behind a map")
                .sinkTo(new DiscardingSink<>());

        JobGraph graph = env.getStreamGraph().getJobGraph();

        assertThat(vertexRunning(graph, "direct").getName()).doesNotContain("Collection Source");
        assertThat(vertexRunning(graph, "behind a map").getName())
                .doesNotContain("Collection Source")
                .doesNotContain("Map");
    }

    @Test
    void isChainedToANewSourceAndWhatIsChainedToIt() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        AsyncBatchDataStream.orderedWaitBatch(
                        env.fromSequence(1, 10).map(x -> x + 1).returns(Types.LONG),
                        new ToText(),
                        AsyncBatchOptions.defaults())
                .name("async")
                .sinkTo(new DiscardingSink<>());

        JobGraph graph = env.getStreamGraph().getJobGraph();

        assertThat(vertexRunning(graph, "async").getName())
                .contains("Sequence Source")
                .contains("Map");
    }

    /** The job vertex whose chain holds the operator named {@code name}. */
    private static JobVertex vertexRunning(JobGraph graph, String name) {
        List<JobVertex> vertices = new ArrayList<>();
        for (JobVertex vertex : graph.getVertices()) {
            if (vertex.getName().contains(name)) {
                vertices.add(vertex);
            }
        }
        assertThat(vertices).as("vertices running %s", name).hasSize(1);
        return vertices.get(0);
    }

    static final class ToText extends RichAsyncBatchFunction<Long, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public void asyncInvokeBatch(List<Long> inputs, ResultFuture<String> resultFuture) {
            resultFuture.complete(
                    inputs.stream().map(String::valueOf).collect(Collectors.toList()));
        }
    }
}
