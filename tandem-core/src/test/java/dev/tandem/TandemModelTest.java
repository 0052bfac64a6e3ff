package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.local.LocalTier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Single-threaded semantics against a model (a map with versions), over random programs with a tiny
 * cache so that evictions happen all the time. jqwik prints the seed of a failing run; replay it
 * with {@code @Property(seed = "...")}.
 */
class TandemModelTest {

  sealed interface Op {}

  record Put(String key, String value) implements Op {}

  record Remove(String key) implements Op {}

  record Get(String key) implements Op {}

  record Update(String key, String suffix) implements Op {}

  record PutIfVersion(String key, boolean current, String value) implements Op {}

  record Invalidate(String key) implements Op {}

  record InvalidateAll() implements Op {}

  record PutAll(Map<String, String> entries) implements Op {}

  record RemoveAll(List<String> keys) implements Op {}

  record GetAll(List<String> keys) implements Op {}

  @Property(tries = 300)
  void behavesLikeAVersionedMap(@ForAll("programs") List<Op> program) {
    MemoryStore<String, String> store = new MemoryStore<>();
    LocalTier<String, String> tier =
        LocalTier.<String, String>builder().maximumSize(2).executor(Runnable::run).build();
    Map<String, String> model = new HashMap<>();
    Map<String, Long> versions = new HashMap<>();
    try (Tandem<String, String> tandem = Tandem.builder(store).cacheTier(tier).build()) {
      for (Op op : program) {
        switch (op) {
          case Put(String k, String v) -> {
            long version = tandem.put(k, v);
            assertThat(version).isGreaterThan(versions.getOrDefault(k, 0L));
            versions.put(k, version);
            model.put(k, v);
          }
          case Remove(String k) -> {
            assertThat(tandem.remove(k)).isEqualTo(model.remove(k) != null);
            versions.remove(k);
          }
          case Get(String k) -> {
            assertThat(tandem.get(k)).isEqualTo(Optional.ofNullable(model.get(k)));
            assertThat(tandem.getVersioned(k).map(Versioned::version))
                .isEqualTo(Optional.ofNullable(versions.get(k)));
          }
          case Update(String k, String suffix) -> {
            Optional<String> expected = Optional.ofNullable(model.get(k)).map(v -> v + suffix);
            assertThat(tandem.update(k, v -> v + suffix)).isEqualTo(expected);
            expected.ifPresent(
                v -> {
                  model.put(k, v);
                  versions.put(k, tandem.getVersioned(k).orElseThrow().version());
                });
          }
          case PutIfVersion(String k, boolean current, String v) -> {
            long expected =
                current ? versions.getOrDefault(k, 0L) : versions.getOrDefault(k, 0L) + 1_000;
            if (current) {
              long version = tandem.putIfVersion(k, expected, v);
              assertThat(version).isGreaterThan(expected);
              versions.put(k, version);
              model.put(k, v);
            } else {
              assertThatThrownBy(() -> tandem.putIfVersion(k, expected, v))
                  .isInstanceOf(VersionConflictException.class)
                  .hasMessageContaining("key " + k);
            }
          }
          case Invalidate(String k) -> tandem.invalidate(k);
          case InvalidateAll() -> tandem.invalidateAll();
          case PutAll(Map<String, String> entries) -> {
            tandem.putAll(entries);
            model.putAll(entries);
            entries
                .keySet()
                .forEach(k -> versions.put(k, tandem.getVersioned(k).orElseThrow().version()));
          }
          case RemoveAll(List<String> keys) -> {
            long existing = keys.stream().distinct().filter(model::containsKey).count();
            assertThat(tandem.removeAll(keys)).isEqualTo(existing);
            keys.forEach(
                k -> {
                  model.remove(k);
                  versions.remove(k);
                });
          }
          case GetAll(List<String> keys) -> {
            Map<String, String> expected = new HashMap<>();
            keys.forEach(k -> Optional.ofNullable(model.get(k)).ifPresent(v -> expected.put(k, v)));
            assertThat(tandem.getAll(keys)).isEqualTo(expected);
          }
        }
        for (String k : KEYS) {
          tandem
              .getIfCached(k)
              .ifPresent(cached -> assertThat(cached).as("cached %s", k).isEqualTo(model.get(k)));
          assertThat(store.rows.containsKey(k)).isEqualTo(model.containsKey(k));
        }
      }
    }
  }

  private static final List<String> KEYS = List.of("a", "b", "c", "d");

  @Provide
  Arbitrary<List<Op>> programs() {
    Arbitrary<String> keys = Arbitraries.of(KEYS);
    Arbitrary<String> values = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(3);
    Arbitrary<Op> op =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Combinators.combine(keys, values).as(Put::new)),
            net.jqwik.api.Tuple.of(2, keys.map(Remove::new)),
            net.jqwik.api.Tuple.of(6, keys.map(Get::new)),
            net.jqwik.api.Tuple.of(2, Combinators.combine(keys, values).as(Update::new)),
            net.jqwik.api.Tuple.of(
                2,
                Combinators.combine(keys, Arbitraries.of(true, false), values)
                    .as(PutIfVersion::new)),
            net.jqwik.api.Tuple.of(2, keys.map(Invalidate::new)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new InvalidateAll())),
            net.jqwik.api.Tuple.of(1, Arbitraries.maps(keys, values).ofMaxSize(3).map(PutAll::new)),
            net.jqwik.api.Tuple.of(1, keys.list().ofMaxSize(3).map(RemoveAll::new)),
            net.jqwik.api.Tuple.of(2, keys.list().ofMaxSize(4).map(GetAll::new)));
    return op.list().ofMinSize(1).ofMaxSize(40);
  }
}
