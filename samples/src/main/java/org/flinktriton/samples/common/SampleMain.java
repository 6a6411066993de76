package org.flinktriton.samples.common;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.flinktriton.TritonException;

/**
 * What every sample's {@code main} does around its job, so that a person at a terminal meets the
 * same behaviour in each: a wrong command line prints one line that names the option, then the
 * usage, and exits with {@value #USAGE}; a job that fails prints the message of its root cause
 * first (for a failed inference the {@link TritonException}'s, which names the model and the
 * endpoint), the whole exception chain only under {@code --verbose}, and exits with {@value
 * #FAILED}.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     SampleMain.main(
 *             "TextClassificationJob", defaults(), args, (options, out) -> run(options, out));
 * }
 * }</pre>
 */
public final class SampleMain {
    /** The exit code of a sample that ran. */
    public static final int OK = 0;

    /** The exit code of a sample whose job (or its set-up) failed. */
    public static final int FAILED = 1;

    /** The exit code of a sample given a command line it cannot run with. */
    public static final int USAGE = 2;

    private SampleMain() {}

    /** What a sample does once its options are parsed. */
    @FunctionalInterface
    public interface Body {
        /** Runs the sample with {@code options}, printing its results to {@code out}. */
        void run(SampleOptions options, PrintStream out) throws Exception;
    }

    /**
     * Runs the sample on the process's standard output and error, and exits the JVM with the exit
     * code when it is not {@value #OK}.
     */
    public static void main(String job, SampleOptions.Builder defaults, String[] args, Body body) {
        int code = run(job, defaults, args, System.out, System.err, body);
        if (code != OK) {
            System.exit(code);
        }
    }

    /**
     * Parses {@code args} on top of {@code defaults} and runs {@code body}; returns the exit code.
     * Nothing is thrown: what goes wrong is printed to {@code err}.
     */
    public static int run(
            String job,
            SampleOptions.Builder defaults,
            String[] args,
            PrintStream out,
            PrintStream err,
            Body body) {
        Optional<SampleOptions> options;
        try {
            options = defaults.parse(job, args, out);
        } catch (SampleOptions.UsageException e) {
            err.println(job + ": " + e.getMessage());
            err.println(e.usage());
            return USAGE;
        }
        if (options.isEmpty()) {
            return OK;
        }
        try {
            body.run(options.get(), out);
            return OK;
        } catch (Throwable failure) {
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            err.println(job + " failed: " + describe(failure));
            if (options.get().verbose()) {
                failure.printStackTrace(err);
            } else {
                err.println("(--verbose prints the whole exception chain)");
            }
            return FAILED;
        }
    }

    /**
     * One line for a failure: the message of the {@link TritonException} nearest to the root of its
     * chain, which names the model and the endpoint; or, when there is none, the root cause's class
     * and message. Flink wraps a task's failure in several layers ("Job execution failed",
     * "Recovery is suppressed by …"); none of them says what went wrong.
     */
    public static String describe(Throwable failure) {
        List<Throwable> chain = chain(failure);
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (chain.get(i) instanceof TritonException triton) {
                return triton.getMessage();
            }
        }
        Throwable root = chain.get(chain.size() - 1);
        String message = root.getMessage();
        return root.getClass().getSimpleName()
                + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** The failure and its causes, outermost first, each once. */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }
}
