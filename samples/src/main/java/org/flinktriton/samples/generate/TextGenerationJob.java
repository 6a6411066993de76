package org.flinktriton.samples.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.flinktriton.annotations.TritonDataType;
import org.flinktriton.flink.TritonInference;
import org.flinktriton.samples.common.Micros;
import org.flinktriton.samples.common.SampleMain;
import org.flinktriton.samples.common.SampleOptions;
import org.flinktriton.samples.common.SampleServer;
import org.flinktriton.samples.common.SampleSources;
import org.flinktriton.testkit.ModelRequest;
import org.flinktriton.testkit.TestModel;
import org.flinktriton.wire.Tensor;

/**
 * Text generation from a Flink job: prompts go through {@code TritonInference} to a decoupled model
 * that streams its reply, one response per piece of text, and the job collects the pieces per
 * prompt. It speaks the tensor names of Triton's vLLM backend ({@link Prompt}, {@link Chunk}), so
 * it runs unchanged against a Triton serving a vLLM model over gRPC; by default it starts the
 * embedded test server (over gRPC, as decoupled models need {@code ModelStreamInfer}) with a small
 * deterministic stand-in ({@link #embeddedModel}).
 *
 * <pre>{@code
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.generate.TextGenerationJob
 * mvn -B -q -pl samples exec:exec -Dexec.mainClass=org.flinktriton.samples.generate.TextGenerationJob \
 *     -Dsample.args="--endpoint grpc://localhost:8001 --model vllm_model --max-tokens 32"
 * }</pre>
 *
 * <p>The job: {@code fromSequence} → {@link Prompt} (the {@code --records} prompts cycle through
 * {@link #PROMPTS}, each with {@code stream} true and {@code sampling_parameters} {@code
 * {"max_tokens": N, "temperature": 0}}) → {@code TritonInference}, whose {@code (prompt, chunk) ->
 * …} function makes each response a {@link Word} → stamp the time → collect. A prompt's words leave
 * the operator together, in the order the model sent them, once its final response has come; a
 * prompt answered with no response at all ends too, with no words.
 */
public final class TextGenerationJob {
    /** The model's name in the vLLM backend's sample repository. */
    public static final String MODEL = "vllm_model";

    /** The prompts the job sends, in turn. */
    public static final List<String> PROMPTS =
            List.of(
                    "Hello, my name is",
                    "The most dangerous animal is",
                    "The capital of France is",
                    "The future of AI is",
                    "Flink streams records through operators",
                    "Triton serves models over HTTP and gRPC");

    /** vLLM's default {@code max_tokens}, the longest reply. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TextGenerationJob() {}

    /** The sample's defaults: each of the {@link #PROMPTS} once, replies of at most 16 pieces. */
    public static SampleOptions.Builder defaults() {
        return SampleOptions.defaults(MODEL)
                .records(PROMPTS.size())
                .maxBatchSize(8)
                .show(PROMPTS.size())
                .intOption(
                        "--max-tokens",
                        "N",
                        "longest reply, vLLM's max_tokens sampling parameter",
                        DEFAULT_MAX_TOKENS);
    }

    /**
     * The embedded stand-in for a vLLM model, served under {@code name}: decoupled, with the vLLM
     * backend's {@code text_input}, {@code stream}, {@code sampling_parameters} and {@code
     * text_output}, {@code max_batch_size} 0. Its reply to a prompt is {@link #reply}: with {@code
     * stream} true one response per word, none for a blank prompt; with {@code stream} false one
     * response with the whole reply.
     */
    public static TestModel embeddedModel(String name) {
        return TestModel.builder(name)
                .input("text_input", TritonDataType.BYTES, 1)
                .input("stream", TritonDataType.BOOL, 1)
                .input("sampling_parameters", TritonDataType.BYTES, 1)
                .output("text_output", TritonDataType.BYTES, -1)
                .decoupled(
                        (request, sink) -> {
                            ModelRequest.Record prompt = request.record(0);
                            List<String> words =
                                    reply(
                                            prompt.stringValue("text_input"),
                                            maxTokens(prompt.stringValue("sampling_parameters")));
                            if (prompt.longValue("stream") == 0) {
                                sink.send(List.of(textOutput(String.join("", words))));
                                return;
                            }
                            for (String word : words) {
                                sink.send(List.of(textOutput(word)));
                            }
                        })
                .build();
    }

    /**
     * The embedded model's reply to {@code prompt}: its words in reverse order, at most {@code
     * maxTokens} of them, each after the first with its leading space (as vLLM's streamed pieces
     * carry theirs, so that the pieces joined are the reply). None for a blank prompt.
     */
    public static List<String> reply(String prompt, int maxTokens) {
        String trimmed = prompt.strip();
        if (trimmed.isEmpty()) {
            return List.of();
        }
        String[] words = trimmed.split("\\s+");
        List<String> reply = new ArrayList<>();
        for (int i = words.length - 1; i >= 0 && reply.size() < maxTokens; i--) {
            reply.add(reply.isEmpty() ? words[i] : " " + words[i]);
        }
        return reply;
    }

    /** The sampling parameters the job sends, as the JSON object the vLLM backend reads. */
    public static String samplingParameters(int maxTokens) {
        return JSON.createObjectNode()
                .put("max_tokens", maxTokens)
                .put("temperature", 0)
                .toString();
    }

    private static int maxTokens(String samplingParameters) {
        try {
            JsonNode parameters = JSON.readTree(samplingParameters);
            return parameters.path("max_tokens").asInt(DEFAULT_MAX_TOKENS);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "sampling_parameters is not a JSON object: " + samplingParameters, e);
        }
    }

    private static Tensor textOutput(String text) {
        return Tensor.ofStrings("text_output", new long[] {1}, new String[] {text});
    }

    /**
     * Runs the sample; {@code --help} lists the options. Exits with 2 for a wrong command line and
     * with 1 when the job fails, printing the root cause first (see {@link SampleMain}).
     */
    public static void main(String[] args) {
        SampleMain.main(
                TextGenerationJob.class.getSimpleName(),
                defaults(),
                args,
                (options, out) -> run(options, PROMPTS, out));
    }

    /**
     * Runs the sample with {@code options}, sending the {@code options.records()} prompts that
     * cycle through {@code prompts}, and prints each prompt's reply to {@code out}.
     *
     * @return the streamed pieces of each prompt's reply, in the order the model sent them, by
     *     prompt id; every prompt has an entry, empty when the model sent no response
     */
    public static Map<Long, List<String>> run(
            SampleOptions options, List<String> prompts, PrintStream out) throws Exception {
        String endpoint = options.endpoint().orElse("");
        if (!endpoint.isEmpty() && !endpoint.startsWith("grpc")) {
            throw new IllegalArgumentException(
                    "A decoupled model streams its responses over gRPC only: give --endpoint"
                            + " grpc://host:8001, not "
                            + endpoint);
        }
        // Decoupled models answer over gRPC's ModelStreamInfer only: the embedded server serves it.
        SampleOptions serverOptions =
                options.endpoint().isPresent() ? options : options.toBuilder().grpc(true).build();
        String jobName = "flink-triton sample: text generation";
        try (SampleServer server =
                SampleServer.start(serverOptions, TextGenerationJob::embeddedModel)) {
            out.println(jobName + ": " + serverOptions);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            DataStream<Word> words = pipeline(env, server.endpoint(), options, prompts);
            OptionalLong before = server.requests();
            Map<Long, List<String>> replies = new TreeMap<>();
            for (long id = 0; id < options.records(); id++) {
                replies.put(id, new ArrayList<>());
            }
            int responses = 0;
            CloseableIterator<Word> collected = words.executeAndCollect(jobName);
            try {
                while (collected.hasNext()) {
                    Word word = collected.next();
                    replies.get(word.promptId).add(word.text);
                    responses++;
                }
            } finally {
                collected.close();
            }
            OptionalLong after = server.requests();
            int shown = 0;
            for (Map.Entry<Long, List<String>> reply : replies.entrySet()) {
                if (shown++ >= options.show()) {
                    break;
                }
                long id = reply.getKey();
                out.println(
                        "  #"
                                + id
                                + " \""
                                + prompts.get((int) (id % prompts.size()))
                                + "\" -> \""
                                + String.join("", reply.getValue())
                                + "\" ("
                                + reply.getValue().size()
                                + " responses)");
            }
            long silent = replies.values().stream().filter(List::isEmpty).count();
            out.println(
                    "summary: "
                            + replies.size()
                            + " prompts, "
                            + responses
                            + " streamed responses, "
                            + silent
                            + " prompts without any"
                            + (before.isPresent() && after.isPresent()
                                    ? ", " + (after.getAsLong() - before.getAsLong()) + " requests"
                                    : ""));
            return replies;
        }
    }

    /**
     * The job's graph, ending in one {@link Word} per streamed response.
     *
     * @param prompts the prompts to cycle through; prompt {@code id} is {@code prompts.get(id %
     *     prompts.size())}
     */
    public static DataStream<Word> pipeline(
            StreamExecutionEnvironment env,
            String endpoint,
            SampleOptions options,
            List<String> prompts) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("No prompts to send");
        }
        env.setParallelism(options.parallelism());
        List<String> texts = List.copyOf(prompts);
        String parameters = samplingParameters(options.intOption("--max-tokens"));
        DataStream<Prompt> requests =
                SampleSources.ids(env, options)
                        .map(
                                id ->
                                        new Prompt(
                                                id,
                                                texts.get((int) (id % texts.size())),
                                                parameters,
                                                Micros.now()))
                        .returns(Prompt.class)
                        .name("generate prompts");
        return TritonInference.builder(Prompt.class, Chunk.class)
                .endpoint(endpoint)
                .model(options.model())
                .maxBatchSize(options.maxBatchSize())
                .maxBatchDelay(options.maxBatchDelay())
                .batchTimeout(options.batchTimeout())
                .capacity(options.capacity())
                .uid("text-generation") // savepoints restore its state by it
                .build()
                .apply(requests, Word::of, Word.class)
                .map(
                        word -> {
                            word.doneMicros = Micros.now();
                            return word;
                        })
                .returns(Word.class)
                .name("stamp latency");
    }
}
