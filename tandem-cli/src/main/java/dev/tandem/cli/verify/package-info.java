/**
 * The {@code tandem verify} command: a JDBC table and a cache, compared with {@link
 * dev.tandem.verify.Verifier}.
 */
@NullMarked
package dev.tandem.cli.verify;

import org.jspecify.annotations.NullMarked;
