package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * What the messages of a {@link ChangeListener}'s stream do to the watched tiers: a change of a
 * watched table drops its key ({@link WatchedTier#changed}, which skips Tandem's own writes by
 * version), a truncate drops every entry, the listener's heartbeat marks how far the tiers are in
 * step, and each commit that changed a watched table is measured. One per stream session (the
 * relations are the session's); runs on the stream thread only.
 */
final class ChangeApplier implements PgOutput.Handler {

  /** A watched table: its tier and where its key and version are in a tuple. */
  private record Watch(WatchedTier<?, ?> tier, int keyIndex, int versionIndex) {}

  private final String slot;
  private final Map<String, WatchedTier<?, ?>> watched;
  private final String heartbeatPrefix;
  private final CommitLags commitLags;
  private final LongConsumer heartbeatReturned;
  private final Heartbeat.Connector connector;
  private final Map<Integer, Watch> relations = new HashMap<>();

  /** Whether the current transaction changed a watched table (its commit is then measured). */
  private boolean touched;

  ChangeApplier(
      String slot,
      Map<String, WatchedTier<?, ?>> watched,
      String heartbeatPrefix,
      CommitLags commitLags,
      LongConsumer heartbeatReturned,
      Heartbeat.Connector connector) {
    this.slot = slot;
    this.watched = watched;
    this.heartbeatPrefix = heartbeatPrefix;
    this.commitLags = commitLags;
    this.heartbeatReturned = heartbeatReturned;
    this.connector = connector;
  }

  @Override
  public void begin(long commitMicros) {
    touched = false;
  }

  @Override
  public void commit(long endLsn, long commitMicros) {
    if (touched) {
      long lag = Math.max(0, currentMicros() - commitMicros);
      commitLags.record(lag);
    }
  }

  @Override
  public void relation(PgOutput.Relation relation) {
    WatchedTier<?, ?> tier = watched.get(relation.schema() + "." + relation.name());
    if (tier == null) {
      relations.remove(relation.id());
      return;
    }
    Table table = tier.store().table();
    int key = relation.columns().indexOf(unquote(table.keyColumn()));
    int version = relation.columns().indexOf(unquote(table.versionColumn()));
    if (key < 0 || version < 0) {
      throw new IllegalStateException(
          "change listener "
              + slot
              + ": table "
              + table.display()
              + " has no column "
              + (key < 0 ? table.keyColumn() : table.versionColumn())
              + " any more");
    }
    try (Connection c = connector.connect()) {
      detectTriggers(c, List.of(tier));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "change listener "
              + slot
              + ": cannot look up the triggers of "
              + table.display()
              + ": "
              + e.getMessage(),
          e);
    }
    relations.put(relation.id(), new Watch(tier, key, version));
  }

  @Override
  public void change(
      char kind,
      int relationId,
      @Nullable List<@Nullable String> old,
      boolean oldIsFull,
      @Nullable List<@Nullable String> row) {
    Watch watch = relations.get(relationId);
    if (watch == null) {
      return;
    }
    touched = true;
    if (kind == 'D') {
      List<@Nullable String> before = requireNonNull(old);
      apply(watch, before, 0, oldIsFull ? version(watch, before) : 0);
      return;
    }
    List<@Nullable String> after = requireNonNull(row);
    long newVersion = version(watch, after);
    if (watch.tier().versioned) {
      // the version trigger drew it under the key's lock, or Tandem did: newer than any copy cached
      // before
    } else if (kind == 'I') {
      // an insert by other SQL draws its version from the sequence's default when it runs, which
      // may be
      // before a Tandem delete of the key drew its tombstone's, and commit after it: never skip on
      // it
      newVersion = 0;
    } else if (kind == 'U') {
      if (old != null
          && !java.util.Objects.equals(old.get(watch.keyIndex()), after.get(watch.keyIndex()))) {
        apply(watch, old, 0, 0); // the key changed: the old key's row is gone
      }
      boolean versionMoved = old != null && oldIsFull && version(watch, old) != newVersion;
      if (!versionMoved) {
        newVersion = 0; // the version may be the one cached: never skip on it
      }
    }
    apply(watch, after, newVersion, 0);
  }

  @Override
  public void truncate(int[] relationIds) {
    for (int id : relationIds) {
      Watch watch = relations.get(id);
      if (watch != null) {
        touched = true;
        watch.tier().changedAll();
      }
    }
  }

  @Override
  public void message(String prefix, byte[] content) {
    if (!prefix.equals(heartbeatPrefix)) {
      return;
    }
    heartbeatReturned.accept(Long.parseLong(new String(content, StandardCharsets.US_ASCII)));
  }

  /**
   * Records whether each of {@code tiers}' tables has the version trigger ({@link
   * JdbcSchema#addVersionTrigger}). Runs at connect and at each Relation message (creating the
   * trigger sends one, and waits for the writes made without it to commit first).
   */
  static void detectTriggers(Connection c, Iterable<WatchedTier<?, ?>> tiers) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(? AS regclass)"
                + " AND tgname = '"
                + JdbcSchema.VERSION_TRIGGER
                + "' AND tgenabled <> 'D'")) {
      for (WatchedTier<?, ?> tier : tiers) {
        ps.setString(1, tier.store().table().name());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          tier.versioned = rs.getInt(1) > 0;
        }
      }
    }
  }

  private static long version(Watch watch, List<@Nullable String> tuple) {
    String text = tuple.get(watch.versionIndex());
    return text == null || text == PgOutput.UNCHANGED ? 0 : Long.parseLong(text);
  }

  @SuppressWarnings("unchecked")
  private static <K> void apply(
      Watch watch, List<@Nullable String> tuple, long newVersion, long tombstoneAbove) {
    String text = tuple.get(watch.keyIndex());
    if (text == null || text == PgOutput.UNCHANGED) {
      throw new IllegalStateException(
          "a change of " + watch.tier().store().table().display() + " carries no key");
    }
    WatchedTier<K, ?> tier = (WatchedTier<K, ?>) watch.tier();
    tier.changed((K) parseKey(tier.store().keyType(), text), newVersion, tombstoneAbove);
  }

  private static Object parseKey(Class<?> type, String text) {
    if (type == Long.class) {
      return Long.valueOf(text);
    } else if (type == Integer.class) {
      return Integer.valueOf(text);
    } else if (type == UUID.class) {
      return UUID.fromString(text);
    }
    return text;
  }

  private static String unquote(String quoted) {
    return quoted.substring(1, quoted.length() - 1);
  }

  private static long currentMicros() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }
}
