package org.flinktriton.client;

/**
 * The errors a client never turns into a request failure: they say the JVM (or the deployment) is
 * broken, not the request, so they reach the caller as themselves and are thrown on, instead of
 * becoming a {@link org.flinktriton.TritonException} that a job might dead-letter record by record
 * while the TaskManager limps on.
 *
 * <p>The rule follows Flink's {@code ExceptionUtils.isJvmFatalOrOutOfMemoryError} ({@link
 * InternalError}, {@link UnknownError}, {@link ThreadDeath}, {@link OutOfMemoryError}), written
 * here because the client runs without Flink on the class path. It is wider in two ways: every
 * {@link VirtualMachineError} (so {@link StackOverflowError} too), and {@link LinkageError}: a
 * codec or library class that cannot be loaded or initialised fails every record alike, and only
 * the task failing shows it.
 */
final class FatalErrors {
    private FatalErrors() {}

    /** Whether {@code t} is fatal by the rule of the class comment. */
    static boolean isFatal(Throwable t) {
        return t instanceof VirtualMachineError
                || t instanceof LinkageError
                || t instanceof ThreadDeath;
    }

    /** The first fatal error in {@code t}'s chain of causes, {@code t} included; or null. */
    static Error find(Throwable t) {
        for (int depth = 0; t != null && depth < 64; t = t.getCause(), depth++) {
            if (isFatal(t)) {
                return (Error) t;
            }
        }
        return null;
    }

    /** Throws the fatal error in {@code t}'s chain, if there is one. */
    static void rethrowIfFatal(Throwable t) {
        Error fatal = find(t);
        if (fatal != null) {
            throw fatal;
        }
    }
}
