package dev.tandem.spring;

import dev.tandem.JoinedTransaction;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Reports the outcome of a Spring-managed transaction to the {@link JoinedTransaction} of its
 * Tandem writes, and keeps that handle bound to the thread exactly while the transaction is.
 *
 * <p><b>Design.</b> Spring calls {@link #beforeCommit} before the database commit (a throw there
 * rolls the transaction back), {@link #afterCommit} after it and before {@code commit} returns (so
 * a read that starts after the caller's commit returned sees the new versions, on every node), and
 * {@link #afterCompletion} last, with {@code STATUS_UNKNOWN} when the commit itself failed: then
 * the handle's {@code close} reads the keys back (race H12, H10). A rollback to a savepoint may
 * have undone writes the handle recorded: the commit then reads the keys back instead of installing
 * what may no longer be in the database.
 */
final class JoinedSynchronization implements TransactionSynchronization {

  private final Object resourceKey;
  private final JoinedTransaction<?, ?> handle;
  private final Connection connection;
  private final DataSource dataSource;
  private boolean undoneToSavepoint;

  JoinedSynchronization(
      Object resourceKey,
      JoinedTransaction<?, ?> handle,
      Connection connection,
      DataSource dataSource) {
    this.resourceKey = resourceKey;
    this.handle = handle;
    this.connection = connection;
    this.dataSource = dataSource;
  }

  @Override
  public void suspend() {
    TransactionSynchronizationManager.unbindResource(resourceKey);
  }

  @Override
  public void resume() {
    TransactionSynchronizationManager.bindResource(resourceKey, handle);
  }

  @Override
  public void savepointRollback(Object savepoint) {
    undoneToSavepoint = true;
  }

  @Override
  public void beforeCommit(boolean readOnly) {
    handle.beforeCommit();
  }

  @Override
  public void afterCommit() {
    if (!undoneToSavepoint) {
      handle.afterCommit();
    } // else afterCompletion's close reads the keys back
  }

  @Override
  public void afterCompletion(int status) {
    try {
      if (status == STATUS_ROLLED_BACK) {
        handle.afterRollback();
      }
    } finally {
      try {
        handle.close(); // after a commit or rollback reported above: nothing; else the outcome is
        // unknown
      } finally {
        TransactionSynchronizationManager.unbindResourceIfPossible(resourceKey);
        DataSourceUtils.releaseConnection(connection, dataSource);
      }
    }
  }
}
