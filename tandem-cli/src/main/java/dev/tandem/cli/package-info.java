/**
 * The {@code tandem} command: {@link dev.tandem.cli.TandemCli} and what its subcommands share
 * (terminal styling, aligned tables, latency formatting).
 */
@NullMarked
package dev.tandem.cli;

import org.jspecify.annotations.NullMarked;
