package org.flinktriton.flink;

import org.apache.flink.api.common.functions.Function;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * The Flink 2.x line's side of the operator APIs that differ between the Flink lines flink-triton
 * is built for: the only code that does. This copy (in {@code src/main/flink-2/java}) goes into the
 * 2.x artifact, compiled against Flink 2.0, the oldest 2.x; the one in {@code
 * src/main/flink-1.20/java} goes into the 1.20 artifact (Maven profile {@code flink-1.20}). Both
 * declare the same names, so the rest of the code is the same for both.
 */
final class FlinkLine {

    private FlinkLine() {}

    /**
     * A one-input operator with a user function, set up from its factory's parameters. Since 2.0
     * the parameters go to the constructor, which runs {@code setup} (now protected).
     */
    abstract static class UdfStreamOperator<OUT, F extends Function>
            extends AbstractUdfStreamOperator<OUT, F> {

        private static final long serialVersionUID = 1L;

        UdfStreamOperator(StreamOperatorParameters<OUT> parameters, F function) {
            super(parameters, function);
        }
    }

    /**
     * The marker the job graph generator checks before chaining an operator to a legacy source. It
     * moved to the {@code legacy} package in 2.0 and is deprecated there, yet up to 2.3 it is still
     * the only one the generator checks.
     */
    @SuppressWarnings("deprecation")
    interface YieldingFactory<OUT>
            extends org.apache.flink.streaming.api.operators.legacy.YieldingOperatorFactory<OUT> {}
}
