package dev.tandem.testkit.fault;

/**
 * Follows the client-to-server byte stream of one database connection to find where a statement was
 * completely sent, for {@link FaultProxy#cutAfterStatement}. Not thread-safe: one reader thread
 * feeds it.
 */
interface StatementFrontend {

  /**
   * Follows {@code length} bytes from {@code offset}. Returns the index just past the message after
   * which the connection must be cut (bytes from there on must not be forwarded), or -1.
   */
  int feed(byte[] bytes, int offset, int length);
}
