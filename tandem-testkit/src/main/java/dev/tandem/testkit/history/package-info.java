/**
 * Recorded histories of concurrent operations on keyed registers, and their JSON Lines file format.
 *
 * <p>A {@link dev.tandem.testkit.history.HistoryRecorder} stamps each invocation and completion
 * with a monotonic time; a {@link dev.tandem.testkit.history.History} pairs them into {@link
 * dev.tandem.testkit.history.Operation}s and reads and writes the file, one {@link
 * dev.tandem.testkit.history.Event} per line:
 *
 * <pre>{@code
 * {"process":3,"type":"invoke","f":"write","key":"k7","value":42,"time":1200}
 * {"process":3,"type":"ok","f":"write","key":"k7","value":42,"time":1875}
 * {"process":5,"type":"ok","f":"cas","key":"k7","value":[42,43],"time":2010}
 * }</pre>
 */
@NullMarked
package dev.tandem.testkit.history;

import org.jspecify.annotations.NullMarked;
