package dev.tandem.spring.boot;

import dev.tandem.Tandem;
import dev.tandem.VersionConflictException;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.cache.Cache;
import org.springframework.cache.support.SimpleValueWrapper;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.DefaultConversionService;

/**
 * A Spring {@link Cache} over one Tandem.
 *
 * <p>The database is the source of every value: a lookup ({@code @Cacheable}) loads the row on a
 * miss through Tandem's lease-protected fill, so the annotated method runs only for keys the table
 * does not have. Null values are not cached (Tandem holds no nulls): a null put drops the copy.
 * Keys are converted to the cache's key type where Spring's conversion service can (an {@code int}
 * parameter for a {@code Long} key).
 */
final class TandemCache<K, V> implements Cache {

  private static final ConversionService CONVERSION = DefaultConversionService.getSharedInstance();

  private final String name;
  private final Tandem<K, V> tandem;
  private final Class<K> keyType;
  private final Class<V> valueType;
  private final TandemProperties.PutMode putMode;

  private TandemCache(
      String name,
      Tandem<K, V> tandem,
      Class<K> keyType,
      Class<V> valueType,
      TandemProperties.PutMode putMode) {
    this.name = name;
    this.tandem = tandem;
    this.keyType = keyType;
    this.valueType = valueType;
    this.putMode = putMode;
  }

  @SuppressWarnings("unchecked")
  static TandemCache<?, ?> of(String name, Tandem<?, ?> tandem, TandemProperties.Cache settings) {
    Class<?> valueType = settings.getValueType() != null ? settings.getValueType() : Object.class;
    return new TandemCache<>(
        name,
        (Tandem<Object, Object>) tandem,
        (Class<Object>) settings.getKeyType(),
        (Class<Object>) valueType,
        settings.getPutMode());
  }

  @Override
  public String getName() {
    return name;
  }

  /** Returns the {@link Tandem}. */
  @Override
  public Object getNativeCache() {
    return tandem;
  }

  /** Returns the key's value, loaded from the database on a miss; null if the table has no row. */
  @Override
  public @Nullable ValueWrapper get(Object key) {
    return tandem.get(key(key)).map(SimpleValueWrapper::new).orElse(null);
  }

  @Override
  public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
    V value = tandem.get(key(key)).orElse(null);
    if (value != null && type != null && !type.isInstance(value)) {
      throw new IllegalStateException(
          "cache "
              + name
              + ": the value of key "
              + key
              + " is a "
              + value.getClass().getName()
              + ", not a "
              + type.getName());
    }
    @SuppressWarnings("unchecked")
    T cast = (T) value;
    return cast;
  }

  /**
   * Returns the key's value, loaded from the database on a miss through Tandem's lease-protected
   * fill ({@code @Cacheable(sync = true)}): concurrent misses of the key share one load, and a
   * write that commits meanwhile is never overwritten by it. Only if the table has no row is the
   * {@code valueLoader} (the annotated method) called; its value is written through under {@link
   * TandemProperties.PutMode#WRITE_THROUGH}, and returned uncached under {@link
   * TandemProperties.PutMode#INVALIDATE}.
   */
  @Override
  public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
    K k = key(key);
    Optional<V> cached = tandem.get(k);
    if (cached.isPresent()) {
      @SuppressWarnings("unchecked")
      T value = (T) cached.get();
      return value;
    }
    T loaded;
    try {
      loaded = valueLoader.call();
    } catch (Exception e) {
      throw new ValueRetrievalException(key, valueLoader, e);
    }
    if (loaded != null && putMode == TandemProperties.PutMode.WRITE_THROUGH) {
      tandem.put(k, value(k, loaded));
    }
    return loaded;
  }

  /**
   * Under {@link TandemProperties.PutMode#INVALIDATE}, drops the cached copy (the method wrote the
   * database; the next read loads the committed row). Under {@link
   * TandemProperties.PutMode#WRITE_THROUGH}, writes {@code value} to the database through Tandem
   * and returns once it committed. A null value drops the copy in both modes.
   */
  @Override
  public void put(Object key, @Nullable Object value) {
    K k = key(key);
    if (value == null || putMode == TandemProperties.PutMode.INVALIDATE) {
      tandem.invalidate(k);
    } else {
      tandem.put(k, value(k, value));
    }
  }

  /**
   * Returns the key's current value if it has one; else, under {@link
   * TandemProperties.PutMode#WRITE_THROUGH}, writes {@code value} only if the row is still absent
   * (a conditional write) and returns null.
   */
  @Override
  public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
    K k = key(key);
    Optional<V> current = tandem.get(k);
    if (current.isPresent() || value == null || putMode == TandemProperties.PutMode.INVALIDATE) {
      return current.map(SimpleValueWrapper::new).orElse(null);
    }
    try {
      tandem.putIfVersion(k, 0, value(k, value));
      return null;
    } catch (VersionConflictException e) {
      return tandem.get(k).map(SimpleValueWrapper::new).orElse(null);
    }
  }

  /** Drops the cached copy of the key ({@code @CacheEvict}); the database is not touched. */
  @Override
  public void evict(Object key) {
    tandem.invalidate(key(key));
  }

  /** Drops the cached copy of the key; returns whether one was cached. */
  @Override
  public boolean evictIfPresent(Object key) {
    K k = key(key);
    boolean cached = tandem.getIfCached(k).isPresent();
    tandem.invalidate(k);
    return cached;
  }

  /**
   * Drops every cached copy ({@code @CacheEvict(allEntries = true)}); the database is not touched.
   */
  @Override
  public void clear() {
    tandem.invalidateAll();
  }

  @Override
  public boolean invalidate() {
    tandem.invalidateAll();
    return true;
  }

  private K key(Object key) {
    if (keyType.isInstance(key)) {
      return keyType.cast(key);
    }
    if (CONVERSION.canConvert(key.getClass(), keyType)) {
      K converted = CONVERSION.convert(key, keyType);
      if (converted != null) {
        return converted;
      }
    }
    throw new IllegalArgumentException(
        "cache "
            + name
            + ": key "
            + key
            + " ("
            + key.getClass().getName()
            + ") is not a "
            + keyType.getName()
            + "; name the key in the annotation, e.g. key = \"#id\"");
  }

  private V value(K key, Object value) {
    if (!valueType.isInstance(value)) {
      throw new IllegalArgumentException(
          "cache "
              + name
              + ": the value of key "
              + key
              + " is a "
              + value.getClass().getName()
              + ", not a "
              + valueType.getName());
    }
    return valueType.cast(value);
  }

  @Override
  public String toString() {
    return "TandemCache(" + name + ", put " + putMode + ")";
  }
}
