package dev.tandem.cli.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A bare group-commit loop with no cache, the practical limit of writes: writers hand their rows to
 * one committer thread, which takes everything waiting (up to {@value #MAX_BATCH} rows), upserts it
 * as one JDBC batch (one statement per row, sent together) in one transaction, commits, and
 * releases the writers. Reads are plain {@code SELECT}s.
 */
final class GroupCommitJdbcTarget implements BenchTarget {

  static final int MAX_BATCH = 256;

  private record Pending(String key, String value, CompletableFuture<@Nullable Void> done) {}

  private final DataSource dataSource;
  private final String selectSql;
  private final String upsertSql;
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread committer;
  private volatile boolean closed;

  GroupCommitJdbcTarget(BenchTable table) {
    this.dataSource = table.dataSource();
    this.selectSql = table.selectSql();
    this.upsertSql = table.upsertSql();
    this.committer = new Thread(this::commitLoop, "bench-group-committer");
    this.committer.setDaemon(true);
    this.committer.start();
  }

  @Override
  public @Nullable String read(String key) {
    return RawJdbcTarget.select(dataSource, selectSql, key);
  }

  @Override
  public void write(String key, String value) {
    if (closed) {
      throw new IllegalStateException("the group committer is closed");
    }
    Pending pending = new Pending(key, value, new CompletableFuture<>());
    queue.add(pending);
    try {
      pending.done().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException(
          "group commit of " + key + " failed: " + cause.getMessage(), cause);
    }
  }

  @Override
  public void close() {
    closed = true;
    committer.interrupt();
    try {
      committer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failAll(new IllegalStateException("the group committer closed"));
  }

  private void commitLoop() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    Connection connection = null;
    PreparedStatement upsert = null;
    try {
      while (!closed) {
        Pending first;
        try {
          first = queue.poll(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          break;
        }
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        try {
          if (connection == null || upsert == null) {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            upsert = connection.prepareStatement(upsertSql);
          }
          commit(connection, upsert, batch);
          for (Pending p : batch) {
            p.done().complete(null);
          }
        } catch (SQLException | RuntimeException e) {
          for (Pending p : batch) {
            p.done().completeExceptionally(e);
          }
          closeQuietly(connection);
          connection = null;
          upsert = null;
        }
        batch.clear();
      }
    } finally {
      closeQuietly(connection);
    }
  }

  /**
   * Upserts every row of the batch, in arrival order, as one JDBC batch in one transaction. Rows of
   * one key are all written, not merged: the loop does the same work as the systems it is compared
   * with, and the last one handed in wins.
   */
  private static void commit(Connection connection, PreparedStatement upsert, List<Pending> batch)
      throws SQLException {
    try {
      for (Pending p : batch) {
        upsert.setString(1, p.key());
        upsert.setString(2, p.value());
        upsert.addBatch();
      }
      upsert.executeBatch();
      connection.commit();
    } catch (SQLException e) {
      try {
        upsert.clearBatch();
        connection.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  private void failAll(RuntimeException failure) {
    Pending p;
    while ((p = queue.poll()) != null) {
      p.done().completeExceptionally(failure);
    }
  }

  private static void closeQuietly(@Nullable Connection connection) {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // the connection is being dropped after a failure or at the end: nothing to add
      }
    }
  }
}
