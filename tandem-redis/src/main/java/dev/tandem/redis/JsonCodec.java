package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;

/**
 * Values as JSON, through Jackson databind, for one declared type: a {@link Class}, or a generic
 * type through a {@link TypeReference} or {@link JavaType}. Needs {@code jackson-databind} on the
 * class path (an optional dependency of this module).
 *
 * <p><b>No polymorphic deserialization by class name.</b> Whoever can write to Redis chooses the
 * bytes this codec decodes. If the JSON could name the Java class to instantiate (Jackson's
 * "default typing", or {@code @JsonTypeInfo(use = Id.CLASS)}), a writable Redis would let an
 * attacker make every node instantiate classes of their choosing, a remote code execution risk of
 * the same kind as Java native serialization. So this codec refuses a mapper with default typing
 * enabled and a declared type whose type id is a class name; the payload decides nothing but the
 * field values of the declared type. Do not put class-name type ids on nested types either (use
 * {@code Id.NAME} with registered subtypes).
 *
 * <p>The codec reads and writes with an {@link ObjectReader} and {@link ObjectWriter} taken from
 * the mapper when the codec is created: changing the mapper afterwards does not change the codec.
 * Trailing content after the JSON value is an error. The codec is immutable and thread-safe.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(JavaType type, ObjectMapper mapper) {
    refuseClassNameTypeIds(type, mapper);
    this.type = type;
    this.reader = mapper.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.writer = mapper.writerFor(type);
  }

  /**
   * Returns a codec of {@code type} with a default {@code ObjectMapper} (no modules; records,
   * beans, collections and the JDK's basic types).
   *
   * @throws IllegalArgumentException if {@code type} declares class-name type ids
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    requireNonNull(type, "type");
    return of(type, new ObjectMapper());
  }

  /**
   * Returns a codec of {@code type} that reads and writes with {@code mapper}'s configuration as
   * it is now (modules, naming strategy, features).
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled, or {@code type}
   *     declares class-name type ids
   */
  public static <V> JsonCodec<V> of(Class<V> type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec of the generic type that {@code type} captures, e.g.
   * {@code new TypeReference<List<Flight>>() {}}, with {@code mapper}'s configuration as it is now.
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled, or the type
   *     declares class-name type ids
   */
  public static <V> JsonCodec<V> of(TypeReference<V> type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec of {@code type}, which the caller asserts to describe {@code V}, with
   * {@code mapper}'s configuration as it is now.
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled, or the type
   *     declares class-name type ids
   */
  public static <V> JsonCodec<V> of(JavaType type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    return new JsonCodec<>(type, mapper);
  }

  /**
   * Returns the UTF-8 JSON of {@code value}.
   *
   * @throws IllegalArgumentException if Jackson cannot write the value
   */
  @Override
  public byte[] encode(V value) {
    requireNonNull(value, "value");
    try {
      return writer.writeValueAsBytes(value);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("cannot encode a " + value.getClass().getName() + " as JSON of "
          + type + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Returns the value of the declared type that the JSON {@code bytes} describe.
   *
   * @throws IllegalArgumentException if the bytes are not one JSON value of the declared type, or
   *     are JSON {@code null}
   */
  @Override
  public V decode(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    V value;
    try {
      value = reader.readValue(bytes);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("cannot decode " + bytes.length + " bytes as JSON of " + type + ": "
          + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot decode " + bytes.length + " bytes as JSON of " + type, e);
    }
    if (value == null) {
      throw new IllegalArgumentException("JSON null is not a value of " + type);
    }
    return value;
  }

  /** Returns the declared type of the values. */
  public JavaType type() {
    return type;
  }

  @Override
  public String toString() {
    return "JsonCodec{" + type + "}";
  }

  private static void refuseClassNameTypeIds(JavaType type, ObjectMapper mapper) {
    DeserializationConfig config = mapper.getDeserializationConfig();
    if (config.getDefaultTyper(type) != null) {
      throw new IllegalArgumentException("the ObjectMapper has default typing enabled: JSON from Redis could then "
          + "choose the classes to instantiate (a remote code execution risk); use a mapper without it");
    }
    TypeDeserializer root;
    try {
      root = mapper.getDeserializationContext().getFactory().findTypeDeserializer(config, type);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("cannot inspect the type ids of " + type + ": " + e.getOriginalMessage(), e);
    }
    if (root != null) {
      JsonTypeInfo.Id mechanism = root.getTypeIdResolver().getMechanism();
      if (mechanism == JsonTypeInfo.Id.CLASS || mechanism == JsonTypeInfo.Id.MINIMAL_CLASS) {
        throw new IllegalArgumentException(type + " takes its class from the JSON (@JsonTypeInfo(use = " + mechanism
            + ")): JSON from Redis could then choose the classes to instantiate (a remote code execution risk); "
            + "use JsonTypeInfo.Id.NAME with registered subtypes");
      }
    }
  }
}
