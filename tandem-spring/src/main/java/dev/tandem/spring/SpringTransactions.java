package dev.tandem.spring;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import javax.sql.DataSource;

/**
 * Makes Tandem writes join Spring-managed transactions.
 *
 * <pre>{@code
 * @Bean
 * Tandem<Long, Flight> flights(DataSource dataSource) {
 *   JdbcStore<Long, Flight> store = JdbcStore.<Long, Flight>builder().dataSource(dataSource)...build();
 *   return SpringTransactions.joining(Tandem.builder(store).build(), dataSource);
 * }
 *
 * @Transactional
 * public void delay(long id, Duration by) {
 *   Flight f = flights.get(id).orElseThrow();     // sees this transaction's own writes
 *   flights.put(id, f.delayedBy(by));             // on the transaction's connection
 *   audit.insert(id, by);                         // the application's own SQL, same transaction
 * }                                               // commit: the new version reaches the cache
 * }</pre>
 *
 * <p>See {@link #joining} for what a joined write does, and {@link dev.tandem.JoinedTransaction}
 * for the guarantees (fences, versions, bounded waits) it keeps.
 */
public final class SpringTransactions {

  private SpringTransactions() {}

  /**
   * Returns a Tandem that behaves as {@code tandem}, except while a Spring-managed transaction
   * holds a JDBC connection of {@code dataSource} on the calling thread (Spring's {@code
   * DataSourceTransactionManager}, or {@code JpaTransactionManager} exposing its connection): then
   * its writes ({@code put}, {@code putAll}, {@code putIfVersion}, {@code update}, {@code remove},
   * {@code removeAll}, and {@code transaction}, whose work then runs once, inside it) {@linkplain
   * Tandem#join join} that transaction. They run at once on the transaction's connection, so a
   * rollback undoes them and they never wait for a lock the transaction holds; their keys are
   * fenced in the cache tier from the first write; when the transaction commits, its new versions
   * are in the cache before the commit returns; when it rolls back, nothing is cached and the
   * fences are lifted; if the commit's outcome is unknown, the keys are read back. Reads ({@code
   * get}, {@code getVersioned}, {@code getAll}) in such a transaction see its own writes; {@code
   * getIfCached} shows only the cache. Outside such a transaction every call goes to {@code tandem}
   * unchanged.
   *
   * <p>{@code dataSource} must be the data source the transaction manager uses (the same object, or
   * a proxy Spring unwraps to it) and reach the database of {@code tandem}'s store. A write in a
   * transaction whose synchronization is off (the manager's {@code transactionSynchronization} set
   * to never) fails with {@link IllegalStateException}: it could neither join nor safely write
   * alone. After a rollback to a savepoint (a nested transaction), the reads of the transaction may
   * still show the writes it undid, and the commit reads its keys back from the database instead of
   * installing them. A transaction suspended by {@code REQUIRES_NEW} keeps its writes to itself;
   * the inner one joins on its own connection.
   *
   * @return the wrapper; closing it closes {@code tandem}
   * @throws NullPointerException if an argument is null
   */
  public static <K, V> Tandem<K, V> joining(Tandem<K, V> tandem, DataSource dataSource) {
    return new TransactionJoiningTandem<>(
        requireNonNull(tandem, "tandem"), requireNonNull(dataSource, "dataSource"));
  }
}
