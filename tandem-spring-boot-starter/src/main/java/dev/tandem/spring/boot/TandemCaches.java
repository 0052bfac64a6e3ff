package dev.tandem.spring.boot;

import static java.util.Objects.requireNonNull;

import dev.tandem.RetryPolicy;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.local.LocalTier;
import dev.tandem.redis.JsonCodec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.TierMeters;
import dev.tandem.spring.SpringTransactions;
import io.lettuce.core.RedisURI;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/**
 * Builds the Tandem of each {@code tandem.caches.<name>} entry on the application's {@link
 * DataSource} and {@link MeterRegistry}, and remembers what it built for the health indicator.
 * Thread-safe; each cache is built once, by its bean.
 */
final class TandemCaches {

  /** What was built for one cache: the Tandem, its tier, and the tier's own gauges. */
  record Built(
      String name, Tandem<?, ?> tandem, CacheTier<?, ?> tier, Map<String, DoubleSupplier> gauges) {}

  private final TandemProperties properties;
  private final DataSource dataSource;
  private final @Nullable MeterRegistry registry;
  private final Environment environment;
  private final Map<String, Built> built = new ConcurrentHashMap<>();

  TandemCaches(
      TandemProperties properties,
      DataSource dataSource,
      @Nullable MeterRegistry registry,
      Environment environment) {
    this.properties = properties;
    this.dataSource = dataSource;
    this.registry = registry;
    this.environment = environment;
  }

  /** Returns the data source the caches' tables live in. */
  DataSource dataSource() {
    return dataSource;
  }

  /** Returns the caches built so far, by name, in configuration order. */
  Map<String, Built> built() {
    Map<String, Built> ordered = new LinkedHashMap<>();
    for (String name : properties.getCaches().keySet()) {
      Built b = built.get(name);
      if (b != null) {
        ordered.put(name, b);
      }
    }
    return ordered;
  }

  /** Returns the settings of the cache {@code name}. */
  TandemProperties.Cache settings(String name) {
    TandemProperties.Cache cache = properties.getCaches().get(name);
    if (cache == null) {
      throw new IllegalArgumentException("no cache tandem.caches." + name);
    }
    return cache;
  }

  /**
   * Builds the Tandem of the cache {@code name}: checks the table (the record's columns included),
   * connects the tier, registers the meters.
   *
   * @throws IllegalStateException naming the property, if a required one is missing or a builder
   *     refused a value; its cause is the builder's exception
   */
  Tandem<?, ?> create(String name) {
    TandemProperties.Cache settings = settings(name);
    String prefix = "tandem.caches." + name + ".";
    try {
      return create(name, settings, prefix);
    } catch (RuntimeException e) {
      String message = e.getMessage();
      if (message != null && message.startsWith(prefix)) {
        throw e; // names its property already
      }
      throw new IllegalStateException(prefix.substring(0, prefix.length() - 1) + ": " + message, e);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Tandem<?, ?> create(String name, TandemProperties.Cache settings, String prefix) {
    String table = required(settings.getTable(), prefix + "table");
    Class<?> valueType = required(settings.getValueType(), prefix + "value-type");
    Class keyType = settings.getKeyType();
    JdbcStore<Object, Object> store =
        JdbcStore.builder()
            .dataSource(dataSource)
            .table(table)
            .keyColumn(settings.getKeyColumn(), keyType)
            .versionColumn(settings.getVersionColumn())
            .rowMapper((RowMapper) RowMapper.ofClass(valueType))
            .build();
    CacheTier<Object, Object> tier;
    try {
      tier = tier(name, settings, keyType, valueType, prefix);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    Tandem.Builder<Object, Object> builder = Tandem.builder(store).cacheTier(tier).name(name);
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    TandemProperties.Retry retry = settings.getRetry();
    builder.retryPolicy(
        new RetryPolicy(retry.getMaxRetries(), retry.getInitialBackoff(), retry.getMaxBackoff()));
    TandemProperties.Batch batch = settings.getBatch();
    if (batch.getMaxSize() != null) {
      builder.maxBatchSize(batch.getMaxSize());
    }
    if (batch.getMaxConcurrent() != null) {
      builder.maxConcurrentBatches(batch.getMaxConcurrent());
    }
    if (batch.getMaxWait() != null) {
      builder.maxBatchWait(batch.getMaxWait());
    }
    if (settings.getWriteTimeout() != null) {
      builder.writeTimeout(settings.getWriteTimeout());
    }
    Tandem<Object, Object> tandem;
    try {
      tandem = builder.build();
      if (settings.isJoinTransactions()) {
        // @Transactional writes run on the transaction's connection and reach the cache after its
        // commit
        tandem = SpringTransactions.joining(tandem, dataSource);
      }
    } catch (RuntimeException e) {
      tier.close();
      store.close();
      throw e;
    }
    Map<String, DoubleSupplier> gauges = new ConcurrentHashMap<>();
    tier.registerMeters(
        new TierMeters() {
          @Override
          public void counter(String meter, String description, LongSupplier count) {}

          @Override
          public void gauge(String meter, String description, DoubleSupplier value) {
            gauges.put(meter, value);
          }
        });
    built.put(name, new Built(name, tandem, tier, Map.copyOf(gauges)));
    return tandem;
  }

  private <K, V> CacheTier<K, V> tier(
      String name,
      TandemProperties.Cache settings,
      Class<K> keyType,
      Class<V> valueType,
      String prefix) {
    if (settings.getTier() == TandemProperties.Tier.LOCAL) {
      LocalTier.Builder<K, V> local =
          LocalTier.<K, V>builder().maximumSize(settings.getMaximumSize());
      if (settings.getTimeToLive() != null) {
        local.expireAfterWrite(settings.getTimeToLive());
      }
      return local.build();
    }
    RedisURI uri = redisUri(environment);
    Function<String, K> decoder = keyDecoder(keyType);
    TandemProperties.Redis redis = settings.getRedis();
    RedisTier.Builder<K, V> shared =
        RedisTier.<K, V>builder(JsonCodec.of(valueType))
            .uri(uri)
            .keyPrefix(redis.getKeyPrefix() != null ? redis.getKeyPrefix() : "tandem:" + name + ":")
            .keyDecoder(decoder);
    if (settings.getTimeToLive() != null) {
      shared.timeToLive(settings.getTimeToLive());
    }
    if (redis.getCommandTimeout() != null) {
      shared.commandTimeout(redis.getCommandTimeout());
    }
    if (redis.getWriteFenceTimeout() != null) {
      shared.writeFenceTimeout(redis.getWriteFenceTimeout());
    }
    RedisTier<K, V> redisTier = shared.build();
    if (settings.getTier() == TandemProperties.Tier.REDIS) {
      return redisTier;
    }
    try {
      NearTier.Builder<K, V> near =
          NearTier.builder(redisTier)
              .uri(uri)
              .maximumSize(settings.getMaximumSize())
              .boundedStaleness(
                  required(
                      settings.getBoundedStaleness(), prefix + "bounded-staleness (tier near)"))
              .keyDecoder(decoder);
      if (redis.getCommandTimeout() != null) {
        near.commandTimeout(redis.getCommandTimeout());
      }
      return near.build();
    } catch (RuntimeException e) {
      redisTier.close();
      throw e;
    }
  }

  /**
   * Returns the Redis server of Spring Boot's {@code spring.data.redis.*}: {@code url} if set, else
   * {@code host}, {@code port}, {@code database}, {@code username}, {@code password} and {@code
   * ssl.enabled}, with Boot's defaults (localhost:6379, database 0). Read from the environment, so
   * the same on Boot 3 and 4, and without Spring Data Redis on the class path.
   */
  static RedisURI redisUri(Environment env) {
    String url = env.getProperty("spring.data.redis.url");
    if (url != null && !url.isBlank()) {
      return RedisURI.create(url);
    }
    RedisURI.Builder uri =
        RedisURI.builder()
            .withHost(env.getProperty("spring.data.redis.host", "localhost"))
            .withPort(env.getProperty("spring.data.redis.port", Integer.class, 6379))
            .withDatabase(env.getProperty("spring.data.redis.database", Integer.class, 0))
            .withSsl(env.getProperty("spring.data.redis.ssl.enabled", Boolean.class, false));
    String password = env.getProperty("spring.data.redis.password");
    if (password != null) {
      String username = env.getProperty("spring.data.redis.username");
      if (username != null) {
        uri.withAuthentication(username, password);
      } else {
        uri.withPassword(password.toCharArray());
      }
    }
    return uri.build();
  }

  @SuppressWarnings("unchecked")
  private static <K> Function<String, K> keyDecoder(Class<K> keyType) {
    if (keyType == Long.class) {
      return text -> (K) Long.valueOf(text);
    } else if (keyType == Integer.class) {
      return text -> (K) Integer.valueOf(text);
    } else if (keyType == UUID.class) {
      return text -> (K) UUID.fromString(text);
    }
    return text -> keyType.cast(text);
  }

  private static <T> T required(@Nullable T value, String property) {
    if (value == null) {
      throw new IllegalStateException(property + " must be set");
    }
    return requireNonNull(value);
  }
}
