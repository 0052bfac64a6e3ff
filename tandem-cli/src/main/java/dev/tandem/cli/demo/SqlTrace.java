package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Records the SQL that flows through a {@link DataSource}: every statement prepared or executed and
 * the transaction boundaries (BEGIN, COMMIT, ROLLBACK). The demo hands Tandem's store a traced data
 * source so that {@code --verbose} shows what the store really ran. With a Redis tier the commands
 * Tandem sends to Redis are recorded here too ({@link #redis}), in the order they were sent among
 * the SQL.
 *
 * <p>Thread-safe; the proxies only observe and delegate every call unchanged.
 */
final class SqlTrace {

  private static final Set<String> EXECUTE =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "addBatch");

  private final List<Line> lines = new ArrayList<>();

  /** Where a recorded line went. */
  enum Target {
    /** A statement or transaction boundary on the database. */
    SQL,
    /** A command sent to Redis. */
    REDIS
  }

  /**
   * One recorded line.
   *
   * @param target where it went
   * @param text the statement or command, on one line
   */
  record Line(Target target, String text) {}

  /** Returns a data source that behaves like {@code target} and records into this trace. */
  DataSource wrap(DataSource target) {
    requireNonNull(target, "target");
    return proxy(
        DataSource.class,
        target,
        (method, args, result) ->
            result instanceof Connection connection && method.getName().equals("getConnection")
                ? proxy(Connection.class, connection, this::onConnection)
                : result);
  }

  /** Returns the lines recorded since the last call, and forgets them. */
  synchronized List<Line> drain() {
    List<Line> drained = List.copyOf(lines);
    lines.clear();
    return drained;
  }

  private @Nullable Object onConnection(
      Method method, @Nullable Object[] args, @Nullable Object result) {
    switch (method.getName()) {
      case "prepareStatement", "prepareCall" -> record(String.valueOf(args[0]));
      case "setAutoCommit" -> {
        if (Boolean.FALSE.equals(args[0])) {
          record("BEGIN");
        }
      }
      case "commit" -> record("COMMIT");
      case "rollback" -> {
        if (args == null || args.length == 0) {
          record("ROLLBACK");
        }
      }
      case "createStatement" -> {
        return proxy(Statement.class, (Statement) requireNonNull(result), this::onStatement);
      }
      default -> {}
    }
    return result;
  }

  private @Nullable Object onStatement(
      Method method, @Nullable Object[] args, @Nullable Object result) {
    if (EXECUTE.contains(method.getName())
        && args != null
        && args.length > 0
        && args[0] instanceof String sql) {
      record(sql);
    }
    return result;
  }

  /** Records a command sent to Redis, already shown as text. */
  synchronized void redis(String command) {
    lines.add(new Line(Target.REDIS, command));
  }

  private synchronized void record(String sql) {
    lines.add(new Line(Target.SQL, sql.strip().replaceAll("\\s+", " ")));
  }

  /** What a proxy does with the result of a call it delegated. */
  private interface Observer {
    @Nullable Object afterCall(Method method, @Nullable Object[] args, @Nullable Object result);
  }

  private static <T> T proxy(Class<T> type, T target, Observer observer) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
            return invoke(method, target, args);
          }
          if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
              case "equals" -> proxy == args[0];
              case "hashCode" -> System.identityHashCode(proxy);
              default -> "traced " + target;
            };
          }
          return observer.afterCall(method, args, invoke(method, target, args));
        };
    return type.cast(
        Proxy.newProxyInstance(SqlTrace.class.getClassLoader(), new Class<?>[] {type}, handler));
  }

  private static @Nullable Object invoke(Method method, Object target, @Nullable Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
