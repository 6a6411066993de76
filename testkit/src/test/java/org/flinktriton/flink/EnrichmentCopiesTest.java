package org.flinktriton.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.InferenceTypes.Enriched;
import org.flinktriton.flink.InferenceTypes.Labelled;
import org.flinktriton.flink.TritonInferenceFunctionTest.RecordingFuture;
import org.flinktriton.testkit.TestModels;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An enrichment ({@code builder(X.class, X.class)}) must leave the inputs the operator holds alone:
 * the operator checkpoints them on the task thread while the client's HTTP threads decode a
 * response. The function sends copies, and the copies carry the outputs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnrichmentCopiesTest {

    private static TritonTestServer server;

    private final List<TritonInferenceFunction<?, ?>> opened = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server =
                TritonTestServer.builder()
                        .model(
                                TestModels.addSub(
                                        "add_sub", TritonDataType.FP32, InferenceTypes.LENGTH, 8))
                        .start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @AfterEach
    void closeFunctions() throws Exception {
        for (TritonInferenceFunction<?, ?> function : opened) {
            function.close();
        }
    }

    private <I, O> TritonInferenceFunction<I, O> open(TritonInferenceFunction<I, O> function)
            throws Exception {
        function.open((OpenContext) null);
        opened.add(function);
        return function;
    }

    private static TritonInference<Enriched, Enriched> enrichment() {
        return TritonInference.builder(Enriched.class, Enriched.class)
                .endpoint(server.endpoint())
                .model("add_sub")
                .build();
    }

    private static List<Enriched> inputs(int count) {
        List<Enriched> inputs = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            inputs.add(Enriched.of(id));
        }
        return inputs;
    }

    @Test
    void theInputsStayUntouchedAndTheResultsAreEnrichedCopies() throws Exception {
        TritonInferenceFunction<Enriched, Enriched> function = open(enrichment().function());
        List<Enriched> inputs = inputs(20);
        RecordingFuture<Enriched> future = new RecordingFuture<>();

        function.asyncInvokeBatch(inputs, future.resultFuture());

        List<Enriched> results = new ArrayList<>(future.results());
        assertThat(results).hasSize(20);
        for (int id = 0; id < 20; id++) {
            Enriched input = inputs.get(id);
            Enriched result = results.get(id);
            assertThat(input.sum).as("output field of input %d", id).isNull();
            assertThat(input.a).as("input %d", id).containsExactly(InferenceTypes.a(id));
            assertThat(input.b).as("input %d", id).containsExactly(InferenceTypes.b());
            assertThat(result).as("result %d", id).isNotSameAs(input);
            assertThat(result.a).as("result %d", id).isNotSameAs(input.a);
            assertThat(result.id).isEqualTo(id);
            assertThat(result.label).isEqualTo("record-" + id);
            assertThat(result.a).containsExactly(InferenceTypes.a(id));
            assertThat(InferenceTypes.isSumOf(id, result.sum)).as("sum of result %d", id).isTrue();
        }
    }

    @Test
    void theCombinerGetsTheInputAsItCameAndItsEnrichedCopy() throws Exception {
        TritonInferenceFunction<Enriched, Labelled> function =
                open(
                        enrichment()
                                .function(
                                        (input, output) ->
                                                new Labelled(
                                                        input.id,
                                                        output.sum[0],
                                                        input.sum == null ? -1 : input.sum[0])));
        RecordingFuture<Labelled> future = new RecordingFuture<>();

        function.asyncInvokeBatch(inputs(5), future.resultFuture());

        assertThat(future.results())
                .containsExactly(
                        new Labelled(0, 0, -1),
                        new Labelled(1, 1, -1),
                        new Labelled(2, 2, -1),
                        new Labelled(3, 3, -1),
                        new Labelled(4, 4, -1));
    }
}
