package dev.tandem.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Pairing events into operations, and the rules of the format. */
class HistoryTest {

  private static Event invoke(int p, Action a, String key, Long old, Long value, long t) {
    return new Event(p, EventType.INVOKE, a, key, old, value, t);
  }

  private static Event complete(
      int p, EventType type, Action a, String key, Long old, Long value, long t) {
    return new Event(p, type, a, key, old, value, t);
  }

  @Test
  void invocationPairsWithTheSameProcesssNextCompletion() {
    History history =
        History.of(
            List.of(
                invoke(1, Action.WRITE, "a", null, 1L, 10),
                invoke(2, Action.READ, "a", null, null, 11),
                complete(2, EventType.OK, Action.READ, "a", null, 1L, 15),
                complete(1, EventType.OK, Action.WRITE, "a", null, 1L, 20),
                invoke(2, Action.CAS, "a", null, 2L, 21),
                complete(2, EventType.INFO, Action.CAS, "a", null, null, 30)));

    assertThat(history.operations())
        .containsExactly(
            new Operation(0, 1, Action.WRITE, "a", Outcome.OK, null, 1L, 10, 20),
            new Operation(1, 2, Action.READ, "a", Outcome.OK, null, 1L, 11, 15),
            new Operation(2, 2, Action.CAS, "a", Outcome.INFO, null, 2L, 21, 30));
  }

  @Test
  void casCompletionSuppliesTheOldValueUnknownAtInvocation() {
    History history =
        History.of(
            List.of(
                invoke(1, Action.CAS, "a", null, 8L, 10),
                complete(1, EventType.OK, Action.CAS, "a", 7L, 8L, 20)));
    assertThat(history.operations().get(0).old()).isEqualTo(7L);
    assertThat(history.operations().get(0).describe()).isEqualTo("#0 p1 cas a [7→8] ok");
  }

  @Test
  void invocationNeverCompletedIsPendingWithUnknownOutcome() {
    Operation op =
        History.of(List.of(invoke(1, Action.DELETE, "a", null, null, 10))).operations().get(0);
    assertThat(op.outcome()).isEqualTo(Outcome.INFO);
    assertThat(op.isPending()).isTrue();
    assertThat(op.completeTime()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void readThatFailedHasNoValue() {
    Operation op =
        History.of(
                List.of(
                    invoke(1, Action.READ, "a", null, null, 10),
                    complete(1, EventType.FAIL, Action.READ, "a", null, 3L, 20)))
            .operations()
            .get(0);
    assertThat(op.value()).isNull();
  }

  @Test
  void completionWithoutInvocationIsRejected() {
    assertThatThrownBy(
            () -> History.of(List.of(complete(1, EventType.OK, Action.READ, "a", null, null, 1))))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("event 1")
        .hasMessageContaining("process 1 completes an operation it never invoked");
  }

  @Test
  void secondInvocationBeforeCompletionIsRejected() {
    assertThatThrownBy(
            () ->
                History.of(
                    List.of(
                        invoke(1, Action.READ, "a", null, null, 1),
                        invoke(1, Action.READ, "b", null, null, 2))))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("event 2")
        .hasMessageContaining("process 1 invokes again before completing operation #0");
  }

  @Test
  void completionOfAnotherActionOrKeyIsRejected() {
    assertThatThrownBy(
            () ->
                History.of(
                    List.of(
                        invoke(1, Action.READ, "a", null, null, 1),
                        complete(1, EventType.OK, Action.READ, "b", null, null, 2))))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("the completion is a read of b but its invocation a read of a");
  }

  @Test
  void completionBeforeItsInvocationIsRejected() {
    assertThatThrownBy(
            () ->
                History.of(
                    List.of(
                        invoke(1, Action.READ, "a", null, null, 5),
                        complete(1, EventType.OK, Action.READ, "a", null, null, 4))))
        .isInstanceOf(HistoryFormatException.class)
        .hasMessageContaining("precedes its invocation");
  }

  @Test
  void valuesAgainstTheFormatAreRejected() {
    assertThatThrownBy(() -> History.of(List.of(invoke(1, Action.WRITE, "a", null, null, 1))))
        .hasMessageContaining("the invocation of a write must carry its value");
    assertThatThrownBy(() -> History.of(List.of(invoke(1, Action.READ, "a", null, 3L, 1))))
        .hasMessageContaining("the invocation of a read carries no value");
    assertThatThrownBy(
            () ->
                History.of(
                    List.of(
                        invoke(1, Action.WRITE, "a", null, 1L, 1),
                        complete(1, EventType.OK, Action.WRITE, "a", null, 2L, 2))))
        .hasMessageContaining("the value is 1 on the invocation but 2 on the completion");
    assertThatThrownBy(() -> new Event(1, EventType.OK, Action.WRITE, "a", 1L, 2L, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("only a cas has an old value, not a write");
  }
}
