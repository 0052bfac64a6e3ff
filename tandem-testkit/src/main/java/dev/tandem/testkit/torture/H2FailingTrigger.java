package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.api.Trigger;
import org.jspecify.annotations.Nullable;

/**
 * Statement failures injected into an embedded H2 database, which runs in this process: a trigger
 * installed once on a table that, while {@linkplain #arm armed}, makes inserts and updates of some
 * rows fail. H2 instantiates the class itself; use the static methods.
 *
 * <pre>{@code
 * H2FailingTrigger.install(dataSource, "torture", "v");
 * H2FailingTrigger.arm("torture", H2FailingTrigger.Mode.VALUES);    // every 4th value fails
 * H2FailingTrigger.disarm("torture");
 * }</pre>
 */
public final class H2FailingTrigger implements Trigger {

  /** How an armed trigger fails statements. */
  public enum Mode {
    /**
     * Rows whose value is 1 modulo 4 are rejected, with SQLState {@code 23514} (a check violation).
     */
    VALUES,
    /** One row in five, at random, fails with SQLState {@code 40001}, a serialization failure. */
    SERIALIZATION
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  /** Per table (upper case): the value column's name, and the mode while armed. */
  private static final ConcurrentHashMap<String, String> VALUE_COLUMNS = new ConcurrentHashMap<>();

  private static final ConcurrentHashMap<String, Mode> ARMED = new ConcurrentHashMap<>();

  private String table = "";
  private int valueIndex = -1;

  /** Creates the trigger; H2 calls this. */
  public H2FailingTrigger() {}

  /**
   * Installs the trigger on {@code table} (disarmed), reading the value from the bigint column
   * {@code valueColumn}.
   *
   * @throws IllegalArgumentException if a name is not a plain identifier
   * @throws IllegalStateException if the trigger cannot be created
   */
  public static void install(DataSource dataSource, String table, String valueColumn) {
    requireNonNull(dataSource, "dataSource");
    String t = upper(table, "table");
    VALUE_COLUMNS.put(t, upper(valueColumn, "valueColumn"));
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER IF NOT EXISTS "
              + t
              + "_TANDEM_FAULT BEFORE INSERT, UPDATE ON "
              + t
              + " FOR EACH ROW CALL '"
              + H2FailingTrigger.class.getName()
              + "'");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not install the failing trigger on " + table + ": " + e.getMessage(), e);
    }
  }

  /** Makes the trigger on {@code table} fail statements in {@code mode} until {@link #disarm}. */
  public static void arm(String table, Mode mode) {
    requireNonNull(mode, "mode");
    ARMED.put(upper(table, "table"), mode);
  }

  /** Lets every statement on {@code table} pass again. */
  public static void disarm(String table) {
    ARMED.remove(upper(table, "table"));
  }

  @Override
  public void init(
      Connection conn,
      String schemaName,
      String triggerName,
      String tableName,
      boolean before,
      int type)
      throws SQLException {
    table = tableName.toUpperCase(Locale.ROOT);
    String column = VALUE_COLUMNS.get(table);
    try (ResultSet rs = conn.getMetaData().getColumns(null, schemaName, tableName, null)) {
      while (rs.next()) {
        if (rs.getString("COLUMN_NAME").equalsIgnoreCase(column)) {
          valueIndex = rs.getInt("ORDINAL_POSITION") - 1;
        }
      }
    }
  }

  @Override
  public void fire(Connection conn, Object @Nullable [] oldRow, Object @Nullable [] newRow)
      throws SQLException {
    Mode mode = ARMED.get(table);
    if (mode == null || newRow == null) {
      return;
    }
    if (mode == Mode.SERIALIZATION) {
      if (ThreadLocalRandom.current().nextInt(5) == 0) {
        throw new SQLException(
            "failing trigger on " + table + ": injected serialization failure", "40001");
      }
      return;
    }
    if (valueIndex >= 0
        && newRow[valueIndex] instanceof Number value
        && Math.floorMod(value.longValue(), 4) == 1) {
      throw new SQLException("failing trigger on " + table + " rejected value " + value, "23514");
    }
  }

  private static String upper(String name, String what) {
    requireNonNull(name, what);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be a plain name but was " + name);
    }
    return name.toUpperCase(Locale.ROOT);
  }
}
