package org.flinktriton.samples.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.flinktriton.samples.generate.TextGenerationJob;
import org.flinktriton.samples.image.ImageClassificationJob;
import org.flinktriton.samples.simple.SimpleJob;
import org.flinktriton.samples.text.TextClassificationJob;
import org.junit.jupiter.api.Test;

/**
 * Each DataStream sample names its inference operator's uid, as a job that is to restore its
 * savepoints into a changed graph must: the batch operator holds the buffered and in-flight records
 * in its state.
 */
public class SampleUidsTest {

    private static final String ENDPOINT = "http://127.0.0.1:8000";

    @Test
    void everySampleGivesItsInferenceOperatorAUid() {
        assertThat(
                        inferenceUids(
                                TextClassificationJob.pipeline(
                                        env(), ENDPOINT, TextClassificationJob.defaults().build())))
                .containsExactly("sentiment-inference");
        assertThat(inferenceUids(SimpleJob.pipeline(env(), ENDPOINT, SimpleJob.defaults().build())))
                .containsExactly("simple-inference");
        assertThat(
                        inferenceUids(
                                ImageClassificationJob.pipeline(
                                        env(),
                                        ENDPOINT,
                                        ImageClassificationJob.defaults().build())))
                .containsExactly("image-classification");
        assertThat(
                        inferenceUids(
                                TextGenerationJob.pipeline(
                                        env(),
                                        "grpc://127.0.0.1:8001",
                                        TextGenerationJob.defaults().build(),
                                        TextGenerationJob.PROMPTS)))
                .containsExactly("text-generation");
    }

    private static StreamExecutionEnvironment env() {
        return StreamExecutionEnvironment.getExecutionEnvironment();
    }

    /** The uids of the operators TritonInference added upstream of {@code out}. */
    static List<String> inferenceUids(DataStream<?> out) {
        return inferenceUids(out.getTransformation());
    }

    /** The uids of the operators TritonInference added upstream of {@code out}. */
    public static List<String> inferenceUids(Transformation<?> out) {
        List<String> uids = new ArrayList<>();
        Deque<Transformation<?>> todo = new ArrayDeque<>(List.of(out));
        Set<Transformation<?>> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Transformation<?> transformation = todo.pop();
            if (!seen.add(transformation)) {
                continue;
            }
            if (transformation.getName().startsWith("TritonInference(")) {
                uids.add(String.valueOf(transformation.getUid()));
            }
            todo.addAll(transformation.getInputs());
        }
        return uids;
    }
}
