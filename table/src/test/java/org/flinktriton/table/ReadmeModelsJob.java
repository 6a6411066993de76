package org.flinktriton.table;

import java.io.PrintStream;
import java.util.Arrays;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The {@code main} of the JVMs {@link SameAnswersAsFlinkTritonIT} starts, one per provider: a Flink
 * distribution's {@code lib/} class path plus one provider's jar. It runs each of {@link
 * ReadmeStatements#STATEMENTS} through {@code 'provider' = <args[1]>}, one query each (Flink 2.3's
 * planner would merge two ML_PREDICT calls of one query into one), and prints every answer.
 *
 * <p>Flink's and the JDK's types only. Output, one fact per line, {@code |}-separated: {@code
 * ROW|model|id|value}, {@code FAILED|model|message} for a statement that failed, {@code DONE} last.
 */
public final class ReadmeModelsJob {
    private ReadmeModelsJob() {}

    /** {@code ReadmeModelsJob <endpoint> <provider>}. */
    @SuppressWarnings("try") // CloseableIterator.close() may throw InterruptedException
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        String endpoint = args[0];
        String provider = args[1];
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        // Their README's advice (raise the async capacity), for both providers alike.
        tEnv.getConfig().set("table.exec.async-ml-predict.max-concurrent-operations", "16");
        for (ReadmeStatements.Statement statement : ReadmeStatements.STATEMENTS) {
            try {
                tEnv.executeSql(statement.createView());
                tEnv.executeSql(statement.createModel(provider, endpoint));
                TableResult result = tEnv.executeSql(statement.query());
                try (CloseableIterator<Row> rows = result.collect()) {
                    while (rows.hasNext()) {
                        Row row = rows.next();
                        out.println(
                                "ROW|"
                                        + statement.model
                                        + "|"
                                        + row.getField(0)
                                        + "|"
                                        + text(row.getField(1)));
                    }
                }
            } catch (Exception e) {
                out.println(
                        "FAILED|" + statement.model + "|" + String.valueOf(e).replace('\n', ' '));
                e.printStackTrace(out);
            }
        }
        out.println("DONE");
        out.flush();
        // The MiniCluster's threads need not hold the JVM up.
        System.exit(0);
    }

    private static String text(Object value) {
        if (value instanceof Object[]) {
            return Arrays.toString((Object[]) value);
        }
        return String.valueOf(value);
    }
}
