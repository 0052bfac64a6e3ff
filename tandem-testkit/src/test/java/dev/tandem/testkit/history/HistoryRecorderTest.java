package dev.tandem.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

  @Test
  void concurrentClientsRecordAPairedHistoryInTimeOrder() throws Exception {
    HistoryRecorder recorder = new HistoryRecorder();
    int clients = 8;
    int perClient = 2_000;
    AtomicLong values = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int p = 0; p < clients; p++) {
        int process = p;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perClient; i++) {
                    String key = "k" + (i % 5);
                    switch (i % 3) {
                      case 0 ->
                          recorder
                              .invoke(process, Action.WRITE, key, values.incrementAndGet())
                              .ok();
                      case 1 -> recorder.invoke(process, Action.READ, key, null).ok(null);
                      default -> recorder.invoke(process, Action.DELETE, key, null).info();
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    History history = recorder.history();

    assertThat(recorder.size()).isEqualTo(2 * clients * perClient);
    assertThat(history.operations()).hasSize(clients * perClient).noneMatch(Operation::isPending);
    List<Event> events = history.events();
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).time()).isGreaterThanOrEqualTo(events.get(i - 1).time());
    }
  }

  @Test
  void processCannotInvokeTwiceBeforeCompleting() {
    HistoryRecorder recorder = new HistoryRecorder();
    recorder.invoke(1, Action.READ, "a", null);
    assertThatThrownBy(() -> recorder.invoke(1, Action.WRITE, "b", 5L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("process 1 invokes a write of b before completing its read of a");
  }

  @Test
  void invocationCompletesOnlyOnce() {
    HistoryRecorder recorder = new HistoryRecorder();
    Invocation op = recorder.invoke(1, Action.WRITE, "a", 5L);
    op.ok();
    assertThatThrownBy(op::fail)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the write of a by process 1 was already completed");
    assertThat(recorder.size()).isEqualTo(2);
  }

  @Test
  void completionMustSuitTheAction() {
    HistoryRecorder recorder = new HistoryRecorder();
    assertThatThrownBy(() -> recorder.invoke(1, Action.READ, "a", null).ok())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a read completes with ok(value)");
    assertThatThrownBy(() -> recorder.invoke(2, Action.CAS, "a", 6L).ok())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a cas invoked without its old value completes with ok(old, value)");
    assertThatThrownBy(() -> recorder.invokeCas(3, "a", 1L, 7L).ok(2L, 7L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the cas was invoked expecting 1, not 2");
    assertThatThrownBy(() -> recorder.invoke(4, Action.WRITE, "a", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a write must be invoked with its value");
    assertThatThrownBy(() -> recorder.invoke(4, Action.DELETE, "a", 3L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a delete is invoked without a value");
  }

  @Test
  void operationsInFlightArePendingInTheHistory() {
    AtomicLong clock = new AtomicLong();
    HistoryRecorder recorder = new HistoryRecorder(clock::incrementAndGet);
    recorder.invoke(1, Action.WRITE, "a", 5L);
    Invocation read = recorder.invoke(2, Action.READ, "a", null);
    read.ok(5L);

    List<Operation> ops = recorder.history().operations();

    assertThat(ops)
        .containsExactly(
            new Operation(0, 1, Action.WRITE, "a", Outcome.INFO, null, 5L, 1, Long.MAX_VALUE),
            new Operation(1, 2, Action.READ, "a", Outcome.OK, null, 5L, 2, 3));
  }
}
