package org.flinktriton.samples.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.flinktriton.samples.generate.TextGenerationJob;
import org.flinktriton.testkit.TritonTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs {@link TextGenerationJob} from the samples' fat jar with {@code flink run} on a standalone
 * Flink cluster of separate JVMs (a JobManager and two task managers, {@link
 * StandaloneFlinkCluster}), against the testkit server in the test's JVM serving the sample's
 * decoupled model over gRPC ({@code ModelStreamInfer}) on {@code 127.0.0.1}, each response {@value
 * #RESPONSE_DELAY_MS} ms after the one before, so that a reply of four to seven words takes a few
 * hundred milliseconds and every subtask has several records mid-reply at any time. After a
 * checkpoint has completed, the test kills the task manager that runs the most subtasks with
 * SIGKILL while the server is in the middle of streaming replies to it (the server's count of
 * requests in flight at the kill says so), and checks that Flink restores the job from its
 * checkpoint and that the job ends with every response of every prompt exactly once.
 *
 * <p><b>Delivery guarantee.</b> The operator emits a prompt's responses together once its final
 * response has come (the default), so a checkpoint never splits them; the sample collects its
 * output with {@code executeAndCollect}, whose sink is exactly-once with checkpointing on (the
 * client sees what a completed checkpoint covers; after a restore the sink resends from it), as in
 * {@link TextClassificationJobClusterIT}. The prompts that were open at the kill, and those after
 * the checkpoint, are sent to the server again, so the server streams more responses than the job
 * delivers. The sample prints each prompt's reply joined and its count of responses: a lost
 * response, a repeated one or one out of order changes the text or the count.
 *
 * <p>Run it alone with {@code mvn -B -pl samples -am verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=TextGenerationJobClusterIT}.
 */
class TextGenerationJobClusterIT {
    private static final int PROMPTS = 1_500;
    private static final int PER_SECOND = 100;
    private static final int RESPONSE_DELAY_MS = 40;
    private static final Pattern REPLY =
            Pattern.compile("^  #(\\d+) \"(.*)\" -> \"(.*)\" \\((\\d+) responses\\)$");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyResponseComesOutExactlyOnceAfterATaskManagerIsKilledMidStream() throws Exception {
        Path jar = FailoverRun.samplesJar();
        Path dir = FailoverRun.clusterDir("flink-cluster-generate");
        long started = System.nanoTime();
        try (TritonTestServer server =
                TritonTestServer.builder()
                        .grpc()
                        .model(TextGenerationJob.embeddedModel(TextGenerationJob.MODEL))
                        .start()) {
            server.faults().streamResponseDelay(Duration.ofMillis(RESPONSE_DELAY_MS));
            StandaloneFlinkCluster cluster =
                    FailoverRun.cluster(dir, FailoverRun.flinkClassPath())
                            .config("execution.checkpointing.interval", "1 s")
                            .start();
            try {
                cluster.awaitTaskManagers(Duration.ofMinutes(2));
                double clusterSeconds = FailoverRun.secondsSince(started);

                FailoverRun run =
                        FailoverRun.submit(
                                cluster,
                                jar,
                                TextGenerationJob.class.getName(),
                                List.of(
                                        "--endpoint",
                                        server.grpcEndpoint(),
                                        "--records",
                                        String.valueOf(PROMPTS),
                                        "--records-per-second",
                                        String.valueOf(PER_SECOND),
                                        "--parallelism",
                                        "2",
                                        "--show",
                                        String.valueOf(PROMPTS)));
                run.awaitCheckpointWhileRunning();
                // Mid-stream: replies being streamed when the task manager goes.
                int inFlightAtKill = server.stats().inFlight();
                long responsesAtKill = server.stats().streamResponses();
                String victim = run.killBusiestTaskManager();
                double killedAtSeconds = FailoverRun.secondsSince(started);
                assertThat(inFlightAtKill)
                        .as("prompts the server was streaming replies to at the kill")
                        .isPositive();
                run.awaitRestore();

                assertThat(run.client().process().waitFor(3, TimeUnit.MINUTES))
                        .as("the client to finish (flink run waits for the job)")
                        .isTrue();
                String output = run.client().output();
                assertThat(run.client().process().exitValue())
                        .as("flink run's exit code; its output:%n%s", output)
                        .isZero();
                run.assertRestoredAfterLosing(victim);

                long expectedResponses = checkEveryReplyOnce(output);
                assertThat(output)
                        .contains(
                                "summary: "
                                        + PROMPTS
                                        + " prompts, "
                                        + expectedResponses
                                        + " streamed responses, 0 prompts without any")
                        .doesNotContain("WARNING");
                // Prompts open at the kill and after the checkpoint were streamed again.
                assertThat(server.stats().streamResponses()).isGreaterThan(expectedResponses);
                System.out.printf(
                        Locale.ROOT,
                        "%s: cluster up in %.1f s; killed %s at %.1f s with %d prompts mid-reply"
                                + " and %d responses streamed; server streamed %d responses for"
                                + " %d delivered; whole test %.1f s%n%s%n",
                        TextGenerationJobClusterIT.class.getSimpleName(),
                        clusterSeconds,
                        victim,
                        killedAtSeconds,
                        inFlightAtKill,
                        responsesAtKill,
                        server.stats().streamResponses(),
                        expectedResponses,
                        FailoverRun.secondsSince(started),
                        output.lines()
                                .filter(line -> line.startsWith("summary:"))
                                .collect(Collectors.joining()));
            } catch (Throwable failure) {
                System.err.println(
                        "Flink cluster logs (" + cluster.logDir() + "):" + cluster.logTails(40));
                throw failure;
            } finally {
                cluster.close();
            }
        }
    }

    /**
     * Checks that the output shows every prompt once, each with the model's whole reply: its pieces
     * in order, none missing, none twice. Returns the number of responses that makes.
     */
    private static long checkEveryReplyOnce(String output) {
        Map<Long, List<String>> replies = new TreeMap<>();
        for (String line : output.lines().toList()) {
            Matcher matcher = REPLY.matcher(line);
            if (matcher.matches()) {
                List<String> previous =
                        replies.put(
                                Long.parseLong(matcher.group(1)),
                                List.of(matcher.group(2), matcher.group(3), matcher.group(4)));
                assertThat(previous).as("prompt %s shown twice", matcher.group(1)).isNull();
            }
        }
        assertThat(replies.keySet())
                .as("prompts shown")
                .containsExactlyElementsOf(LongStream.range(0, PROMPTS).boxed().toList());
        long responses = 0;
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Long, List<String>> entry : replies.entrySet()) {
            long id = entry.getKey();
            String prompt =
                    TextGenerationJob.PROMPTS.get((int) (id % TextGenerationJob.PROMPTS.size()));
            List<String> words =
                    TextGenerationJob.reply(prompt, TextGenerationJob.DEFAULT_MAX_TOKENS);
            List<String> expected =
                    List.of(prompt, String.join("", words), String.valueOf(words.size()));
            if (!entry.getValue().equals(expected)) {
                wrong.add("#" + id + ": " + entry.getValue() + ", expected " + expected);
            }
            responses += words.size();
        }
        assertThat(wrong).as("prompts whose reply is not the model's, once").isEmpty();
        return responses;
    }
}
