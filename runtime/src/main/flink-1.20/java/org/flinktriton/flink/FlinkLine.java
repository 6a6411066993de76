package org.flinktriton.flink;

import org.apache.flink.api.common.functions.Function;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * The Flink 1.20 line's side of the operator APIs that differ between the Flink lines flink-triton
 * is built for: the only code that does. This copy (in {@code src/main/flink-1.20/java}) goes into
 * the 1.20 artifact (Maven profile {@code flink-1.20}); the one in {@code src/main/flink-2/java}
 * goes into the 2.x artifact. Both declare the same names, so the rest of the code is the same for
 * both.
 */
final class FlinkLine {

    private FlinkLine() {}

    /**
     * A one-input operator with a user function, set up from its factory's parameters. In 1.20 the
     * constructor takes the function alone; the factory sets the processing-time service and calls
     * the public {@code setup}, as Flink 1.20's own {@code AsyncWaitOperatorFactory} does.
     */
    abstract static class UdfStreamOperator<OUT, F extends Function>
            extends AbstractUdfStreamOperator<OUT, F> {

        private static final long serialVersionUID = 1L;

        UdfStreamOperator(StreamOperatorParameters<OUT> parameters, F function) {
            super(function);
            this.processingTimeService = parameters.getProcessingTimeService();
            setup(
                    parameters.getContainingTask(),
                    parameters.getStreamConfig(),
                    parameters.getOutput());
        }
    }

    /**
     * The marker the job graph generator checks before chaining an operator to a legacy source.
     * Deprecated in 1.20, yet the only one the generator checks.
     */
    @SuppressWarnings("deprecation")
    interface YieldingFactory<OUT>
            extends org.apache.flink.streaming.api.operators.YieldingOperatorFactory<OUT> {}
}
