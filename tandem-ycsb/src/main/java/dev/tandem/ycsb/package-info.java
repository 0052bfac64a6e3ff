/**
 * A binding of Tandem for the YCSB client ({@code site.ycsb.Client}): {@link
 * dev.tandem.ycsb.TandemClient} over a JDBC table, and {@link dev.tandem.ycsb.PlainJdbcClient}, the
 * baseline that runs plain SQL on the same table with no cache.
 */
@NullMarked
package dev.tandem.ycsb;

import org.jspecify.annotations.NullMarked;
