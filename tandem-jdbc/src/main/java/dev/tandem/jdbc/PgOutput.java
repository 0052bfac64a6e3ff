package dev.tandem.jdbc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the messages of PostgreSQL's built-in {@code pgoutput} plugin, protocol version 1 with
 * {@code messages} on (PostgreSQL's "Logical Replication Message Formats"): begin, commit,
 * relation, insert, update, delete, truncate and logical messages; origin and type messages are
 * read and ignored. Tuple columns arrive in text form. One decoder per replication stream: it keeps
 * no state, the {@link Handler} keeps the relations.
 */
final class PgOutput {

  /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01 UTC. */
  static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

  /** A tuple column that PostgreSQL did not send because it is unchanged and TOASTed. */
  static final String UNCHANGED = new String("unchanged toast");

  private PgOutput() {}

  /**
   * A relation as a Relation message describes it.
   *
   * @param id the relation's OID
   * @param schema the schema name, as stored
   * @param name the table name, as stored
   * @param replicaIdentity {@code d} (default: the primary key), {@code n}, {@code f} (full) or
   *     {@code i}
   * @param columns the column names, in tuple order
   */
  record Relation(int id, String schema, String name, char replicaIdentity, List<String> columns) {}

  /** Receives what {@link #decode} found; called on the stream's thread. */
  interface Handler {

    /**
     * A transaction begins; {@code commitMicros} is its commit time, microseconds since the Unix
     * epoch.
     */
    void begin(long commitMicros);

    /** The transaction begun last committed; {@code endLsn} is the position just past it. */
    void commit(long endLsn, long commitMicros);

    /** A relation is described (before its first change in this stream, and after it changed). */
    void relation(Relation relation);

    /**
     * A row was inserted, updated or deleted. Each tuple has one entry per column: its text, null
     * for SQL NULL (and for a column an old key tuple leaves out), or {@link #UNCHANGED}.
     *
     * @param kind {@code I}, {@code U} or {@code D}
     * @param old the old tuple ({@code K}: key columns only, or {@code O}: every column), or null
     * @param oldIsFull whether {@code old} is a full old row ({@code O})
     * @param row the new tuple, or null for a delete
     */
    void change(
        char kind,
        int relationId,
        @Nullable List<@Nullable String> old,
        boolean oldIsFull,
        @Nullable List<@Nullable String> row);

    /** The relations were truncated. */
    void truncate(int[] relationIds);

    /** A logical message ({@code pg_logical_emit_message}). */
    void message(String prefix, byte[] content);
  }

  /**
   * Decodes one message and passes what it holds to {@code handler}.
   *
   * @throws IllegalArgumentException if the message is not one of pgoutput's, or is cut short
   */
  static void decode(ByteBuffer buffer, Handler handler) {
    try {
      char type = (char) buffer.get();
      switch (type) {
        case 'B' -> {
          buffer.getLong(); // final LSN
          handler.begin(unixMicros(buffer.getLong()));
          buffer.getInt(); // xid
        }
        case 'C' -> {
          buffer.get(); // flags
          buffer.getLong(); // commit LSN
          long end = buffer.getLong();
          handler.commit(end, unixMicros(buffer.getLong()));
        }
        case 'R' -> {
          int id = buffer.getInt();
          String schema = string(buffer);
          String name = string(buffer);
          char identity = (char) buffer.get();
          int count = buffer.getShort();
          List<String> columns = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            buffer.get(); // flags
            columns.add(string(buffer));
            buffer.getInt(); // type OID
            buffer.getInt(); // type modifier
          }
          handler.relation(new Relation(id, schema, name, identity, List.copyOf(columns)));
        }
        case 'I' -> {
          int id = buffer.getInt();
          expect(buffer, 'N');
          handler.change('I', id, null, false, tuple(buffer));
        }
        case 'U' -> {
          int id = buffer.getInt();
          char next = (char) buffer.get();
          List<@Nullable String> old = null;
          boolean full = next == 'O';
          if (next == 'K' || next == 'O') {
            old = tuple(buffer);
            next = (char) buffer.get();
          }
          if (next != 'N') {
            throw new IllegalArgumentException("update message: expected N but found " + next);
          }
          handler.change('U', id, old, full, tuple(buffer));
        }
        case 'D' -> {
          int id = buffer.getInt();
          char next = (char) buffer.get();
          if (next != 'K' && next != 'O') {
            throw new IllegalArgumentException("delete message: expected K or O but found " + next);
          }
          handler.change('D', id, tuple(buffer), next == 'O', null);
        }
        case 'T' -> {
          int count = buffer.getInt();
          buffer.get(); // options: cascade, restart identity
          int[] ids = new int[count];
          for (int i = 0; i < count; i++) {
            ids[i] = buffer.getInt();
          }
          handler.truncate(ids);
        }
        case 'M' -> {
          buffer.get(); // flags: transactional
          buffer.getLong(); // LSN
          String prefix = string(buffer);
          byte[] content = new byte[buffer.getInt()];
          buffer.get(content);
          handler.message(prefix, content);
        }
        case 'O' -> {
          buffer.getLong();
          string(buffer);
        }
        case 'Y' -> {
          buffer.getInt();
          string(buffer);
          string(buffer);
        }
        default -> throw new IllegalArgumentException("unknown pgoutput message type " + type);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("pgoutput message cut short", e);
    }
  }

  private static long unixMicros(long postgresMicros) {
    return postgresMicros + POSTGRES_EPOCH_MICROS;
  }

  private static void expect(ByteBuffer buffer, char expected) {
    char found = (char) buffer.get();
    if (found != expected) {
      throw new IllegalArgumentException("expected " + expected + " but found " + found);
    }
  }

  private static List<@Nullable String> tuple(ByteBuffer buffer) {
    int count = buffer.getShort();
    List<@Nullable String> columns = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      char kind = (char) buffer.get();
      switch (kind) {
        case 'n' -> columns.add(null);
        case 'u' -> columns.add(UNCHANGED);
        case 't', 'b' -> {
          byte[] bytes = new byte[buffer.getInt()];
          buffer.get(bytes);
          columns.add(new String(bytes, StandardCharsets.UTF_8));
        }
        default -> throw new IllegalArgumentException("unknown tuple column kind " + kind);
      }
    }
    return columns;
  }

  private static String string(ByteBuffer buffer) {
    int start = buffer.position();
    int end = start;
    while (buffer.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    buffer.get(bytes);
    buffer.get(); // the terminating NUL
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
