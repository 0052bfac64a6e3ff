package dev.tandem.spring.boot;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The health indicator {@code tandem} on Spring Boot 4 (spring-boot-health). */
final class Boot4HealthIndicator implements HealthIndicator {

  private final TandemHealth health;

  Boot4HealthIndicator(TandemHealth health) {
    this.health = health;
  }

  @Override
  public Health health() {
    TandemHealth.Report report = health.check();
    return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
  }
}
