/**
 * The peers Tandem is compared with, as their users set them up: cache-aside by hand over Lettuce,
 * Redisson's write-through {@code RMap} and {@code RLocalCachedMap}, and Hazelcast's {@code IMap}
 * with a write-through {@code MapStore}, all over the same table through Tandem's {@code JdbcStore}
 * ({@link dev.tandem.cli.peers.TableBridge}). {@code tandem bench} measures them and {@code tandem
 * torture} records and checks their histories.
 */
@NullMarked
package dev.tandem.cli.peers;

import org.jspecify.annotations.NullMarked;
