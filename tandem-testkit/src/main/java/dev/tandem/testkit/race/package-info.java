/**
 * Concurrency stress that checks the cache against the database while many threads collide on few
 * keys.
 */
@NullMarked
package dev.tandem.testkit.race;

import org.jspecify.annotations.NullMarked;
