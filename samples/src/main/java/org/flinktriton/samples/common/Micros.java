package org.flinktriton.samples.common;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the epoch. The samples stamp a record when it is generated
 * and again after the inference operator; a wall clock (rather than {@code System.nanoTime()})
 * keeps the two comparable when they are taken in different task managers, as long as their clocks
 * are synchronised.
 */
public final class Micros {
    private Micros() {}

    /** Now, in microseconds since the epoch. */
    public static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
