package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The mapper of a record or a simple class to one column per component: {@link RowMapper#ofRecord}
 * and {@link RowMapper#ofClass}. The components are a record's components; for another class, the
 * parameters of its public constructor whose parameters all have names (compiled with {@code
 * -parameters}) and accessors ({@code name()}, {@code getName()} or {@code isName()}), else the
 * properties of a JavaBean (a public no-argument constructor, and a setter and a getter per
 * property).
 *
 * <p>Design: everything that needs reflection happens once, in the constructor: the constructor,
 * each accessor and each setter become method handles, and each component gets a {@link
 * ComponentType} that reads and writes it with a fixed JDBC call. A row then costs one getter call
 * per column and one constructor call (plus a setter per column for a JavaBean); a write one
 * accessor call per column. {@link #check} runs once, when the {@link JdbcStore} is built, against
 * the table's catalog entry, so a missing or mistyped column fails at start-up with its name rather
 * than on the first row.
 */
final class ComponentMapper<V> implements RowMapper<V> {

  /** Makes a value from its components, in column order. */
  @FunctionalInterface
  private interface Creator {
    Object create(@Nullable Object[] components) throws Throwable;
  }

  /** One component: its name, type and accessor (as {@code (Object) -> Object}). */
  private record Part(String name, Class<?> type, MethodHandle accessor) {}

  private final Class<V> type;

  /** "record component" or "property", for messages. */
  private final String kind;

  private final List<String> components;
  private final List<String> columns;
  private final ComponentType[] types;
  private final MethodHandle[] accessors;
  private final Creator creator;

  /** Maps {@code type}, looked up with {@code lookup}, or with this module's access if null. */
  ComponentMapper(Class<V> type, MethodHandles.@Nullable Lookup lookup) {
    requireNonNull(type, "type");
    this.type = type;
    if (type.isInterface()
        || type.isEnum()
        || type.isArray()
        || type.isPrimitive()
        || Modifier.isAbstract(type.getModifiers())
        || type.getEnclosingClass() != null && !Modifier.isStatic(type.getModifiers())) {
      throw new IllegalArgumentException(
          "rowMapper: " + type.getName() + " is not a record or a concrete," + " non-inner class");
    }
    MethodHandles.Lookup access = access(type, lookup);
    List<Part> parts = new ArrayList<>();
    try {
      if (type.isRecord()) {
        kind = "record component";
        creator = recordParts(type, access, parts);
      } else {
        kind = "property";
        creator = classParts(type, access, parts);
      }
    } catch (IllegalAccessException | NoSuchMethodException e) {
      throw inaccessible(type, e);
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("rowMapper: " + type.getName() + " has no components");
    }
    List<String> names = new ArrayList<>(parts.size());
    List<String> cols = new ArrayList<>(parts.size());
    this.types = new ComponentType[parts.size()];
    this.accessors = new MethodHandle[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      Part part = parts.get(i);
      names.add(part.name());
      cols.add(QualifiedName.identifier(columnName(part.name()), "rowMapper column"));
      types[i] =
          ComponentType.of(part.type(), kind + " " + type.getSimpleName() + "." + part.name());
      accessors[i] = part.accessor();
    }
    this.components = List.copyOf(names);
    this.columns = List.copyOf(cols);
  }

  private static Creator recordParts(Class<?> type, MethodHandles.Lookup access, List<Part> parts)
      throws IllegalAccessException, NoSuchMethodException {
    RecordComponent[] components = requireNonNull(type.getRecordComponents());
    Class<?>[] parameterTypes = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      parameterTypes[i] = components[i].getType();
      parts.add(
          new Part(
              components[i].getName(),
              components[i].getType(),
              generic(access.unreflect(components[i].getAccessor()))));
    }
    return spreader(
        access.findConstructor(type, MethodType.methodType(void.class, parameterTypes)));
  }

  private static Creator classParts(Class<?> type, MethodHandles.Lookup access, List<Part> parts)
      throws IllegalAccessException {
    Constructor<?> best = null;
    List<Method> bestAccessors = List.of();
    Constructor<?> noArguments = null;
    for (Constructor<?> constructor : type.getConstructors()) {
      Parameter[] parameters = constructor.getParameters();
      if (parameters.length == 0) {
        noArguments = constructor;
        continue;
      }
      List<Method> found = new ArrayList<>();
      for (Parameter parameter : parameters) {
        Method accessor =
            parameter.isNamePresent()
                ? accessor(type, parameter.getName(), parameter.getType())
                : null;
        if (accessor == null) {
          found = null;
          break;
        }
        found.add(accessor);
      }
      if (found != null && (best == null || parameters.length > best.getParameterCount())) {
        best = constructor;
        bestAccessors = found;
      }
    }
    if (best != null) {
      Parameter[] parameters = best.getParameters();
      for (int i = 0; i < parameters.length; i++) {
        parts.add(
            new Part(
                parameters[i].getName(),
                parameters[i].getType(),
                generic(access.unreflect(bestAccessors.get(i)))));
      }
      return spreader(access.unreflectConstructor(best));
    }
    if (noArguments == null) {
      throw new IllegalArgumentException(
          "rowMapper: class "
              + type.getName()
              + " has neither a public constructor"
              + " whose parameters all have names (compile with -parameters) and accessors, nor a public"
              + " no-argument constructor with setters");
    }
    List<MethodHandle> setters = new ArrayList<>();
    for (String property : propertyOrder(type)) {
      for (Method setter : type.getMethods()) {
        if (setter.getName().equals("set" + capitalized(property))
            && setter.getParameterCount() == 1
            && !Modifier.isStatic(setter.getModifiers())) {
          Method getter = accessor(type, property, setter.getParameterTypes()[0]);
          if (getter != null) {
            parts.add(
                new Part(property, getter.getReturnType(), generic(access.unreflect(getter))));
            setters.add(
                access
                    .unreflect(setter)
                    .asType(MethodType.methodType(void.class, Object.class, Object.class)));
            break;
          }
        }
      }
    }
    MethodHandle create =
        access.unreflectConstructor(noArguments).asType(MethodType.methodType(Object.class));
    MethodHandle[] set = setters.toArray(MethodHandle[]::new);
    return values -> {
      Object value = (Object) create.invokeExact();
      for (int i = 0; i < set.length; i++) {
        set[i].invokeExact(value, values[i]);
      }
      return value;
    };
  }

  /**
   * Returns the names of the properties with setters, in the order their fields are declared, then
   * the rest by name.
   */
  private static List<String> propertyOrder(Class<?> type) {
    Set<String> names = new LinkedHashSet<>();
    List<Class<?>> hierarchy = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      hierarchy.add(0, c);
    }
    for (Class<?> c : hierarchy) {
      for (Field field : c.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers())) {
          names.add(field.getName());
        }
      }
    }
    Set<String> setters = new TreeSet<>();
    for (Method method : type.getMethods()) {
      if (method.getName().length() > 3
          && method.getName().startsWith("set")
          && method.getParameterCount() == 1) {
        String name = method.getName().substring(3);
        setters.add(Character.toLowerCase(name.charAt(0)) + name.substring(1));
      }
    }
    names.retainAll(setters);
    names.addAll(setters);
    return List.copyOf(names);
  }

  /**
   * Returns the public accessor of {@code name} returning {@code type}: {@code name()}, {@code
   * getName()} or {@code isName()}.
   */
  private static @Nullable Method accessor(Class<?> type, String name, Class<?> returnType) {
    for (String candidate :
        new String[] {name, "get" + capitalized(name), "is" + capitalized(name)}) {
      try {
        Method method = type.getMethod(candidate);
        if (method.getReturnType() == returnType && !Modifier.isStatic(method.getModifiers())) {
          return method;
        }
      } catch (NoSuchMethodException e) {
        // try the next spelling
      }
    }
    return null;
  }

  private static String capitalized(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static MethodHandle generic(MethodHandle accessor) {
    return accessor.asType(MethodType.methodType(Object.class, Object.class));
  }

  private static Creator spreader(MethodHandle constructor) {
    int arity = constructor.type().parameterCount();
    MethodHandle spread =
        constructor.asType(constructor.type().generic()).asSpreader(Object[].class, arity);
    return values -> (Object) spread.invokeExact(values);
  }

  /**
   * Returns the column of a component: camelCase becomes snake_case ({@code delayMinutes} is {@code
   * delay_minutes}, {@code flightNo2} is {@code flight_no2}, {@code httpURL} is {@code http_url}).
   */
  static String columnName(String component) {
    StringBuilder column = new StringBuilder(component.length() + 4);
    for (int i = 0; i < component.length(); i++) {
      char c = component.charAt(i);
      if (Character.isUpperCase(c)) {
        boolean afterLower = i > 0 && !Character.isUpperCase(component.charAt(i - 1));
        boolean beforeLower =
            i > 0 && i + 1 < component.length() && Character.isLowerCase(component.charAt(i + 1));
        if (afterLower || beforeLower) {
          column.append('_');
        }
        column.append(Character.toLowerCase(c));
      } else {
        column.append(c);
      }
    }
    return column.toString();
  }

  private static MethodHandles.Lookup access(Class<?> type, MethodHandles.@Nullable Lookup lookup) {
    if (lookup != null) {
      return lookup; // the caller's own: it sees what the caller sees
    }
    try {
      return MethodHandles.privateLookupIn(type, MethodHandles.lookup());
    } catch (IllegalAccessException e) {
      throw inaccessible(type, e);
    }
  }

  private static IllegalArgumentException inaccessible(Class<?> type, Exception e) {
    return new IllegalArgumentException(
        "rowMapper: "
            + type.getName()
            + " is not accessible to Tandem ("
            + e.getMessage()
            + "): make it public, open its package to dev.tandem.jdbc, or pass a Lookup:"
            + " RowMapper.of"
            + (type.isRecord() ? "Record(" : "Class(")
            + type.getSimpleName()
            + ".class, MethodHandles.lookup())",
        e);
  }

  @Override
  public List<String> columns() {
    return columns;
  }

  @Override
  public V read(ResultSet rs) throws SQLException {
    @Nullable Object[] arguments = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      arguments[i] = types[i].read(rs, columns.get(i));
    }
    try {
      return type.cast(creator.create(arguments));
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("making a " + type.getName() + " threw " + e, e);
    }
  }

  @Override
  public List<?> write(V value) {
    @Nullable Object[] values = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Object component;
      try {
        component = (Object) accessors[i].invokeExact((Object) value);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(
            "the accessor of " + components.get(i) + " of " + type.getName() + " threw " + e, e);
      }
      values[i] = component == null ? null : types[i].toJdbc(component);
    }
    return Arrays.asList(values);
  }

  /**
   * Checks every component's column against the table: that it exists and that its SQL type holds
   * the component's Java type.
   *
   * @throws IllegalArgumentException naming the record, the component and the column
   */
  void check(Catalog catalog, Catalog.TableName table, Map<String, Catalog.Column> all) {
    for (int i = 0; i < types.length; i++) {
      Catalog.Column column = catalog.findColumn(all, columns.get(i));
      String component = kind + " " + type.getSimpleName() + "." + components.get(i);
      if (column == null) {
        throw new IllegalArgumentException(
            "rowMapper: table "
                + table
                + " has no column "
                + columns.get(i)
                + " for the "
                + component
                + " (it has "
                + all.keySet()
                + ")");
      }
      if (!types[i].fits(column)) {
        throw new IllegalArgumentException(
            "rowMapper: column "
                + column.name()
                + " of "
                + table
                + " is of SQL type "
                + column.typeName()
                + ", which does not hold the "
                + component
                + " of type "
                + types[i].javaType.getSimpleName()
                + " ("
                + types[i].expected
                + ")");
      }
    }
  }

  @Override
  public String toString() {
    return "RowMapper(" + type.getName() + " -> " + columns + ")";
  }

  /**
   * How one component travels: the JDBC call that reads it, its JDBC value, the SQL types that hold
   * it.
   */
  private static class ComponentType {
    private static final Set<Integer> TEXT =
        Set.of(
            Types.CHAR,
            Types.VARCHAR,
            Types.LONGVARCHAR,
            Types.NCHAR,
            Types.NVARCHAR,
            Types.LONGNVARCHAR,
            Types.CLOB,
            Types.NCLOB);
    private static final Set<String> TEXT_NAMES =
        Set.of(
            "text",
            "json",
            "jsonb",
            "character varying",
            "character large object",
            "varchar_ignorecase");

    @FunctionalInterface
    private interface Getter {
      @Nullable Object get(ResultSet rs, String column) throws SQLException;
    }

    final Class<?> javaType;
    final String expected;
    private final String component;
    private final Getter getter;
    private final Set<Integer> jdbcTypes;
    private final Set<String> typeNames;

    private ComponentType(
        Class<?> javaType,
        String component,
        Getter getter,
        String expected,
        Set<Integer> jdbcTypes,
        Set<String> typeNames) {
      this.javaType = javaType;
      this.component = component;
      this.getter = getter;
      this.expected = expected;
      this.jdbcTypes = jdbcTypes;
      this.typeNames = typeNames;
    }

    private static ComponentType of(
        Class<?> t, String component, Getter getter, String expected, Integer... jdbcTypes) {
      return new ComponentType(t, component, getter, expected, Set.of(jdbcTypes), Set.of());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static ComponentType of(Class<?> t, String component) {
      if (t == String.class) {
        return new ComponentType(
            t, component, ResultSet::getString, "a text type", TEXT, TEXT_NAMES);
      } else if (t.isEnum()) {
        Class<? extends Enum> e = (Class<? extends Enum>) t;
        return new ComponentType(
            t,
            component,
            (rs, c) -> {
              String name = rs.getString(c);
              return name == null ? null : Enum.valueOf(e, name);
            },
            "a text type holding the constant's name",
            TEXT,
            TEXT_NAMES);
      } else if (t == long.class || t == Long.class) {
        return of(
            t,
            component,
            (rs, c) -> nullable(rs, rs.getLong(c)),
            "an integer type of at most 64 bits",
            Types.BIGINT,
            Types.INTEGER,
            Types.SMALLINT,
            Types.TINYINT);
      } else if (t == int.class || t == Integer.class) {
        return of(
            t,
            component,
            (rs, c) -> nullable(rs, rs.getInt(c)),
            "an integer type of at most 32 bits",
            Types.INTEGER,
            Types.SMALLINT,
            Types.TINYINT);
      } else if (t == short.class || t == Short.class) {
        return of(
            t,
            component,
            (rs, c) -> nullable(rs, rs.getShort(c)),
            "smallint or tinyint",
            Types.SMALLINT,
            Types.TINYINT);
      } else if (t == boolean.class || t == Boolean.class) {
        return of(
            t,
            component,
            (rs, c) -> nullable(rs, rs.getBoolean(c)),
            "boolean",
            Types.BOOLEAN,
            Types.BIT);
      } else if (t == double.class || t == Double.class) {
        return of(
            t,
            component,
            (rs, c) -> nullable(rs, rs.getDouble(c)),
            "double precision or real",
            Types.DOUBLE,
            Types.FLOAT,
            Types.REAL);
      } else if (t == float.class || t == Float.class) {
        return of(t, component, (rs, c) -> nullable(rs, rs.getFloat(c)), "real", Types.REAL);
      } else if (t == BigDecimal.class) {
        return of(
            t,
            component,
            ResultSet::getBigDecimal,
            "numeric or an integer type",
            Types.NUMERIC,
            Types.DECIMAL,
            Types.BIGINT,
            Types.INTEGER,
            Types.SMALLINT,
            Types.TINYINT);
      } else if (t == byte[].class) {
        return of(
            t,
            component,
            ResultSet::getBytes,
            "a binary type",
            Types.BINARY,
            Types.VARBINARY,
            Types.LONGVARBINARY,
            Types.BLOB);
      } else if (t == UUID.class) {
        return new ComponentType(
            t, component, (rs, c) -> rs.getObject(c, UUID.class), "uuid", Set.of(), Set.of("uuid"));
      } else if (t == LocalDate.class) {
        return of(t, component, (rs, c) -> rs.getObject(c, LocalDate.class), "date", Types.DATE);
      } else if (t == LocalTime.class) {
        return of(t, component, (rs, c) -> rs.getObject(c, LocalTime.class), "time", Types.TIME);
      } else if (t == LocalDateTime.class) {
        return new ComponentType(
            t,
            component,
            (rs, c) -> rs.getObject(c, LocalDateTime.class),
            "timestamp without time zone",
            Set.of(Types.TIMESTAMP),
            Set.of()) {
          @Override
          boolean fits(Catalog.Column column) {
            return super.fits(column) && !column.typeName().equals("timestamptz");
          }
        };
      } else if (t == OffsetDateTime.class || t == Instant.class) {
        boolean instant = t == Instant.class;
        return new ComponentType(
            t,
            component,
            (rs, c) -> {
              OffsetDateTime time = rs.getObject(c, OffsetDateTime.class);
              return time == null || !instant ? time : time.toInstant();
            },
            "timestamp with time zone",
            Set.of(Types.TIMESTAMP_WITH_TIMEZONE),
            Set.of("timestamptz", "timestamp with time zone"));
      }
      throw new IllegalArgumentException(
          "rowMapper: the "
              + component
              + " is of type "
              + t.getName()
              + ", which RowMapper.ofRecord cannot map (String, an enum, long, int, short, boolean,"
              + " double, float or their boxes, BigDecimal, byte[], UUID, LocalDate, LocalTime, LocalDateTime,"
              + " OffsetDateTime, Instant); write a RowMapper for it");
    }

    private static @Nullable Object nullable(ResultSet rs, Object value) throws SQLException {
      return rs.wasNull() ? null : value;
    }

    @Nullable Object read(ResultSet rs, String column) throws SQLException {
      Object value = getter.get(rs, column);
      if (value == null && javaType.isPrimitive()) {
        throw new SQLException(
            "column "
                + column
                + " is NULL but the "
                + component
                + " is a "
                + javaType.getName()
                + "; make it a "
                + boxed()
                + " or the column NOT NULL");
      }
      return value;
    }

    Object toJdbc(Object value) {
      if (value instanceof Enum<?> e) {
        return e.name();
      } else if (value instanceof Instant i) {
        return i.atOffset(ZoneOffset.UTC);
      }
      return value;
    }

    boolean fits(Catalog.Column column) {
      return jdbcTypes.contains(column.jdbcType())
          || typeNames.contains(column.typeName().toLowerCase(Locale.ROOT));
    }

    private String boxed() {
      return MethodType.methodType(javaType).wrap().returnType().getSimpleName();
    }
  }
}
