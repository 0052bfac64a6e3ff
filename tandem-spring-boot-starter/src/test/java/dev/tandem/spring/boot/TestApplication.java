package dev.tandem.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What an application brings to the starter: its data source (a fresh H2 database) and meter
 * registry.
 */
@Configuration(proxyBeanMethods = false)
class TestApplication {
  @Bean
  DataSource dataSource() {
    return TestTables.database();
  }

  @Bean
  MeterRegistry meterRegistry() {
    return new SimpleMeterRegistry();
  }
}
