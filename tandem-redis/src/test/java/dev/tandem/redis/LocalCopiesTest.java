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

  /** Installs start a sweep at most every half time to live; it removes expired copies only. */
  @Test
  void expiredCopiesAreSweptAndCounted() {
    copies.install("old", Cached.present("v", 1));
    advance(Duration.ofMillis(1500));
    copies.install("young", Cached.present("v", 1)); // a sweep is due: nothing has expired yet
    assertThat(copies.contains("old")).isTrue();
    advance(Duration.ofMillis(600)); // old expired, young has 900 ms left; the last sweep was 600 ms ago
    copies.install("other", Cached.present("v", 1));
    assertThat(copies.contains("old")).as("no sweep before half a time to live since the last").isTrue();
    advance(Duration.ofMillis(400));
    copies.install("another", Cached.present("v", 1));
    assertThat(copies.contains("old")).as("swept").isFalse();
    assertThat(copies.value("young")).as("still live, kept").contains("v");
    assertThat(evictions.sum()).isEqualTo(1);
  }

  /** A time to live longer than the clock can add is cut to about 73 years, not an overflow. */
  @Test
  void aTimeToLiveOfForeverIsServedWithoutOverflow() {
    LocalCopies<String, String> forever = new LocalCopies<>(10, java.time.temporal.ChronoUnit.FOREVER.getDuration(),
        () -> Long.MAX_VALUE - 5, Runnable::run, evictions);
    forever.install("k", Cached.present("v", 1));
    assertThat(forever.value("k")).contains("v");
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
