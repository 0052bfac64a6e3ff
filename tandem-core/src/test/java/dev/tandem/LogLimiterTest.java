package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An outage that fails every write logs one stack trace per period, not one per write. */
class LogLimiterTest {

  @Test
  void permitsOneRecordPerPeriod() {
    LogLimiter limiter = new LogLimiter(1, TimeUnit.HOURS);
    assertThat(limiter.permit()).isTrue();
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.permit()).isFalse();
    }
    LogLimiter always = new LogLimiter(0, TimeUnit.NANOSECONDS);
    assertThat(always.permit()).isTrue();
    assertThat(always.permit()).isTrue();
  }
}
