package org.flinktriton.samples.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A sample's {@code main} as a person at a terminal meets it: {@link SampleMain#run} with the
 * standard output and error captured, and the checks every sample must pass.
 *
 * <pre>{@code
 * Terminal.checkCommandLine("TextClassificationJob", TextClassificationJob::defaults,
 *         TextClassificationJob::run, "sentiment");
 * }</pre>
 */
public record Terminal(int exitCode, String out, String err) {

    /** Runs the sample's main with {@code args}. */
    public static Terminal run(
            String job,
            Supplier<SampleOptions.Builder> defaults,
            SampleMain.Body body,
            String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = SampleMain.run(job, defaults.get(), args, o, e, body);
        }
        return new Terminal(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The lines of the standard error. */
    public List<String> errLines() {
        return new ArrayList<>(err.lines().toList());
    }

    /**
     * The checks of the issue "every sample, as a person at a terminal meets it": a wrong option
     * prints one line naming it, then the usage, and exits with 2; a dead endpoint fails the job
     * with one line that names the model and the endpoint first, the exception chain only under
     * {@code --verbose}, and exits with 1; {@code --records 0} runs and says so in the summary.
     * {@code extraArgs} go with every run that gets past the command line.
     */
    public static void checkCommandLine(
            String job,
            Supplier<SampleOptions.Builder> defaults,
            SampleMain.Body body,
            String model,
            String... extraArgs) {
        Terminal wrong = run(job, defaults, body, "--records", "10", "--colour", "blue");
        assertThat(wrong.exitCode()).isEqualTo(SampleMain.USAGE);
        assertThat(wrong.errLines().get(0)).isEqualTo(job + ": Unknown option --colour");
        assertThat(wrong.errLines().get(1)).isEqualTo("Usage: " + job + " [options]");
        assertThat(wrong.err()).contains("--records-per-second N").doesNotContain("Exception");
        assertThat(wrong.out()).isEmpty();

        Terminal bad = run(job, defaults, body, "--records", "ten");
        assertThat(bad.exitCode()).isEqualTo(SampleMain.USAGE);
        assertThat(bad.errLines().get(0))
                .isEqualTo(job + ": --records takes a whole number, not 'ten'");

        List<String> none = new ArrayList<>(List.of("--records", "0"));
        none.addAll(List.of(extraArgs));
        Terminal empty = run(job, defaults, body, none.toArray(String[]::new));
        assertThat(empty.exitCode()).as(empty.err()).isEqualTo(SampleMain.OK);
        assertThat(empty.out()).contains("summary: 0 records, ");
        assertThat(empty.err()).doesNotContain("Exception");

        String dead = "http://127.0.0.1:" + closedPort();
        String expected =
                job
                        + " failed: Model '"
                        + model
                        + "': cannot connect to "
                        + dead
                        + " (Connection refused)";
        // The metadata fetch at start retries a refused connection until the batch timeout.
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--endpoint",
                                dead,
                                "--records",
                                "20",
                                "--batch-timeout-ms",
                                "1500"));
        args.addAll(List.of(extraArgs));
        Terminal failed = run(job, defaults, body, args.toArray(String[]::new));
        assertThat(failed.exitCode()).as(failed.err()).isEqualTo(SampleMain.FAILED);
        assertThat(failed.errLines())
                .as(failed.err())
                .containsExactly(expected, "(--verbose prints the whole exception chain)");

        args.add("--verbose");
        Terminal verbose = run(job, defaults, body, args.toArray(String[]::new));
        assertThat(verbose.exitCode()).isEqualTo(SampleMain.FAILED);
        assertThat(verbose.errLines().get(0)).isEqualTo(expected);
        assertThat(verbose.err())
                .contains("Caused by: org.flinktriton.TritonConnectionException")
                .contains("\tat ");
    }

    /** A loopback port that nothing listens on: a connection to it is refused. */
    public static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
