package dev.tandem.testkit.server;

/** The JVM exit hooks that stop the servers of this package when their owner does not. */
final class ExitHooks {

  private ExitHooks() {}

  /**
   * Removes {@code hook}, which has done its work early (the server was closed), unless it is the
   * running thread or the JVM is exiting already (then the hook runs and finds the server closed).
   */
  static void remove(Thread hook) {
    if (Thread.currentThread() == hook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is exiting
    }
  }
}
