package dev.tandem.testkit.torture;

import java.util.List;

/**
 * Injects faults while a torture run's clients work (the name is Jepsen's): {@link #start()} when
 * the clients start, {@link #stop()} when they stop, before the run waits for quiescence and reads
 * every key a last time.
 */
public interface Nemesis {

  /** Starts injecting faults, typically on a thread of its own; returns at once. */
  void start();

  /**
   * Stops injecting faults and heals every fault still in effect (connections accepted again,
   * latency gone, server running), then returns; the database must be reachable afterwards.
   */
  void stop();

  /** Returns one line per kind of fault injected, with how often; empty if none was. */
  List<String> summary();

  /** Returns a nemesis that injects nothing. */
  static Nemesis none() {
    return new Nemesis() {
      @Override
      public void start() {}

      @Override
      public void stop() {}

      @Override
      public List<String> summary() {
        return List.of();
      }

      @Override
      public String toString() {
        return "no faults";
      }
    };
  }
}
