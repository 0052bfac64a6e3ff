package dev.tandem.spring.boot;

import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcStore;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Auto-configuration of Tandem on the application's {@link DataSource}: a {@code Tandem<K, V>} bean
 * per {@code tandem.caches.<name>} ({@link TandemProperties}), a {@link TandemCacheManager} unless
 * the application has a {@link CacheManager} (or sets {@code tandem.cache-manager.enabled=false}),
 * Tandem's meters on the application's {@link MeterRegistry} when there is one, and the health
 * indicator {@code tandem} when the actuator is on the class path.
 *
 * <p>Runs on Spring Boot 3.5 and 4.0: the classes that moved between them are named as strings
 * (ordering) or guarded by {@code @ConditionalOnClass} (the health indicator of each line).
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration", // Boot 3
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration", // Boot 4
    },
    beforeName = {
      "org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration", // Boot 3
      "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration", // Boot 4
    })
@ConditionalOnClass({Tandem.class, JdbcStore.class})
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(TandemProperties.class)
@Import(TandemBeans.class)
public class TandemAutoConfiguration {

  /** Creates the auto-configuration; Spring calls it. */
  public TandemAutoConfiguration() {}

  // @Transactional writes (tandem-spring, issue 17): the lead wires the transaction integration
  // into
  // TandemCaches.create (marked there), where each cache's JdbcStore is built on the DataSource.
  // Every Tandem bean is built through this bean, which waits for the application's schema scripts
  // (schema.sql, Flyway, Liquibase) since JdbcStore checks the tables when it is built.
  @Bean
  @ConditionalOnMissingBean
  @DependsOnDatabaseInitialization
  TandemCaches tandemCaches(
      TandemProperties properties,
      DataSource dataSource,
      ObjectProvider<MeterRegistry> registry,
      Environment environment) {
    return new TandemCaches(properties, dataSource, registry.getIfAvailable(), environment);
  }

  @Bean
  @ConditionalOnMissingBean(CacheManager.class)
  @ConditionalOnProperty(prefix = "tandem.cache-manager", name = "enabled", matchIfMissing = true)
  TandemCacheManager cacheManager(TandemProperties properties, BeanFactory beanFactory) {
    return new TandemCacheManager(properties, beanFactory);
  }

  /** The health indicator on Boot 3, whose actuator holds the health API. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  static class Boot3Health {
    @Bean
    @ConditionalOnMissingBean(name = "tandemHealthIndicator")
    Boot3HealthIndicator tandemHealthIndicator(TandemCaches caches) {
      return new Boot3HealthIndicator(new TandemHealth(caches));
    }
  }

  /** The health indicator on Boot 4, whose health API moved to spring-boot-health. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Boot4Health {
    @Bean
    @ConditionalOnMissingBean(name = "tandemHealthIndicator")
    Boot4HealthIndicator tandemHealthIndicator(TandemCaches caches) {
      return new Boot4HealthIndicator(new TandemHealth(caches));
    }
  }
}
