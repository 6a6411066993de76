package org.flinktriton.flink;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.functions.async.ResultFuture;

/**
 * The {@link ResultFuture} that an {@link AsyncBatchFunction} completes, on every Flink version
 * that flink-triton supports, from one binary.
 *
 * <p>Flink's {@code ResultFuture} is not the same interface across versions: 2.1 added the abstract
 * method {@code complete(CollectionSupplier)} (a supplier the task thread evaluates), and Flink 2.0
 * and 1.20 have neither the method nor the type. A class compiled against 2.0, as the 2.x artifact
 * is, cannot implement that method, and a function on 2.1 or later that calls it would meet an
 * {@link AbstractMethodError}. So the future is a dynamic proxy: it implements whatever methods the
 * {@code ResultFuture} on the class path declares, and hands each to a {@link BatchCompletion}. A
 * {@code complete} whose parameter is not a {@link Collection} is the supplier form; its {@code
 * get()} is called reflectively, on the task thread. Nothing newer than the Flink the jar was
 * compiled against is called unless the function passed it in.
 *
 * <p>The proxy also implements {@link BatchCompletion}, so that {@link TritonInferenceFunction} can
 * complete on the task thread on any version ({@link #completeOnTaskThread}). It is equal only to
 * itself.
 */
final class BatchResultFuture {

    private BatchResultFuture() {}

    /** A {@link ResultFuture} that completes {@code batch}. */
    @SuppressWarnings("unchecked")
    static <OUT> ResultFuture<OUT> of(BatchCompletion<OUT> batch) {
        return (ResultFuture<OUT>)
                Proxy.newProxyInstance(
                        BatchCompletion.class.getClassLoader(),
                        new Class<?>[] {ResultFuture.class, BatchCompletion.class},
                        new Handler<>(batch));
    }

    /**
     * Completes {@code future} with {@code results} computed on the task thread when it is the
     * operator's future, or at once, on this thread, when it is another (a test's, say).
     */
    @SuppressWarnings("unchecked")
    static <OUT> void completeOnTaskThread(
            ResultFuture<OUT> future, Callable<? extends Collection<OUT>> results) {
        if (future instanceof BatchCompletion) {
            ((BatchCompletion<OUT>) future).completeOnTaskThread(results);
            return;
        }
        Collection<OUT> computed;
        try {
            computed = results.call();
        } catch (Exception e) {
            future.completeExceptionally(e);
            return;
        }
        future.complete(computed);
    }

    /**
     * Whether {@code future} takes results per input before its batch completes ({@link
     * BatchCompletion#emitEarly}): the operator's future does, another (a test's, say) does not.
     */
    static boolean takesEarlyResults(ResultFuture<?> future) {
        return future instanceof BatchCompletion;
    }

    private static final class Handler<OUT> implements InvocationHandler {
        private final BatchCompletion<OUT> batch;

        Handler(BatchCompletion<OUT> batch) {
            this.batch = batch;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            int arity = method.getParameterCount();
            if (arity == 0 && name.equals("timeout")) {
                return batch.timeout();
            }
            if (arity == 0 && name.equals("hashCode")) {
                return System.identityHashCode(proxy);
            }
            if (arity == 0 && name.equals("toString")) {
                return "ResultFuture of " + batch;
            }
            if (arity == 1 && name.equals("equals")) {
                return proxy == args[0];
            }
            if (arity == 1 && name.equals("completeExceptionally")) {
                batch.completeExceptionally((Throwable) args[0]);
                return null;
            }
            if (arity == 1 && name.equals("completeOnTaskThread")) {
                batch.completeOnTaskThread((Callable<? extends Collection<OUT>>) args[0]);
                return null;
            }
            if (arity == 2 && name.equals("emitEarly")) {
                batch.emitEarly((Integer) args[0], (Callable<? extends Collection<OUT>>) args[1]);
                return null;
            }
            if (arity == 2 && name.equals("completeInput")) {
                batch.completeInput(
                        (Integer) args[0], (Callable<? extends Collection<OUT>>) args[1]);
                return null;
            }
            if (arity == 1 && name.equals("complete")) {
                Class<?> parameter = method.getParameterTypes()[0];
                if (Collection.class.isAssignableFrom(parameter)) {
                    batch.complete((Collection<OUT>) args[0]);
                } else {
                    batch.completeOnTaskThread(supplied(parameter, args[0]));
                }
                return null;
            }
            if (method.isDefault()) {
                // A method a later Flink adds with a body of its own.
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException(
                    "ResultFuture."
                            + name
                            + " is not supported by flink-triton's batch operator; complete the"
                            + " batch with complete(Collection) or completeExceptionally(Throwable)");
        }

        /** Flink 2.1's {@code CollectionSupplier} (or a later form) as a callable. */
        @SuppressWarnings("unchecked")
        private Callable<Collection<OUT>> supplied(Class<?> supplierType, Object supplier) {
            return () -> {
                if (supplier == null) {
                    return null;
                }
                Method get = supplierType.getMethod("get");
                try {
                    return (Collection<OUT>) get.invoke(supplier);
                } catch (InvocationTargetException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Exception) {
                        throw (Exception) cause;
                    }
                    if (cause instanceof Error) {
                        throw (Error) cause;
                    }
                    throw e;
                }
            };
        }
    }
}
