package dev.tandem.spring.boot;

import dev.tandem.Tandem;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * The Spring {@link CacheManager} whose caches are the Tandems of {@code tandem.caches}:
 * {@code @Cacheable("flights")} reads through the Tandem bean {@code flights}. It knows only the
 * configured caches: a name that is not configured finds no cache (Spring then reports it).
 *
 * <p>On each cache, {@code get} loads from the database on a miss (concurrent misses of a key share
 * one lease-protected load), {@code evict} and {@code clear} drop cached copies only, and {@code
 * put} follows the cache's {@linkplain TandemProperties.PutMode put mode}. Thread-safe.
 */
public final class TandemCacheManager implements CacheManager {

  private final TandemProperties properties;
  private final BeanFactory beanFactory;
  private final Map<String, Cache> caches = new ConcurrentHashMap<>();

  TandemCacheManager(TandemProperties properties, BeanFactory beanFactory) {
    this.properties = properties;
    this.beanFactory = beanFactory;
  }

  /**
   * Returns the cache over the Tandem bean {@code name}, built on first use, or null if {@code
   * tandem.caches.<name>} is not configured.
   */
  @Override
  public @Nullable Cache getCache(String name) {
    TandemProperties.Cache settings = properties.getCaches().get(name);
    if (settings == null) {
      return null;
    }
    return caches.computeIfAbsent(
        name, n -> TandemCache.of(n, beanFactory.getBean(n, Tandem.class), settings));
  }

  /** Returns the names of the configured caches. */
  @Override
  public Collection<String> getCacheNames() {
    return List.copyOf(properties.getCaches().keySet());
  }
}
