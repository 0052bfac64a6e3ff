package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Zipfian generator and the key choosers built on it; every test uses a fixed, printed seed.
 */
class ZipfianGeneratorTest {

  private static final long SEED = 20_240_611L;
  private static final int DRAWS = 400_000;

  @Test
  void ranksFollowZipfsLawWithRankZeroTheMostPopular() {
    System.out.println("seed " + SEED);
    ZipfianGenerator zipf = ZipfianGenerator.of(1_000);
    long[] counts = draw(zipf, new SplittableRandom(SEED));

    for (int r = 1; r < 20; r++) {
      assertThat(counts[0]).as("rank 0 vs rank %d", r).isGreaterThan(counts[r]);
    }
    // P(r) ∝ 1/(r+1)^θ: the ratio of ranks 0 and 1 is 2^θ, of ranks 0 and 9 is 10^θ
    assertThat((double) counts[0] / counts[1])
        .isCloseTo(Math.pow(2, ZipfianGenerator.THETA), within(0.1));
    assertThat((double) counts[0] / counts[9])
        .isCloseTo(Math.pow(10, ZipfianGenerator.THETA), within(0.8));
    // and rank 0 has 1/zeta(1000) of all draws, about 12.9% for θ = 0.99
    double zeta = 0;
    for (int i = 1; i <= 1_000; i++) {
      zeta += 1 / Math.pow(i, ZipfianGenerator.THETA);
    }
    assertThat((double) counts[0] / DRAWS).isCloseTo(1 / zeta, within(0.01));
  }

  @Test
  void everyRankIsInRangeAndTheTailIsReached() {
    ZipfianGenerator zipf = ZipfianGenerator.of(50);
    long[] counts = draw(zipf, new SplittableRandom(SEED));

    for (int r = 0; r < 50; r++) {
      assertThat(counts[r]).as("rank %d drawn", r).isPositive();
    }
  }

  @Test
  void growingTheItemCountGivesTheSameGeneratorAsBuildingItAnew() {
    ZipfianGenerator grown = ZipfianGenerator.of(1_000).withItems(1_500);
    ZipfianGenerator fresh = ZipfianGenerator.of(1_500);
    SplittableRandom a = new SplittableRandom(SEED);
    SplittableRandom b = new SplittableRandom(SEED);

    for (int i = 0; i < 10_000; i++) {
      assertThat(grown.next(a)).isEqualTo(fresh.next(b));
    }
    assertThat(grown.items()).isEqualTo(1_500);
    assertThat(ZipfianGenerator.of(1_000).withItems(1_000).items()).isEqualTo(1_000);
  }

  @Test
  void tinyKeySpacesWork() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int i = 0; i < 1_000; i++) {
      assertThat(ZipfianGenerator.of(1).next(random)).isZero();
      assertThat(ZipfianGenerator.of(2).next(random)).isBetween(0L, 1L);
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> ZipfianGenerator.of(0)).hasMessage("items must be positive but was 0");
    assertThatThrownBy(() -> ZipfianGenerator.of(10, 1.0))
        .hasMessageContaining("theta must be between 0 and 1");
    assertThatThrownBy(() -> ZipfianGenerator.of(10).withItems(-1))
        .hasMessage("items must be positive but was -1");
  }

  @Test
  void theScrambledChooserScattersTheHotKeysOverTheKeySpace() {
    KeySpace keys = new KeySpace(10_000);
    KeyChooser chooser =
        KeyChooser.of(Workload.A, Distribution.ZIPFIAN, keys, ZipfianGenerator.of(10_000));
    SplittableRandom random = new SplittableRandom(SEED);
    long[] counts = new long[10_000];
    for (int i = 0; i < DRAWS; i++) {
      counts[(int) chooser.next(random)]++;
    }
    int hottest = argMax(counts);

    assertThat(hottest)
        .as("the hottest key is where FNV-1a puts rank 0")
        .isEqualTo((int) Math.floorMod(KeyChooser.Scrambled.fnv1a(0), 10_000L));
    assertThat(counts[hottest]).isGreaterThan(DRAWS / 20);
    long inFirstTenth = 0;
    for (int i = 0; i < 1_000; i++) {
      inFirstTenth += counts[i];
    }
    assertThat((double) inFirstTenth / DRAWS).as("not bunched at low indexes").isLessThan(0.5);
  }

  @Test
  void theLatestChooserFavoursTheNewestAcknowledgedRecord() {
    KeySpace keys = new KeySpace(1_000);
    KeyChooser chooser =
        KeyChooser.of(Workload.D, Distribution.ZIPFIAN, keys, ZipfianGenerator.of(1_000));
    SplittableRandom random = new SplittableRandom(SEED);
    long inserted = keys.nextInsert();
    keys.acknowledge(inserted);
    long unacknowledged = keys.nextInsert();
    long[] counts = new long[1_002];
    for (int i = 0; i < 100_000; i++) {
      counts[(int) chooser.next(random)]++;
    }

    assertThat(inserted).isEqualTo(1_000);
    assertThat(argMax(counts)).isEqualTo(1_000);
    assertThat(counts[(int) unacknowledged]).as("not yet acknowledged").isZero();
    assertThat(counts[1_000]).isGreaterThan(counts[999]).isGreaterThan(counts[500]);
  }

  @Test
  void theUniformChooserCoversTheAcknowledgedRecordsEvenly() {
    KeySpace keys = new KeySpace(10);
    KeyChooser chooser =
        KeyChooser.of(Workload.A, Distribution.UNIFORM, keys, ZipfianGenerator.of(10));
    SplittableRandom random = new SplittableRandom(SEED);
    long[] counts = new long[10];
    for (int i = 0; i < 100_000; i++) {
      counts[(int) chooser.next(random)]++;
    }

    for (long count : counts) {
      assertThat(count).isBetween(9_000L, 11_000L);
    }
  }

  private static long[] draw(ZipfianGenerator zipf, SplittableRandom random) {
    long[] counts = new long[(int) zipf.items()];
    for (int i = 0; i < DRAWS; i++) {
      counts[(int) zipf.next(random)]++;
    }
    return counts;
  }

  private static int argMax(long[] counts) {
    int best = 0;
    for (int i = 1; i < counts.length; i++) {
      if (counts[i] > counts[best]) {
        best = i;
      }
    }
    return best;
  }
}
