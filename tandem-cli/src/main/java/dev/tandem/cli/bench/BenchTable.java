package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.jdbc.ValueType;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.sql.DataSource;

/**
 * The table every system of a run works on: a key-value table of JdbcSchema's shape ({@code key}
 * text primary key, {@code value} text, {@code tandem_version} with its sequence), dropped,
 * created, loaded, vacuumed and checkpointed again before each system, so that each starts from the
 * same rows and the same database state.
 *
 * <p>The bench drops only tables it created: it marks each table it creates with the comment
 * {@value #MARK} ({@code COMMENT ON TABLE}), and {@link #claim} refuses an existing table without
 * that comment unless forced.
 */
final class BenchTable {

  /** The default table name. */
  static final String DEFAULT_NAME = "tandem_bench";

  /** The comment on every table the bench creates: the mark that it may drop the table. */
  static final String MARK = "created by tandem bench; dropped and created again by every run";

  private static final int LOAD_BATCH = 1_000;

  private final DataSource dataSource;
  private final String name;
  private final DatabaseKind kind;
  private final String selectSql;
  private final String upsertSql;
  private final String insertSql;

  /**
   * @param name an unquoted identifier (checked by the command), folded as the database folds it
   * @param postgres whether the database is PostgreSQL; else H2
   */
  BenchTable(DataSource dataSource, String name, boolean postgres) {
    this(dataSource, name, postgres ? DatabaseKind.POSTGRES : DatabaseKind.H2);
  }

  /**
   * @param name an unquoted identifier (checked by the command), folded as the database folds it
   */
  BenchTable(DataSource dataSource, String name, DatabaseKind kind) {
    this.dataSource = requireNonNull(dataSource, "dataSource");
    this.name = requireNonNull(name, "name");
    this.kind = requireNonNull(kind, "kind");
    String key =
        switch (kind) {
          case POSTGRES -> "\"key\"";
          case MARIADB -> "`key`";
          case H2 -> "\"KEY\"";
        };
    String value =
        switch (kind) {
          case POSTGRES -> "\"value\"";
          case MARIADB -> "`value`";
          case H2 -> "\"VALUE\"";
        };
    this.selectSql = "SELECT " + value + " FROM " + name + " WHERE " + key + " = ?";
    this.insertSql = "INSERT INTO " + name + " (" + key + ", " + value + ") VALUES (?, ?)";
    this.upsertSql =
        switch (kind) {
          case POSTGRES ->
              insertSql
                  + " ON CONFLICT ("
                  + key
                  + ") DO UPDATE SET "
                  + value
                  + " = EXCLUDED."
                  + value;
          case MARIADB ->
              insertSql + " ON DUPLICATE KEY UPDATE " + value + " = VALUES(" + value + ")";
          case H2 ->
              "MERGE INTO "
                  + name
                  + " ("
                  + key
                  + ", "
                  + value
                  + ") KEY ("
                  + key
                  + ") VALUES (?, ?)";
        };
  }

  /** Returns the table's name. */
  String name() {
    return name;
  }

  /** Returns the data source, a pool shared by every system of the run. */
  DataSource dataSource() {
    return dataSource;
  }

  /** Returns the plain read of one value: {@code SELECT value ... WHERE key = ?}. */
  String selectSql() {
    return selectSql;
  }

  /**
   * Returns the plain upsert of one row (key, value): {@code ON CONFLICT} in PostgreSQL, {@code ON
   * DUPLICATE KEY UPDATE} in MariaDB, {@code MERGE} in H2. It leaves the version column alone, as
   * plain SQL would.
   */
  String upsertSql() {
    return upsertSql;
  }

  /**
   * Checks that the bench may drop the table: it does not exist, or it carries the bench's {@link
   * #MARK}, or {@code force} is set.
   *
   * @throws CommandFailedException if the table exists without the mark and {@code force} is not
   *     set
   */
  void claim(boolean force) throws SQLException {
    if (force) {
      return;
    }
    try (Connection c = dataSource.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      String folded =
          kind != DatabaseKind.H2 ? name.toLowerCase(Locale.ROOT) : name.toUpperCase(Locale.ROOT);
      try (ResultSet tables =
          meta.getTables(
              c.getCatalog(), kind == DatabaseKind.MARIADB ? null : c.getSchema(), folded, null)) {
        while (tables.next()) {
          // the name is a LIKE pattern, in which _ matches any character
          if (folded.equals(tables.getString("TABLE_NAME"))
              && !MARK.equals(tables.getString("REMARKS"))) {
            throw new CommandFailedException(
                "the table "
                    + name
                    + " exists and was not created by tandem bench,"
                    + " which drops and creates its table: choose another --table, or pass --force to drop it");
          }
        }
      }
    }
  }

  /**
   * Drops the table and its version sequence, creates them again and loads records 0 to {@code
   * records}-1 with random values of {@code valueSize} characters, {@value #LOAD_BATCH} rows per
   * transaction.
   */
  void prepare(long records, int valueSize, long seed) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + name);
      s.execute("DROP SEQUENCE IF EXISTS " + name + "_tandem_seq");
    }
    JdbcSchema.createKeyValueTable(dataSource, name, ValueType.TEXT);
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          kind == DatabaseKind.MARIADB
              ? "ALTER TABLE " + name + " COMMENT = '" + MARK + "'"
              : "COMMENT ON TABLE " + name + " IS '" + MARK + "'");
    }
    SplittableRandom random = new SplittableRandom(seed);
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(insertSql)) {
        for (long i = 0; i < records; i++) {
          ps.setString(1, KeySpace.key(i));
          ps.setString(2, ValuePool.randomValue(valueSize, random));
          ps.addBatch();
          if ((i + 1) % LOAD_BATCH == 0 || i == records - 1) {
            ps.executeBatch();
            c.commit();
          }
        }
      } finally {
        c.setAutoCommit(true);
      }
      if (kind == DatabaseKind.POSTGRES) {
        settle(c);
      }
    }
  }

  /**
   * Leaves PostgreSQL in the same state before every system: the freshly loaded table vacuumed
   * (visibility map set, no dead rows) and analyzed, then a checkpoint, so that no system inherits
   * the previous one's dirty pages, WAL to flush or a checkpoint falling into its run (after a
   * checkpoint, the first change of each page writes a full page image, for every system alike). A
   * user who may not run CHECKPOINT (it needs pg_checkpoint or superuser) gets the vacuum only.
   */
  private void settle(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("VACUUM (ANALYZE) " + name);
      try {
        s.execute("CHECKPOINT");
      } catch (SQLException e) {
        if (!"42501".equals(e.getSQLState())) { // insufficient_privilege
          throw e;
        }
      }
    }
  }

  /** Returns a new {@link JdbcStore} of the table over the shared pool. */
  JdbcStore<String, String> store() {
    return JdbcStore.<String, String>builder()
        .dataSource(dataSource)
        .table(name)
        .keyColumn("key", String.class)
        .rowMapper(RowMapper.text("value"))
        .build();
  }
}
