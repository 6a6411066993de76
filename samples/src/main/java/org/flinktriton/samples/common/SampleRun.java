package org.flinktriton.samples.common;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs a sample's job, collects its results into the client, and prints the first few results and
 * the {@link RunSummary}. The summary's request count is the difference of the server's counter
 * before and after the job.
 *
 * <pre>{@code
 * List<SimpleSum> results =
 *         SampleRun.execute("simple", pipeline, server, options, comparing(r -> r.id), System.out);
 * }</pre>
 */
public final class SampleRun {
    private SampleRun() {}

    /**
     * Executes the job that ends in {@code results} and prints its outcome.
     *
     * @param jobName the Flink job name
     * @param results the job's output, collected into this process
     * @param server the server the job calls, for the request count
     * @param options how many results to print ({@link SampleOptions#show()})
     * @param order the order in which to print results (all are returned in it)
     * @param out where to print
     * @return every result, sorted by {@code order}
     */
    public static <T extends Timed> List<T> execute(
            String jobName,
            DataStream<T> results,
            SampleServer server,
            SampleOptions options,
            Comparator<? super T> order,
            PrintStream out)
            throws Exception {
        out.println(jobName + ": " + options);
        OptionalLong before = server.requests();
        List<T> collected = new ArrayList<>();
        CloseableIterator<T> iterator = results.executeAndCollect(jobName);
        try {
            iterator.forEachRemaining(collected::add);
        } finally {
            iterator.close();
        }
        OptionalLong after = server.requests();
        if (collected.size() != options.records()) {
            out.println(
                    "WARNING: "
                            + options.records()
                            + " records went in, but "
                            + collected.size()
                            + " results came back");
        }
        collected.sort(order);
        for (int i = 0; i < Math.min(options.show(), collected.size()); i++) {
            out.println("  " + collected.get(i));
        }
        OptionalLong requests =
                before.isPresent() && after.isPresent()
                        ? OptionalLong.of(after.getAsLong() - before.getAsLong())
                        : OptionalLong.empty();
        out.println(RunSummary.of(collected, requests));
        return collected;
    }
}
