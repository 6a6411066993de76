package org.flinktriton.flink;

import java.util.Objects;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * Creates {@link AsyncBatchWaitOperator}s in the task, where the mailbox executor and the
 * processing-time service exist; the factory itself is what the job graph serializes.
 *
 * <p>It is a {@code YieldingOperatorFactory} ({@link FlinkLine.YieldingFactory}) only for what the
 * job graph generator makes of that marker: it never chains such an operator to a chain headed by a
 * legacy {@code SourceFunction}. Such a source emits from its own thread, and the operator's wait
 * for capacity yields to the mailbox, which only the mailbox thread may do. Flink's own {@code
 * AsyncWaitOperatorFactory} is marked the same way.
 */
final class AsyncBatchWaitOperatorFactory<IN, OUT> extends AbstractStreamOperatorFactory<OUT>
        implements OneInputStreamOperatorFactory<IN, OUT>, FlinkLine.YieldingFactory<OUT> {

    private static final long serialVersionUID = 1L;

    private final AsyncBatchFunction<IN, OUT> function;
    private final AsyncBatchOptions options;
    private final boolean ordered;

    AsyncBatchWaitOperatorFactory(
            AsyncBatchFunction<IN, OUT> function, AsyncBatchOptions options, boolean ordered) {
        this.function = Objects.requireNonNull(function, "function");
        this.options = Objects.requireNonNull(options, "options");
        this.ordered = ordered;
        // Chaining is safe: the operator never blocks the thread, it yields to the mailbox (but
        // see the class comment on legacy sources).
        this.chainingStrategy = ChainingStrategy.ALWAYS;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StreamOperator<OUT>> T createStreamOperator(
            StreamOperatorParameters<OUT> parameters) {
        return (T) new AsyncBatchWaitOperator<>(parameters, function, options, ordered);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
        return AsyncBatchWaitOperator.class;
    }
}
