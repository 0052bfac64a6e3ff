/**
 * Fault injection into real components, for tests and the torture command: a TCP proxy that slows,
 * drops and cuts connections ({@link dev.tandem.testkit.fault.FaultProxy}) and faults injected into
 * PostgreSQL itself ({@link dev.tandem.testkit.fault.PostgresFaults}).
 */
@NullMarked
package dev.tandem.testkit.fault;

import org.jspecify.annotations.NullMarked;
