package org.flinktriton.client;

import org.slf4j.LoggerFactory;

/**
 * The client's few log lines. They go to SLF4J, which Flink provides; a client used on its own
 * without SLF4J on the class path logs through the JDK's {@link System.Logger} instead of failing
 * with a {@link NoClassDefFoundError} (SLF4J is a {@code provided} dependency).
 */
final class ClientLog {
    private static final boolean SLF4J = isPresent("org.slf4j.LoggerFactory");

    private ClientLog() {}

    static void warn(Class<?> owner, String message) {
        if (SLF4J) {
            Slf4j.warn(owner, message);
        } else {
            System.getLogger(owner.getName()).log(System.Logger.Level.WARNING, message);
        }
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, ClientLog.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when SLF4J is there: the only class here that names it. */
    private static final class Slf4j {
        static void warn(Class<?> owner, String message) {
            LoggerFactory.getLogger(owner).warn(message);
        }
    }
}
