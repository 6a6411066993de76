package org.flinktriton.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flinktriton.testkit.V2Http.infer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FaultEngine}, the seeded decisions behind {@link Faults}, without a transport: the same
 * seed and settings give the same decisions, and a request over HTTP meets exactly the decision the
 * engine gives its n-th call, so that another face of the server asking the same engine would meet
 * the same.
 */
@Timeout(60)
class FaultEngineTest {
    /** Seeded rates of every kind, a counted failure and a periodic one. */
    private static final Consumer<Faults> CHAOS =
            faults ->
                    faults.seed(11)
                            .failRate(0.2, 503, "reloading")
                            .failRate(0.1, 429, "busy", Duration.ofMillis(1500))
                            .latencySpikes(0.1, Duration.ofMillis(1))
                            .failNext(2, 500, "first two")
                            .failEvery(7, 502, "every seventh");

    /** What the engine decides for {@code count} requests, one line each. */
    private static List<String> decisions(FaultEngine engine, int count) {
        List<String> decisions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FaultEngine.Before before = engine.beforeInfer();
            decisions.add(
                    before.kind
                            + " "
                            + before.status
                            + " "
                            + before.retryAfter
                            + " "
                            + before.spikeNanos);
        }
        return decisions;
    }

    private static FaultEngine engine() {
        FaultEngine engine = new FaultEngine();
        CHAOS.accept(new Faults(engine));
        return engine;
    }

    @Test
    void theSameSeedAndSettingsGiveTheSameDecisions() {
        List<String> first = decisions(engine(), 400);
        List<String> second = decisions(engine(), 400);

        assertThat(second).isEqualTo(first);
        assertThat(first).first().asString().startsWith("FAIL 500");
        assertThat(first).anyMatch(line -> line.startsWith("FAIL 503 null"));
        assertThat(first).anyMatch(line -> line.startsWith("FAIL 429 2 "));
        assertThat(first).anyMatch(line -> line.startsWith("FAIL 502"));
        assertThat(first).anyMatch(line -> line.startsWith("NONE 0 null 0"));
        assertThat(first).anyMatch(line -> line.endsWith(" 1000000"));

        FaultEngine reseeded = engine();
        new Faults(reseeded).seed(12);
        assertThat(decisions(reseeded, 400)).isNotEqualTo(first);
    }

    @Test
    void anHttpRequestMeetsTheDecisionOfTheEnginesNthCall() {
        List<Integer> expected = new ArrayList<>();
        for (String decision : decisions(engine(), 60)) {
            expected.add(
                    decision.startsWith("FAIL") ? Integer.parseInt(decision.split(" ")[1]) : 200);
        }

        List<Integer> seen = new ArrayList<>();
        try (TritonTestServer server = TritonTestServer.start(TestModels.simple())) {
            CHAOS.accept(server.faults());
            for (int i = 0; i < 60; i++) {
                seen.add(
                        infer(server.endpoint() + "/v2/models/simple/infer", FaultsTest.BODY)
                                .status);
            }
        }

        assertThat(seen).isEqualTo(expected);
        assertThat(seen).contains(200, 500, 503, 429, 502);
    }
}
