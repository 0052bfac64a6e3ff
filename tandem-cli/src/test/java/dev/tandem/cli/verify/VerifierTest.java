package dev.tandem.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.local.LocalTier;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier over an in-memory "database" that the test changes behind the cache's back, as SQL
 * run by someone else would.
 */
class VerifierTest {

  /** A read-only store over a map of key to versioned value; the test edits the map directly. */
  private static final class MapStore implements Store<String, String> {
    final Map<String, Versioned<String>> rows = new ConcurrentHashMap<>();

    @Override
    public Optional<Versioned<String>> load(String key) {
      return Optional.ofNullable(rows.get(key));
    }

    @Override
    public Map<String, Versioned<String>> loadAll(Collection<? extends String> keys) {
      Map<String, Versioned<String>> found = new HashMap<>();
      for (String key : keys) {
        load(key).ifPresent(v -> found.put(key, v));
      }
      return found;
    }

    @Override
    public StoreTransaction<String, String> begin() {
      throw new UnsupportedOperationException("the test store is read-only");
    }
  }

  private final MapStore store = new MapStore();
  private final LocalTier<String, String> tier = LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build();
  private final Tandem<String, String> tandem = Tandem.builder(store).cacheTier(tier).build();
  private final List<String> keys = List.of("a", "b", "c", "d");

  VerifierTest() {
    store.rows.put("a", new Versioned<>("apple", 1));
    store.rows.put("b", new Versioned<>("banana", 2));
    store.rows.put("c", new Versioned<>("cherry", 3));
    tandem.getAll(keys); // caches a, b, c and the absence of d
  }

  @AfterEach
  void close() {
    tandem.close();
  }

  @Test
  void aCacheThatMatchesIsConsistent() {
    VerifyReport<String, String> report = Verifier.builder(store).tier(tier).build().verify(keys);

    assertThat(report.consistent()).isTrue();
    assertThat(report.checked()).isEqualTo(4);
    assertThat(report.cached()).as("d's absence is cached too").isEqualTo(4);
    assertThat(report.mismatches()).isEmpty();
  }

  @Test
  void findsEveryKindOfDifferenceThroughTheTier() {
    store.rows.put("a", new Versioned<>("avocado", 1)); // changed without a new version
    store.rows.put("b", new Versioned<>("blueberry", 9)); // written by someone else, properly versioned
    store.rows.remove("c"); // deleted
    store.rows.put("d", new Versioned<>("date", 4)); // inserted
    store.rows.put("e", new Versioned<>("elderberry", 5)); // never cached: not compared

    VerifyReport<String, String> report =
        Verifier.builder(store).tier(tier).build().verify(List.of("a", "b", "c", "d", "e"));

    assertThat(report.consistent()).isFalse();
    assertThat(report.checked()).isEqualTo(5);
    assertThat(report.cached()).isEqualTo(4);
    assertThat(report.mismatches()).containsExactly(
        new Mismatch<>("a", Mismatch.Kind.VALUE_DIFFERS, 1L, 1, "apple", "avocado"),
        new Mismatch<>("b", Mismatch.Kind.STALE, 2L, 9, "banana", "blueberry"),
        new Mismatch<>("c", Mismatch.Kind.DELETED, 3L, 0, "cherry", null),
        new Mismatch<>("d", Mismatch.Kind.MISSING, 0L, 4, null, "date"));
  }

  @Test
  void aDatabaseThatWentBackIsReportedAsACacheAhead() {
    store.rows.put("b", new Versioned<>("banana", 1));

    VerifyReport<String, String> report = Verifier.builder(store).tier(tier).build().verify(keys);

    assertThat(report.mismatches()).singleElement()
        .isEqualTo(new Mismatch<>("b", Mismatch.Kind.AHEAD, 2L, 1, "banana", "banana"));
  }

  @Test
  void throughTandemOnlyValuesAreComparedAndVersionsAreUnknown() {
    store.rows.put("a", new Versioned<>("avocado", 1));
    store.rows.put("d", new Versioned<>("date", 4)); // a cached absence looks like a miss through getIfCached

    VerifyReport<String, String> report = Verifier.builder(store).cache(tandem).build().verify(keys);

    assertThat(report.cached()).isEqualTo(3);
    assertThat(report.mismatches()).containsExactly(
        new Mismatch<>("a", Mismatch.Kind.VALUE_DIFFERS, null, 1, "apple", "avocado"));
  }

  @Test
  void repairInvalidatesTheDifferencesSoThatTheNextReadSeesTheDatabase() {
    store.rows.put("a", new Versioned<>("avocado", 1));
    store.rows.remove("c");
    Verifier<String, String> verifier = Verifier.builder(store).tier(tier).build();

    VerifyReport<String, String> repaired = verifier.verifyAndRepair(keys);

    assertThat(repaired.mismatches()).hasSize(2);
    assertThat(repaired.repaired()).isEqualTo(2);
    assertThat(repaired.consistentNow()).isTrue();
    assertThat(tandem.get("a")).contains("avocado");
    assertThat(tandem.get("c")).isEmpty();
    assertThat(tandem.get("b")).as("consistent keys stay cached").contains("banana");
    assertThat(verifier.verify(keys).consistent()).isTrue();
  }

  @Test
  void anEntryThatChangesBetweenTheTwoLooksIsCountedAsChangingNotAsAMismatch() {
    // the row differs on the first look; the "database" then changes as a write in flight would
    Store<String, String> moving = new Store<>() {
      private int loads;

      @Override
      public Optional<Versioned<String>> load(String key) {
        loads++;
        return Optional.of(new Versioned<>(key.equals("a") ? "avocado" + loads : store.rows.get(key).value(),
            store.rows.get(key).version()));
      }

      @Override
      public Map<String, Versioned<String>> loadAll(Collection<? extends String> ks) {
        throw new UnsupportedOperationException();
      }

      @Override
      public StoreTransaction<String, String> begin() {
        throw new UnsupportedOperationException();
      }
    };

    VerifyReport<String, String> report = Verifier.builder(moving).tier(tier).build().verify(List.of("a"));

    assertThat(report.changing()).isEqualTo(1);
    assertThat(report.mismatches()).isEmpty();
  }

  @Test
  void theBuilderIsStrict() {
    assertThatThrownBy(() -> Verifier.builder(store).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("tier or cache must be set");
    assertThatThrownBy(() -> Verifier.builder(store).tier(tier).cache(tandem))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("the cache was already set to tier");
    assertThatThrownBy(() -> Verifier.builder(store).valueEquality(String::equals).valueEquality(String::equals))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("value equality was already set");
  }
}
