package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.deser.BasicDeserializerFactory;
import com.fasterxml.jackson.databind.deser.DeserializerFactory;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

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
 * enabled, and class-name type ids at any depth of the declared type: on the type itself, on its
 * properties (their {@code @JsonTypeInfo} or their types'), in collections, maps, arrays and {@code
 * Optional}s, and in registered subtypes. Use {@code Id.NAME} with registered subtypes. The codec
 * reads with a copy of the mapper whose {@link PolymorphicTypeValidator} denies every class name,
 * so a class-name type id that this check cannot see (one that a custom deserializer asks for while
 * reading) makes the value undecodable instead of instantiating the class. The payload decides
 * nothing but the field values of the declared type.
 *
 * <p>The codec reads and writes with an {@link ObjectReader} and {@link ObjectWriter} taken from
 * the mapper (a copy of it, for reading) when the codec is created: changing the mapper afterwards
 * does not change the codec. Trailing content after the JSON value is an error. The codec is
 * immutable and thread-safe.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JsonCodec(JavaType type, ObjectMapper mapper) {
    refuseClassNameTypeIds(type, mapper);
    ObjectMapper reading = refusingClassNames(mapper);
    this.type = type;
    this.reader = reading.readerFor(type).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    this.writer = mapper.writerFor(type);
  }

  /**
   * Returns a codec of {@code type} with a default {@code ObjectMapper} (no modules; records,
   * beans, collections and the JDK's basic types).
   *
   * @throws IllegalArgumentException if {@code type} declares class-name type ids at any depth
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    requireNonNull(type, "type");
    return of(type, new ObjectMapper());
  }

  /**
   * Returns a codec of {@code type} that reads and writes with {@code mapper}'s configuration as it
   * is now (modules, naming strategy, features).
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled or cannot be copied
   *     (a subclass that does not override {@code copy()}), or {@code type} declares class-name
   *     type ids at any depth
   */
  public static <V> JsonCodec<V> of(Class<V> type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec of the generic type that {@code type} captures, e.g. {@code new
   * TypeReference<List<Flight>>() {}}, with {@code mapper}'s configuration as it is now.
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled or cannot be copied
   *     (a subclass that does not override {@code copy()}), or the type declares class-name type
   *     ids at any depth
   */
  public static <V> JsonCodec<V> of(TypeReference<V> type, ObjectMapper mapper) {
    requireNonNull(type, "type");
    requireNonNull(mapper, "mapper");
    return new JsonCodec<>(mapper.constructType(type), mapper);
  }

  /**
   * Returns a codec of {@code type}, which the caller asserts to describe {@code V}, with {@code
   * mapper}'s configuration as it is now.
   *
   * @throws IllegalArgumentException if the mapper has default typing enabled or cannot be copied
   *     (a subclass that does not override {@code copy()}), or the type declares class-name type
   *     ids at any depth
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
      throw new IllegalArgumentException(
          "cannot encode a "
              + value.getClass().getName()
              + " as JSON of "
              + type
              + ": "
              + e.getOriginalMessage(),
          e);
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
      throw new IllegalArgumentException(
          "cannot decode "
              + bytes.length
              + " bytes as JSON of "
              + type
              + ": "
              + e.getOriginalMessage(),
          e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          "cannot decode " + bytes.length + " bytes as JSON of " + type, e);
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

  /**
   * Returns a copy of {@code mapper} whose polymorphic type validator denies every class name, so
   * that a class-name type id the type walk could not see still instantiates nothing: Jackson
   * consults it before it loads a class named by a type id ({@code Id.NAME} does not consult it).
   *
   * @throws IllegalArgumentException if the mapper cannot be copied
   */
  static ObjectMapper refusingClassNames(ObjectMapper mapper) {
    ObjectMapper copy;
    try {
      copy = mapper.copy();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "cannot copy the ObjectMapper ("
              + mapper.getClass().getName()
              + " does not override copy()): the codec reads with a copy that refuses class-name type ids",
          e);
    }
    copy.setPolymorphicTypeValidator(ClassNamesDenied.INSTANCE);
    return copy;
  }

  /**
   * Refuses default typing, and class-name type ids ({@code Id.CLASS}, {@code Id.MINIMAL_CLASS}) on
   * {@code type} and on every type its JSON may hold, at any depth: bean properties (their own
   * {@code @JsonTypeInfo}, and their types'), collection, map and reference contents, array
   * components, and the registered subtypes of each. Each type is visited once.
   */
  private static void refuseClassNameTypeIds(JavaType type, ObjectMapper mapper) {
    DeserializationConfig config = mapper.getDeserializationConfig();
    if (config.getDefaultTyper(type) != null) {
      throw new IllegalArgumentException(
          "the ObjectMapper has default typing enabled: JSON from Redis could then "
              + "choose the classes to instantiate (a remote code execution risk); use a mapper without it");
    }
    DeserializerFactory factory = mapper.getDeserializationContext().getFactory();
    Deque<JavaType> pending = new ArrayDeque<>();
    Map<JavaType, String> seen = new HashMap<>();
    pending.add(type);
    seen.put(type, type.toString());
    try {
      while (!pending.isEmpty()) {
        JavaType next = pending.poll();
        String where = requireNonNull(seen.get(next)); // every queued type was recorded in seen
        refuseClassNames(factory.findTypeDeserializer(config, next), where);
        List<JavaType> inside = new ArrayList<>();
        if (next.getKeyType() != null) {
          inside.add(next.getKeyType());
        }
        if (next.getContentType() != null) {
          inside.add(next.getContentType());
        }
        if (!next.isContainerType()
            && !next.isReferenceType()
            && !next.isPrimitive()
            && !isJdk(next.getRawClass())) {
          BeanDescription bean = config.introspect(next);
          for (NamedType subtype :
              config
                  .getSubtypeResolver()
                  .collectAndResolveSubtypesByClass(config, bean.getClassInfo())) {
            if (subtype.getType() != next.getRawClass()
                && next.getRawClass().isAssignableFrom(subtype.getType())) {
              inside.add(config.constructType(subtype.getType()));
            }
          }
          for (BeanPropertyDefinition property : bean.findProperties()) {
            String name = next.getRawClass().getName() + "." + property.getName();
            for (AnnotatedMember member : members(property)) {
              JavaType declared = member.getType();
              if (factory instanceof BasicDeserializerFactory basic) {
                refuseClassNames(
                    basic.findPropertyTypeDeserializer(config, declared, member), name);
                if (declared.isContainerType() || declared.isReferenceType()) {
                  refuseClassNames(
                      basic.findPropertyContentTypeDeserializer(config, declared, member), name);
                }
              }
              if (!seen.containsKey(declared)) {
                seen.put(declared, name);
                pending.add(declared);
              }
            }
          }
        }
        for (JavaType held : inside) {
          if (!seen.containsKey(held)) {
            seen.put(held, where + " (" + held.getRawClass().getName() + ")");
            pending.add(held);
          }
        }
      }
    } catch (JacksonException e) {
      throw new IllegalArgumentException(
          "cannot inspect the type ids of " + type + ": " + e.getOriginalMessage(), e);
    }
  }

  private static void refuseClassNames(@Nullable TypeDeserializer typeIds, String where) {
    if (typeIds == null) {
      return;
    }
    JsonTypeInfo.Id mechanism = typeIds.getTypeIdResolver().getMechanism();
    if (mechanism == JsonTypeInfo.Id.CLASS || mechanism == JsonTypeInfo.Id.MINIMAL_CLASS) {
      throw new IllegalArgumentException(
          where
              + " takes its class from the JSON (@JsonTypeInfo(use = "
              + mechanism
              + ")): JSON from Redis could then choose the classes to instantiate (a remote code execution risk); "
              + "use JsonTypeInfo.Id.NAME with registered subtypes");
    }
  }

  /**
   * Returns the members through which a property is read or written (those that may carry its
   * annotations).
   */
  private static List<AnnotatedMember> members(BeanPropertyDefinition property) {
    List<AnnotatedMember> members = new ArrayList<>(4);
    for (AnnotatedMember member :
        new AnnotatedMember[] {
          property.getConstructorParameter(),
          property.getSetter(),
          property.getField(),
          property.getGetter()
        }) {
      if (member != null) {
        members.add(member);
      }
    }
    return members;
  }

  /**
   * Whether {@code type} is the JDK's: its properties are not walked (a mix-in on it is still seen
   * at its own level).
   */
  private static boolean isJdk(Class<?> type) {
    String name = type.getName();
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.");
  }

  /**
   * Denies every class named by a type id; allows nothing else either (it is only asked about class
   * names).
   */
  private static final class ClassNamesDenied extends PolymorphicTypeValidator.Base {
    static final ClassNamesDenied INSTANCE = new ClassNamesDenied();
    private static final long serialVersionUID = 1L;

    @Override
    public Validity validateSubClassName(
        MapperConfig<?> config, JavaType baseType, String subClassName) {
      return Validity.DENIED;
    }

    @Override
    public Validity validateSubType(MapperConfig<?> config, JavaType baseType, JavaType subType) {
      return Validity.DENIED;
    }
  }
}
