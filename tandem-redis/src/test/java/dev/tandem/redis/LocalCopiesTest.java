package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The near tier's L1 generation: its own time-to-live check, the "only newer" rule, evictions. */
class LocalCopiesTest {

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final LongAdder evictions = new LongAdder();
  private final LocalCopies<String, String> copies =
      new LocalCopies<>(100, Duration.ofSeconds(2), nanos::get, Runnable::run, evictions);

  private void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  @Test
  void aCopyIsServedUntilItsTimeToLiveAndNeverAtIt() {
    copies.install("k", Cached.present("v", 3));
    advance(Duration.ofMillis(1999));
    assertThat(copies.value("k")).contains("v");
    assertThat(copies.entry("k")).isEqualTo(Cached.present("v", 3));
    advance(Duration.ofMillis(1));
    assertThat(copies.value("k")).isNull();
    assertThat(copies.entry("k")).isNull();
    assertThat(copies.contains("k")).as("kept until replaced or evicted for size, never served").isTrue();
  }

  @Test
  void answersAbsenceValueAndMiss() {
    assertThat(copies.value("k")).isNull();
    copies.install("k", Cached.deleted(4));
    assertThat(copies.value("k")).isEmpty();
    assertThat(copies.entry("k")).isEqualTo(Cached.deleted(4));
    copies.install("a", Cached.absent());
    assertThat(copies.value("a")).isEmpty();
    assertThat(copies.entry("a")).isEqualTo(Cached.absent());
  }

  @Test
  void onlyANewerEntryReplacesALiveCopy() {
    copies.install("k", Cached.present("new", 5));
    copies.install("k", Cached.present("old", 4));
    copies.install("k", Cached.present("same", 5));
    assertThat(copies.value("k")).contains("new");
    copies.install("k", Cached.present("newer", 6));
    assertThat(copies.value("k")).contains("newer");
    assertThat(evictions.sum()).isZero();
  }

  /** An expired copy counts as none: what L2 holds now is installed even if not newer, for a new lifetime. */
  @Test
  void anExpiredCopyIsReplacedByTheNextReadAndCountedAsEvicted() {
    copies.install("k", Cached.present("v", 5));
    advance(Duration.ofSeconds(2));
    copies.install("k", Cached.present("v", 5));
    assertThat(copies.value("k")).contains("v");
    assertThat(evictions.sum()).isEqualTo(1);
    advance(Duration.ofMillis(1999));
    assertThat(copies.value("k")).as("the new copy lives for a whole time to live").contains("v");
  }

  @Test
  void removeDropsTheCopy() {
    copies.install("k", Cached.present("v", 5));
    copies.remove("k");
    assertThat(copies.value("k")).isNull();
    assertThat(copies.contains("k")).isFalse();
    copies.install("k", Cached.present("older", 2));
    assertThat(copies.value("k")).as("nothing held: any entry is installed").contains("older");
  }

  @Test
  void sizeEvictionsAreCounted() {
    LocalCopies<Integer, String> small = new LocalCopies<>(10, Duration.ofSeconds(2), nanos::get, Runnable::run, evictions);
    for (int i = 0; i < 1_000; i++) {
      small.install(i, Cached.present("v" + i, 1));
    }
    assertThat(small.size()).isLessThanOrEqualTo(10);
    assertThat(evictions.sum()).isGreaterThanOrEqualTo(990);
  }
}
