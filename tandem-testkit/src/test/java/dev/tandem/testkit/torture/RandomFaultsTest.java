package dev.tandem.testkit.torture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RandomFaultsTest {

  @Test
  void injectsEveryKindOnceFirstAndHealsEverythingWhenStopped() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch allInjected = new CountDownLatch(3);
    List<Fault> faults = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      faults.add(
          Fault.held(
              name,
              () -> {
                log.add("inject " + name);
                allInjected.countDown();
              },
              () -> log.add("heal " + name),
              Duration.ofMillis(4)));
    }
    RandomFaults nemesis = new RandomFaults(faults, 42, Duration.ofMillis(4));

    nemesis.start();
    assertThat(allInjected.await(10, TimeUnit.SECONDS)).isTrue();
    nemesis.stop();

    List<String> injections = log.stream().filter(s -> s.startsWith("inject")).toList();
    assertThat(injections.subList(0, 3))
        .containsExactlyInAnyOrder("inject a", "inject b", "inject c");
    assertThat(log.subList(log.size() - 3, log.size()))
        .containsExactly("heal a", "heal b", "heal c");
    assertThat(nemesis.summary()).anyMatch(line -> line.startsWith("a: "));
    List<Injection> timeline = nemesis.injections();
    assertThat(timeline.stream().map(i -> "inject " + i.fault()).toList())
        .as("every fault healed, in the order injected")
        .isEqualTo(injections.subList(0, timeline.size()));
    assertThat(timeline)
        .hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(i -> assertThat(i.healedAt()).isGreaterThan(i.injectedAt()));
    for (int i = 1; i < timeline.size(); i++) {
      assertThat(timeline.get(i).injectedAt())
          .isGreaterThanOrEqualTo(timeline.get(i - 1).healedAt());
    }
  }

  @Test
  void aFaultThatCannotBeInjectedIsCountedAndHealed() throws Exception {
    CountDownLatch tried = new CountDownLatch(1);
    List<String> healed = Collections.synchronizedList(new ArrayList<>());
    Fault broken =
        Fault.held(
            "broken",
            () -> {
              tried.countDown();
              throw new IllegalStateException("server is restarting");
            },
            () -> healed.add("broken"),
            Duration.ofMillis(1));
    RandomFaults nemesis = new RandomFaults(List.of(broken), 7, Duration.ofMillis(4));

    nemesis.start();
    assertThat(tried.await(10, TimeUnit.SECONDS)).isTrue();
    nemesis.stop();

    assertThat(healed).isNotEmpty();
    assertThat(nemesis.summary())
        .anyMatch(
            line -> line.startsWith("broken: 0 times") && line.contains("could not be injected"))
        .anyMatch(line -> line.contains("server is restarting"));
  }

  @Test
  void aCostlyFaultIsNotRepeatedWithinItsInterval() throws Exception {
    CountDownLatch cheap = new CountDownLatch(20);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    RandomFaults nemesis =
        new RandomFaults(
            List.of(
                Fault.instant("restart", () -> log.add("restart")).atMostEvery(Duration.ofHours(1)),
                Fault.instant("drop", cheap::countDown)),
            3,
            Duration.ofMillis(2));

    nemesis.start();
    assertThat(cheap.await(10, TimeUnit.SECONDS)).isTrue();
    nemesis.stop();

    assertThat(log).containsExactly("restart");
  }
}
