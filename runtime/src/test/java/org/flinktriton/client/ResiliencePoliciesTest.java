package org.flinktriton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/** The policies' values, defaults and checks; Retry-After parsing; the AIMD limit on its own. */
class ResiliencePoliciesTest {

    @Test
    void retryDefaultsAreOnAndDocumented() {
        RetryPolicy policy = RetryPolicy.defaults();

        assertThat(policy.enabled()).isTrue();
        assertThat(policy.maxAttempts()).isEqualTo(8);
        assertThat(policy.initialBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.maxBackoff()).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.multiplier()).isEqualTo(2.0);
        assertThat(policy.jitter()).isEqualTo(0.5);
        assertThat(policy.budget()).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryPolicy.builder().build()).isEqualTo(policy).hasSameHashCodeAs(policy);
        assertThat(RetryPolicy.none().enabled()).isFalse();
        assertThat(RetryPolicy.none()).hasToString("RetryPolicy{none}");
        assertThat(policy)
                .hasToString(
                        "RetryPolicy{8 attempts, backoff 100 ms..5000 ms x2.0 ±0.5, budget 30000"
                                + " ms}");
    }

    @Test
    void theBudgetIsLoweredNeverRaised() {
        RetryPolicy policy = RetryPolicy.defaults();

        assertThat(policy.withBudgetAtMost(Duration.ofSeconds(10)).budget())
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.withBudgetAtMost(Duration.ofSeconds(60))).isSameAs(policy);
        RetryPolicy unlimited = policy.toBuilder().budget(Duration.ZERO).build();
        assertThat(unlimited.withBudgetAtMost(Duration.ofSeconds(10)).budget())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void retrySettersRefuseBadValues() {
        RetryPolicy.Builder builder = RetryPolicy.builder();
        assertThatThrownBy(() -> builder.maxAttempts(0))
                .hasMessage("maxAttempts must be at least 1, not 0");
        assertThatThrownBy(() -> builder.initialBackoff(Duration.ZERO))
                .hasMessage("initialBackoff must be at least 1 ms");
        assertThatThrownBy(() -> builder.multiplier(0.5))
                .hasMessage("multiplier must be a finite number of at least 1, not 0.5");
        assertThatThrownBy(() -> builder.jitter(1.5))
                .hasMessage("jitter must be between 0 and 1, not 1.5");
        assertThatThrownBy(() -> builder.budget(Duration.ofMillis(-1)))
                .hasMessage("budget must not be negative");
        assertThatThrownBy(
                        () ->
                                RetryPolicy.builder()
                                        .initialBackoff(Duration.ofSeconds(2))
                                        .maxBackoff(Duration.ofSeconds(1))
                                        .build())
                .hasMessage("maxBackoff 1000 ms is below initialBackoff 2000 ms");
    }

    @Test
    void breakerIsOffByDefaultAndOnWhenBuilt() {
        assertThat(CircuitBreakerPolicy.none().enabled()).isFalse();
        CircuitBreakerPolicy on = CircuitBreakerPolicy.defaults();
        assertThat(on.enabled()).isTrue();
        assertThat(on.failureThreshold()).isEqualTo(0.5);
        assertThat(on.minimumCalls()).isEqualTo(20);
        assertThat(on.windowSize()).isEqualTo(50);
        assertThat(on.openDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(on.halfOpenProbes()).isEqualTo(3);
        assertThat(CircuitBreakerPolicy.builder().build()).isEqualTo(on);
        assertThat(on).isNotEqualTo(CircuitBreakerPolicy.none());
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().failureThreshold(0))
                .hasMessage("failureThreshold must be above 0 and at most 1, not 0.0");
        assertThatThrownBy(() -> CircuitBreakerPolicy.builder().halfOpenProbes(0))
                .hasMessage("halfOpenProbes must be at least 1, not 0");
    }

    @Test
    void policiesRoundTripThroughSerialization() throws Exception {
        RetryPolicy retry = RetryPolicy.builder().maxAttempts(3).jitter(0.1).build();
        CircuitBreakerPolicy breaker = CircuitBreakerPolicy.builder().minimumCalls(5).build();

        assertThat(InstantiationUtil.clone(retry)).isEqualTo(retry);
        assertThat(InstantiationUtil.clone(breaker)).isEqualTo(breaker);
        assertThat(InstantiationUtil.clone(CircuitBreakerPolicy.none()).enabled()).isFalse();
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        long now =
                ZonedDateTime.of(2026, 12, 1, 12, 0, 0, 0, ZoneOffset.UTC).toEpochSecond() * 1000;
        String inTenSeconds =
                DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        ZonedDateTime.of(2026, 12, 1, 12, 0, 10, 0, ZoneOffset.UTC));

        assertThat(HttpFailures.retryAfter("3", now)).isEqualTo(Duration.ofSeconds(3));
        assertThat(HttpFailures.retryAfter(" 0 ", now)).isEqualTo(Duration.ZERO);
        assertThat(HttpFailures.retryAfter(inTenSeconds, now)).isEqualTo(Duration.ofSeconds(10));
        assertThat(HttpFailures.retryAfter("Tue, 01 Dec 2026 11:00:00 GMT", now))
                .isEqualTo(Duration.ZERO);
        assertThat(HttpFailures.retryAfter("soon", now)).isNull();
        assertThat(HttpFailures.retryAfter("-5", now)).isNull();
        assertThat(HttpFailures.retryAfter(null, now)).isNull();
    }

    @Test
    void theLimitQueuesBeyondItselfAndHalvesOncePerWindow() {
        ConcurrencyLimit limit = new ConcurrencyLimit(4, true);
        List<ConcurrencyLimit.Permit> permits = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            limit.acquire(permits::add);
        }
        assertThat(permits).hasSize(4);
        assertThat(limit.waiting()).isEqualTo(2);

        // Two overloads from requests of the same window: one decrease.
        limit.release(permits.get(0), ConcurrencyLimit.Signal.OVERLOAD);
        limit.release(permits.get(1), ConcurrencyLimit.Signal.OVERLOAD);
        assertThat(limit.limit()).isEqualTo(2);
        assertThat(limit.inFlight()).isEqualTo(2);
        assertThat(limit.waiting()).isEqualTo(2);

        limit.release(permits.get(2), ConcurrencyLimit.Signal.SUCCESS);
        assertThat(permits).hasSize(5);
        limit.release(permits.get(3), ConcurrencyLimit.Signal.SUCCESS);
        // Two successes at limit 2: one more.
        assertThat(limit.limit()).isEqualTo(3);
        assertThat(permits).hasSize(6);
        assertThat(limit.waiting()).isZero();

        // A permit is released once, whatever its caller does.
        limit.release(permits.get(3), ConcurrencyLimit.Signal.SUCCESS);
        assertThat(limit.inFlight()).isEqualTo(2);
    }

    @Test
    void aFixedLimitNeverMoves() {
        ConcurrencyLimit limit = new ConcurrencyLimit(4, false);
        List<ConcurrencyLimit.Permit> permits = new ArrayList<>();
        limit.acquire(permits::add);
        limit.release(permits.get(0), ConcurrencyLimit.Signal.OVERLOAD);
        assertThat(limit.limit()).isEqualTo(4);
    }
}
