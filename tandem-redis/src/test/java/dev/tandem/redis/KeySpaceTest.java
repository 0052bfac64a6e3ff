package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Key names: a key's entry and metadata share a Cluster slot; distinct keys get distinct names. */
class KeySpaceTest {

  private final KeySpace<String> space = new KeySpace<>("app:", String::valueOf);

  private static final List<String> AWKWARD =
      List.of(
          "", "a", "{a}", "}", "{", "%", "%7B", "%25", "a}b{c", "{}", "key:m", "ключ", "a b",
          "*?[]");

  @Test
  void entryAndMetadataShareOneSlot() {
    for (String key : AWKWARD) {
      byte[] entry = space.entry(key);
      assertThat(SlotHash.getSlot(KeySpace.meta(entry))).as(key).isEqualTo(SlotHash.getSlot(entry));
    }
  }

  @Test
  void distinctKeysGetDistinctNames() {
    Set<String> names = new HashSet<>();
    for (String key : AWKWARD) {
      names.add(new String(space.entry(key), StandardCharsets.UTF_8));
      names.add(new String(KeySpace.meta(space.entry(key)), StandardCharsets.UTF_8));
    }
    assertThat(names).hasSize(2 * AWKWARD.size());
  }

  /**
   * A near tier finds the key a message names: every entry name reads back to its text; nothing
   * else does.
   */
  @Test
  void entryNamesReadBackToTheirText() {
    for (String key : AWKWARD) {
      assertThat(space.encodedKey(new String(space.entry(key), StandardCharsets.UTF_8)))
          .as(key)
          .isEqualTo(key);
    }
    for (String other :
        List.of(
            "app:{k}:m",
            "other:{k}",
            "app:{%e0}:epoch",
            "app:{%e0}",
            "app:{%zz}",
            "app:{%7}",
            "app:{a{b}",
            "app:k",
            "app:{k",
            "app:{}")) {
      assertThat(space.encodedKey(other)).as(other).isNull();
    }
  }

  @Test
  void namesAreReadable() {
    assertThat(new String(space.entry("user:42"), StandardCharsets.UTF_8))
        .isEqualTo("app:{user:42}");
    assertThat(new String(KeySpace.meta(space.entry("user:42")), StandardCharsets.UTF_8))
        .isEqualTo("app:{user:42}:m");
    assertThat(new String(space.entry("{x}"), StandardCharsets.UTF_8)).isEqualTo("app:{%7Bx%7D}");
  }

  @Test
  void scanPatternEscapesGlobCharactersOfThePrefix() {
    assertThat(new KeySpace<String>("a*b?[c]:", String::valueOf).entryPattern())
        .isEqualTo("a\\*b\\?\\[c\\]:{*}");
  }

  /**
   * The epoch keys are in the flush pattern's range but never an entry, and never one of a key's
   * names.
   */
  @Test
  void epochKeysNeverCollideWithEntries() {
    byte[] epoch = space.epoch(3);
    assertThat(new String(epoch, StandardCharsets.UTF_8)).isEqualTo("app:{%e3}:epoch");
    assertThat(space.isEpochKey(epoch)).isTrue();
    assertThat(space.isEpochKey(space.flushLock(3))).isTrue();
    assertThat(space.isEntryKey(epoch)).isFalse();
    for (String key : AWKWARD) {
      assertThat(space.isEpochKey(space.entry(key))).as(key).isFalse();
      assertThat(space.isEpochKey(KeySpace.meta(space.entry(key)))).as(key).isFalse();
      assertThat(space.isEntryKey(space.entry(key))).as(key).isTrue();
      assertThat(space.isEntryKey(KeySpace.meta(space.entry(key)))).as(key).isFalse();
    }
    assertThat(space.isEpochKey(space.entry("%e0"))).as("an escaped %% never starts %%e").isFalse();
    assertThat(space.dataPattern()).isEqualTo("app:{*");
  }
}
