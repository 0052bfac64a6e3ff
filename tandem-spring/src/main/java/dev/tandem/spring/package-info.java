/**
 * Tandem writes that join Spring-managed transactions: {@link dev.tandem.spring.SpringTransactions}
 * wraps a {@link dev.tandem.Tandem} so that its writes inside a transaction of Spring's {@code
 * DataSourceTransactionManager} (or any manager that binds a JDBC connection of the same {@code
 * DataSource}) run on that transaction's connection and reach the cache after its commit.
 */
@NullMarked
package dev.tandem.spring;

import org.jspecify.annotations.NullMarked;
