package dev.tandem.spring.boot;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** The health indicator {@code tandem} on Spring Boot 3 (the actuator's health API). */
final class Boot3HealthIndicator implements HealthIndicator {

  private final TandemHealth health;

  Boot3HealthIndicator(TandemHealth health) {
    this.health = health;
  }

  @Override
  public Health health() {
    TandemHealth.Report report = health.check();
    return (report.up() ? Health.up() : Health.down()).withDetails(report.details()).build();
  }
}
