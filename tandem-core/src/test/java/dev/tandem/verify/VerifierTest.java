package dev.tandem.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.local.LocalTier;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
  private final LocalTier<String, String> tier =
      LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build();
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
    VerifyReport<String, String> report = verifier().verify(keys);

    assertThat(report.consistent()).isTrue();
    assertThat(report.checked()).isEqualTo(4);
    assertThat(report.cached()).as("d's absence is cached too").isEqualTo(4);
    assertThat(report.mismatches()).isEmpty();
  }

  @Test
  void findsEveryKindOfDifferenceThroughTheTier() {
    store.rows.put("a", new Versioned<>("avocado", 1)); // changed without a new version
    store.rows.put(
        "b", new Versioned<>("blueberry", 9)); // written by someone else, properly versioned
    store.rows.remove("c"); // deleted
    store.rows.put("d", new Versioned<>("date", 4)); // inserted
    store.rows.put("e", new Versioned<>("elderberry", 5)); // never cached: not compared

    VerifyReport<String, String> report = verifier().verify(List.of("a", "b", "c", "d", "e"));

    assertThat(report.consistent()).isFalse();
    assertThat(report.checked()).isEqualTo(5);
    assertThat(report.cached()).isEqualTo(4);
    assertThat(report.mismatches())
        .containsExactly(
            new Mismatch<>("a", Mismatch.Kind.VALUE_DIFFERS, 1L, 1, "apple", "avocado"),
            new Mismatch<>("b", Mismatch.Kind.STALE, 2L, 9, "banana", "blueberry"),
            new Mismatch<>("c", Mismatch.Kind.DELETED, 3L, 0, "cherry", null),
            new Mismatch<>("d", Mismatch.Kind.MISSING, 0L, 4, null, "date"));
  }

  @Test
  void aDatabaseThatWentBackIsReportedAsACacheAhead() {
    store.rows.put("b", new Versioned<>("banana", 1));

    VerifyReport<String, String> report = verifier().verify(keys);

    assertThat(report.mismatches())
        .singleElement()
        .isEqualTo(new Mismatch<>("b", Mismatch.Kind.AHEAD, 2L, 1, "banana", "banana"));
  }

  @Test
  void throughTandemOnlyValuesAreComparedAndVersionsAreUnknown() {
    store.rows.put("a", new Versioned<>("avocado", 1));
    store.rows.put(
        "d", new Versioned<>("date", 4)); // a cached absence looks like a miss through getIfCached

    VerifyReport<String, String> report =
        Verifier.builder(store).cache(tandem).recheckDelay(Duration.ZERO).build().verify(keys);

    assertThat(report.cached()).isEqualTo(3);
    assertThat(report.mismatches())
        .containsExactly(
            new Mismatch<>("a", Mismatch.Kind.VALUE_DIFFERS, null, 1, "apple", "avocado"));
  }

  @Test
  void repairInvalidatesTheDifferencesSoThatTheNextReadSeesTheDatabase() {
    store.rows.put("a", new Versioned<>("avocado", 1));
    store.rows.remove("c");
    Verifier<String, String> verifier = verifier();

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
    Store<String, String> moving =
        new Store<>() {
          private int loads;

          @Override
          public Optional<Versioned<String>> load(String key) {
            loads++;
            return Optional.of(
                new Versioned<>(
                    key.equals("a") ? "avocado" + loads : store.rows.get(key).value(),
                    store.rows.get(key).version()));
          }

          @Override
          public Map<String, Versioned<String>> loadAll(Collection<? extends String> ks) {
            Map<String, Versioned<String>> found = new HashMap<>();
            for (String key : ks) {
              load(key).ifPresent(v -> found.put(key, v));
            }
            return found;
          }

          @Override
          public StoreTransaction<String, String> begin() {
            throw new UnsupportedOperationException();
          }
        };

    VerifyReport<String, String> report =
        Verifier.builder(moving)
            .tier(tier)
            .recheckDelay(Duration.ZERO)
            .build()
            .verify(List.of("a"));

    assertThat(report.changing()).isEqualTo(1);
    assertThat(report.mismatches()).isEmpty();
  }

  @Test
  void verifyWithoutKeysWalksTheCachedKeysOnly() {
    store.rows.put("b", new Versioned<>("blueberry", 9));
    store.rows.put(
        "e",
        new Versioned<>("elderberry", 5)); // in the database, never cached: nothing to be stale

    VerifyReport<String, String> report = verifier().verify();

    assertThat(report.checked()).as("a, b, c and d's cached absence").isEqualTo(4);
    assertThat(report.mismatches())
        .containsExactly(new Mismatch<>("b", Mismatch.Kind.STALE, 2L, 9, "banana", "blueberry"));
    assertThat(report.duration().isNegative()).isFalse();
  }

  @Test
  void repairWalkingTheCachedKeysInvalidatesOnlyAndNeverWritesTheDatabase() {
    store.rows.remove("c");
    Map<String, Versioned<String>> before = new HashMap<>(store.rows);

    VerifyReport<String, String> report = verifier().verifyAndRepair();

    assertThat(report.missingFromDatabase()).isEqualTo(1);
    assertThat(report.repaired()).isEqualTo(1);
    assertThat(tier.getIfPresent("c")).as("invalidated, not replaced by a tombstone").isNull();
    assertThat(store.rows).isEqualTo(before);
    assertThat(verifier().verify().consistent()).isTrue();
  }

  @Test
  void aKeyOfAnotherTypeThanTheStoresIsRefusedNamingTheKeyDecoder() {
    Store<String, String> typed =
        new Store<>() {
          @Override
          public Optional<Versioned<String>> load(String key) {
            return store.load(key);
          }

          @Override
          public Map<String, Versioned<String>> loadAll(Collection<? extends String> ks) {
            return store.loadAll(ks);
          }

          @Override
          public StoreTransaction<String, String> begin() {
            throw new UnsupportedOperationException();
          }

          @Override
          public Class<?> keyType() {
            return Long.class;
          }
        };

    assertThatThrownBy(() -> Verifier.builder(typed).tier(tier).build().verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("java.lang.Long")
        .hasMessageContaining("key decoder");
  }

  @Test
  void eachRunIsPublishedToMicrometerTaggedWithTheName() {
    store.rows.put("a", new Versioned<>("avocado", 1));
    store.rows.remove("c");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Verifier<String, String> verifier =
        Verifier.builder(store)
            .tier(tier)
            .recheckDelay(Duration.ZERO)
            .meterRegistry(registry)
            .name("fruit")
            .build();

    verifier.verifyAndRepair();

    assertThat(registry.get("tandem.verify.checked").tag("cache", "fruit").counter().count())
        .isEqualTo(4);
    assertThat(
            registry
                .get("tandem.verify.stale")
                .tags("cache", "fruit", "kind", "value_differs")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("tandem.verify.stale")
                .tags("cache", "fruit", "kind", "deleted")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("tandem.verify.repaired").tag("cache", "fruit").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("tandem.verify.last.stale").tag("cache", "fruit").gauge().value())
        .isEqualTo(2);
    assertThat(registry.get("tandem.verify.runs").tag("cache", "fruit").timer().count())
        .isEqualTo(1);

    verifier.verify();

    assertThat(registry.get("tandem.verify.last.stale").tag("cache", "fruit").gauge().value())
        .isZero();
    assertThat(registry.get("tandem.verify.checked").tag("cache", "fruit").counter().count())
        .isEqualTo(6);
  }

  private Verifier<String, String> verifier() {
    return Verifier.builder(store).tier(tier).recheckDelay(Duration.ZERO).build();
  }

  @Test
  void theBuilderIsStrict() {
    assertThatThrownBy(() -> Verifier.builder(store).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("tier or cache must be set");
    assertThatThrownBy(() -> Verifier.builder(store).tier(tier).cache(tandem))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the cache was already set to tier");
    assertThatThrownBy(
            () ->
                Verifier.builder(store).valueEquality(String::equals).valueEquality(String::equals))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("value equality was already set");
    assertThatThrownBy(() -> Verifier.builder(store).recheckDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("recheck delay must not be negative but was PT-1S");
    assertThatThrownBy(() -> Verifier.builder(store).pageSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("page size must be positive but was 0");
    assertThatThrownBy(() -> Verifier.builder(store).cache(tandem).build().verify())
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("give it the tier");
  }
}
