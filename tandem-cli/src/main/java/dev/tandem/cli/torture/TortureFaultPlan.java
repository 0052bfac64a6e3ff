package dev.tandem.cli.torture;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.torture.Fault;
import dev.tandem.testkit.torture.Nemesis;
import dev.tandem.testkit.torture.RandomFaults;
import dev.tandem.testkit.torture.TortureFaults;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ParameterException;

/**
 * The fault plan of {@code tandem torture}: how the groups named in {@code --faults} become the
 * faults a run injects into its database, Redis and change listener, and the nemesis that injects
 * them at random from the run's seed.
 */
final class TortureFaultPlan {

  /** A group of faults, named in {@code --faults}. */
  enum FaultGroup {
    /** Database faults. */
    DB("db"),
    /**
     * Cache-tier faults: Redis killed and restarted empty, paused, connections reset and refused
     * (for every node at once, or for one node alone: a partition).
     */
    CACHE("cache"),
    /**
     * Redis restored from an old RDB snapshot (race H9): part of {@code cache} and {@code all} when
     * the run starts the server itself; also a switch of its own.
     */
    RDB_RESTORE("rdb-restore"),
    /**
     * One node partitioned from Redis while the others keep it: part of {@code cache} and {@code
     * all} with several nodes; also a switch of its own.
     */
    PARTITION("partition"),
    /**
     * Redis paused with SIGSTOP, then resumed with SIGCONT, and no other fault, with the nodes'
     * tiers built with a short command timeout: shows how long an operation takes while Redis does
     * not answer. Part of {@code cache} too (with the usual timeout); a switch of its own.
     */
    REDIS_PAUSE("redis-pause"),
    /**
     * The change listener of {@code --outside-writers}: its backends terminated, its connections
     * dropped and refused for a while, PostgreSQL restarted.
     */
    LISTENER("listener");

    final String option;

    FaultGroup(String option) {
      this.option = option;
    }
  }

  /** Mixed into the seed of the faults, so that they do not follow the operation mix. */
  private static final long FAULT_SEED = 0x5DEECE66DL;

  /** Mixed into the seed of the faults that pick which node to partition from Redis. */
  private static final long PARTITION_SEED = 0x9E3779B97F4A7C15L;

  /** The longest pause between two faults. */
  private static final Duration MAX_QUIET = Duration.ofMillis(500);

  /**
   * The longest pause between two faults when Redis is faulted: a Redis fault and the circuit
   * breaker's recovery last about a second, so shorter pauses would leave the tier down for most of
   * the run.
   */
  private static final Duration MAX_QUIET_CACHE = Duration.ofSeconds(2);

  /**
   * Returns the fault groups of {@code --faults}: {@code all} is db and cache, and cache faults
   * include old snapshots where the run owns a shared tier's server.
   *
   * @param faults the words of {@code --faults}
   * @param redisUri {@code --redis-uri}, or null if the run starts its own Redis
   * @param tier {@code --tier}
   * @param usage makes the usage error to throw for a bad word
   */
  static Set<FaultGroup> groups(
      List<String> faults,
      @Nullable String redisUri,
      String tier,
      Function<String, ParameterException> usage) {
    Set<FaultGroup> groups = EnumSet.noneOf(FaultGroup.class);
    for (String raw : faults) {
      String name = raw.strip().toLowerCase(Locale.ROOT);
      switch (name) {
        case "none" -> {}
        case "all" -> {
          groups.add(FaultGroup.DB);
          groups.add(FaultGroup.CACHE);
        }
        case "cache" -> groups.add(FaultGroup.CACHE);
        default -> {
          FaultGroup group =
              Arrays.stream(FaultGroup.values())
                  .filter(g -> g.option.equals(name))
                  .findFirst()
                  .orElseThrow(
                      () ->
                          usage.apply(
                              "--faults: unknown fault group '"
                                  + raw
                                  + "' (none, db, cache, all, rdb-restore,"
                                  + " partition, redis-pause, listener)"));
          groups.add(group);
        }
      }
    }
    if (faults.stream().anyMatch(f -> f.strip().equalsIgnoreCase("none")) && !groups.isEmpty()) {
      throw usage.apply("--faults none cannot be combined with other faults");
    }
    TortureTier named = TortureTiers.named(tier);
    if (groups.contains(FaultGroup.CACHE) && redisUri == null && named != null && named.shared()) {
      groups.add(
          FaultGroup
              .RDB_RESTORE); // cache faults include old snapshots where the run owns the server
    }
    return groups;
  }

  /** Returns the groups as {@code --faults} would name them, or {@code none}. */
  static String option(Set<FaultGroup> groups) {
    return groups.isEmpty()
        ? "none"
        : String.join(",", groups.stream().map(g -> g.option).toList());
  }

  /**
   * Returns the nemesis of a run: the faults of {@code groups} on the run's database, Redis and
   * change listener, injected at random from the seed; prints what they are to {@code out}.
   */
  static Nemesis nemesis(
      TortureDatabase database,
      @Nullable TortureRedis redis,
      Set<FaultGroup> groups,
      long runSeed,
      PrintWriter out,
      @Nullable TortureOutside outside,
      int nodes) {
    if (groups.isEmpty()) {
      out.println("faults: none");
      return Nemesis.none();
    }
    List<Fault> kinds = new ArrayList<>();
    if (groups.contains(FaultGroup.DB)) {
      kinds.addAll(databaseFaults(database, runSeed, out));
    }
    boolean restore = groups.contains(FaultGroup.RDB_RESTORE);
    boolean partition = groups.contains(FaultGroup.PARTITION);
    boolean pause = groups.contains(FaultGroup.REDIS_PAUSE);
    if (groups.contains(FaultGroup.CACHE) || restore || partition || pause) {
      if (redis == null) {
        out.println(
            "faults: no cache faults on the local tier (it has no server); --faults all = db here");
      } else {
        List<FaultProxy> proxies = redis.proxies();
        List<Fault> cache =
            TortureFaults.redis(
                proxies, redis.server(), restore, runSeed ^ FAULT_SEED ^ PARTITION_SEED);
        if (!groups.contains(FaultGroup.CACHE)) { // rdb-restore, partition or redis-pause alone
          cache =
              cache.stream()
                  .filter(
                      f ->
                          restore && f.name().contains("snapshot")
                              || partition && f.name().contains("partitioned")
                              || pause && f.name().contains("paused"))
                  .toList();
        }
        kinds.addAll(cache);
        StringBuilder paths = new StringBuilder();
        for (int i = 0; i < proxies.size(); i++) {
          paths
              .append(i == 0 ? "" : ", ")
              .append(nodes > 1 ? "node " + i + " via " : "")
              .append(proxies.get(i).host())
              .append(':')
              .append(proxies.get(i).port());
        }
        out.println(
            "faults: "
                + (nodes > 1
                    ? "each node reaches Redis through a fault proxy of its own ("
                        + paths
                        + "): a fault cuts all of them at once, or one node alone (partitioned, the node drawn from the seed)"
                    : "the node reaches Redis through a fault proxy (" + paths + ")")
                + (redis.server() == null ? "; the server is not ours: never killed or paused" : "")
                + "; a node's Redis command timeout is "
                + redis.commandTimeout().toMillis()
                + " ms, a pause"
                + " lasts up to "
                + TortureFaults.REDIS_PAUSE.toMillis()
                + " ms");
      }
    }
    if (groups.contains(FaultGroup.LISTENER) && outside != null) {
      kinds.addAll(outside.faults());
    }
    kinds.forEach(f -> out.println("  - " + f.name()));
    boolean cacheFaulted =
        redis != null && (groups.contains(FaultGroup.CACHE) || restore || partition || pause);
    return new RandomFaults(
        kinds, runSeed ^ FAULT_SEED, cacheFaulted ? MAX_QUIET_CACHE : MAX_QUIET);
  }

  private static List<Fault> databaseFaults(
      TortureDatabase database, long runSeed, PrintWriter out) {
    if (database.kind() == DatabaseKind.H2) {
      out.println(
          "faults: on embedded H2 only statement failures apply (H2 runs in this process: no connection"
              + " to cut, no server to restart)");
      try {
        return TortureFaults.h2(database.direct(), database.table(), "v");
      } catch (IllegalStateException e) {
        throw new CommandFailedException(
            "--faults db on H2 needs the database in this process"
                + " (a jdbc:h2:mem: or jdbc:h2:file: URL), to install its failing trigger: "
                + e.getMessage(),
            e);
      }
    }
    FaultProxy proxy = Objects.requireNonNull(database.proxy());
    out.println(
        "faults: the store connects through a fault proxy ("
            + proxy
            + ")"
            + (database.server() == null && database.mariadbServer() == null
                ? "; no server restarts (the server is not ours)"
                : ""));
    if (database.kind() == DatabaseKind.MARIADB) {
      return TortureFaults.mariadb(
          proxy,
          database.direct(),
          database.databaseName(),
          database.table(),
          "v",
          database.mariadbServer(),
          runSeed ^ FAULT_SEED);
    }
    return TortureFaults.postgres(
        proxy,
        database.direct(),
        database.databaseName(),
        database.table(),
        "v",
        database.server(),
        runSeed ^ FAULT_SEED);
  }

  private TortureFaultPlan() {}
}
