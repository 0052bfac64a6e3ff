package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.CommitOutcomeUnknownException;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.fault.PostgresFaults;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tandem over PostgreSQL with real faults injected by the testkit: connections cut after COMMIT was
 * sent, dropped in the middle of a transaction, slowed down; statements failed by a trigger.
 */
class FaultInjectionIT {

  private static final ExecutorService executor = Executors.newCachedThreadPool();

  private String database;
  private DataSource direct;
  private JdbcStore<String, String> truth;
  private FaultProxy proxy;
  private HikariDataSource proxiedPool;

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  @BeforeEach
  void setUp() throws SQLException {
    PostgresServer server = PostgresServer.shared();
    direct = server.dataSource();
    try (Connection c = direct.getConnection()) {
      database = c.getCatalog();
    }
    truth = KeyValue.create(direct, "kv");
    proxy = FaultProxy.start("localhost", server.port());
    proxiedPool = KeyValue.pool(PostgresFaults.dataSource(proxy, database), 4, null);
  }

  @AfterEach
  void tearDown() {
    if (proxiedPool != null) {
      proxiedPool.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  private Tandem<String, String> throughTheProxy() {
    return Tandem.builder(KeyValue.store(proxiedPool, "kv")).build();
  }

  /**
   * The connection is cut right after the COMMIT request reached the server: the server commits,
   * the client never hears of it. Tandem reports the outcome as unknown, and before it does so it
   * reads the key back: the cache then holds what the database holds (H5, H10). With lone writes in
   * two round trips (statement, then COMMIT).
   */
  @Test
  void aCommitCutAfterItWasSentIsOutcomeUnknownAndTheCacheHoldsTheDatabasesState() {
    try (Tandem<String, String> tandem =
        Tandem.builder(KeyValue.twoRoundTripStore(proxiedPool, "kv")).build()) {
      assertCutWriteIsOutcomeUnknownAndReadBack(tandem, "COMMIT");
    }
  }

  /**
   * The same with the default one round trip: the lone put is one auto-committed statement, cut
   * right after the server received all of it. It committed; Tandem cannot know, says so, and has
   * read the key back before it does.
   */
  @Test
  void aLonePutCutAfterItsAutoCommittedStatementWasSentIsOutcomeUnknownAndReadBack() {
    try (Tandem<String, String> tandem = throughTheProxy()) {
      assertCutWriteIsOutcomeUnknownAndReadBack(tandem, "INSERT INTO");
    }
  }

  /**
   * A batch of several puts sends its COMMIT in the same request as its upsert (one round trip
   * after the locks): cut right after the upsert's request, the batch has committed, so its outcome
   * is unknown to the client (with a separate COMMIT it would have failed uncommitted). Every key
   * is read back: cache and database agree.
   */
  @Test
  void aBatchCutAfterItsUpsertWithTheCommitIsOutcomeUnknownAndEveryKeyReadBack() {
    try (Tandem<String, String> tandem = throughTheProxy()) {
      tandem.putAll(Map.of("a", "1", "b", "1"));
      proxy.cutAfterStatement("INSERT INTO", 1);

      assertThatThrownBy(() -> tandem.putAll(Map.of("a", "2", "b", "2")))
          .isInstanceOf(CommitOutcomeUnknownException.class);

      assertThat(proxy.cutCount()).isEqualTo(1);
      for (String key : List.of("a", "b")) {
        Versioned<String> committed = truth.load(key).orElseThrow();
        assertThat(committed.value()).as(key).isEqualTo("2"); // committed with the upsert's request
        assertThat(tandem.getIfCached(key)).as(key).contains("2");
        assertThat(tandem.getVersioned(key)).as(key).contains(committed);
      }
    }
  }

  private void assertCutWriteIsOutcomeUnknownAndReadBack(
      Tandem<String, String> tandem, String cutAfter) {
    long first = tandem.put("k", "1");
    proxy.cutAfterStatement(cutAfter, 1);

    assertThatThrownBy(() -> tandem.put("k", "2"))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .hasMessageContaining("key k");

    assertThat(proxy.cutCount()).isEqualTo(1);
    Versioned<String> committed = truth.load("k").orElseThrow();
    assertThat(committed.value()).isEqualTo("2"); // the whole request reached the server
    assertThat(committed.version()).isGreaterThan(first);
    assertThat(tandem.getIfCached("k")).contains("2");
    assertThat(tandem.getVersioned("k")).contains(committed);
    assertThat(tandem.stats().outcomeUnknownCount()).isEqualTo(1);

    long next = tandem.put("k", "3");
    assertThat(truth.load("k")).contains(new Versioned<>("3", next));
  }

  /**
   * Every pooled connection is reset by the network while idle (no word from the server), then lone
   * puts run in one round trip each. A reset seen before or while the request is written makes the
   * put retry; one that reaches the client only after its request was written leaves the outcome
   * unknown, and the put says so. Either way no put fails otherwise, and afterwards every read
   * answers what the database holds, and the cache holds that or nothing (a key whose read-back
   * also met a dead connection stays fenced).
   */
  @Test
  void lonePutsOnConnectionsResetWhileIdleSucceedOrReportUnknownAndCacheTheTruth() {
    try (Tandem<String, String> tandem = throughTheProxy()) {
      for (int i = 0; i < 4; i++) {
        tandem.put("k" + i, "before");
      }
      assertThat(proxy.dropConnections()).isPositive();

      int unknown = 0;
      for (int i = 0; i < 4; i++) {
        try {
          long version = tandem.put("k" + i, "after");
          assertThat(truth.load("k" + i)).contains(new Versioned<>("after", version));
        } catch (CommitOutcomeUnknownException e) {
          unknown++;
        }
        assertThat(tandem.getVersioned("k" + i)).isEqualTo(truth.load("k" + i));
        Optional<String> cached =
            tandem.getIfCached("k" + i); // empty if the read-back met a dead connection too: fenced
        if (cached.isPresent()) {
          assertThat(cached).isEqualTo(truth.load("k" + i).map(Versioned::value));
        }
      }
      assertThat(tandem.stats().outcomeUnknownCount()).isEqualTo(unknown);
      assertThat(tandem.stats().writeFailureCount()).isEqualTo(unknown);
    }
  }

  /**
   * Every connection is reset while an update holds its key locked and has read it: the update's
   * write fails, nothing is cached, the database is unchanged; the next writes work (the pool's
   * dead connections are retried or replaced).
   */
  @Test
  void connectionsDroppedInTheMiddleOfATransactionFailTheWriteAndCacheNothing() {
    try (Tandem<String, String> tandem = throughTheProxy()) {
      tandem.put("k", "1");
      tandem.invalidate(
          "k"); // not cached: the update takes the locked read (a cached key's runs no transaction
      // first)
      AtomicInteger calls = new AtomicInteger();

      assertThatThrownBy(
              () ->
                  tandem.update(
                      "k",
                      value -> {
                        calls.incrementAndGet();
                        assertThat(proxy.dropConnections()).isPositive();
                        return value + "+1";
                      }))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("update of key k failed in the store");

      assertThat(calls).hasValue(1);
      assertThat(truth.load("k")).map(Versioned::value).contains("1");
      assertThat(tandem.getIfCached("k")).as("the failed write cached nothing").isEmpty();
      assertThat(tandem.get("k")).contains("1");
      assertThat(tandem.stats().writeFailureCount()).isEqualTo(1);

      long version = tandem.put("k", "2");
      assertThat(truth.load("k")).contains(new Versioned<>("2", version));
      assertThat(tandem.getIfCached("k")).contains("2");
    }
  }

  /**
   * With the server's answers held back by the proxy, a put that has run its statement keeps its
   * transaction open and its key locked in the database: a second node's put of the key waits, the
   * database and the cache show neither write; once the answers flow, both commit in that order.
   * With lone writes in two round trips (in one, the statement commits at once).
   */
  @Test
  void withAnswersHeldBackAWriteKeepsItsKeyLockedAndWritesOfTheKeyCommitInOrder() throws Exception {
    try (HikariDataSource directPool = KeyValue.pool(direct, 2, null);
        Tandem<String, String> slow =
            Tandem.builder(KeyValue.twoRoundTripStore(proxiedPool, "kv")).build();
        Tandem<String, String> other = Tandem.builder(KeyValue.store(directPool, "kv")).build()) {
      slow.put("k", "0");
      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ofHours(1));

      Future<Long> first = executor.submit(() -> slow.put("k", "slow"));
      TestDatabase.awaitTrue(
          () -> countBackends("state = 'idle in transaction'") == 1,
          "the slow put's open transaction");
      Future<Long> second = executor.submit(() -> other.put("k", "other"));
      TestDatabase.awaitTrue(
          () -> countBackends("wait_event_type = 'Lock'") == 1,
          "the other put to wait for the key");

      assertThat(first).isNotDone();
      assertThat(second).isNotDone();
      assertThat(truth.load("k")).map(Versioned::value).contains("0");
      assertThat(slow.getIfCached("k")).contains("0");

      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ZERO);
      long slowVersion = first.get(30, TimeUnit.SECONDS);
      long otherVersion = second.get(30, TimeUnit.SECONDS);
      assertThat(otherVersion).isGreaterThan(slowVersion);
      assertThat(truth.load("k")).contains(new Versioned<>("other", otherVersion));
      assertThat(other.getIfCached("k")).contains("other");
    }
  }

  private int countBackends(String condition) {
    try (Connection c = direct.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ?"
                    + " AND pid <> pg_backend_pid() AND "
                    + condition)) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ per-item error isolation

  private static final int WRITERS = 16;
  private static final int ROUNDS = 60;

  /**
   * The unique value of writer {@code w}'s put in {@code round}: 90 + round * 16 + w; 97 is writer
   * 7's first.
   */
  private static long valueOf(int writer, int round) {
    return 90L + (long) round * WRITERS + writer;
  }

  private static boolean poisoned(long value) {
    return value % 97 == 0;
  }

  /**
   * Sixteen writers put unique values into distinct keys; a trigger fails every value divisible by
   * 97. The first round's sixteen puts are made to queue behind a held commit so that they share
   * one batch, which holds writer 7's 97. Exactly the poisoned puts fail, each with a
   * StoreException naming its key and the database's message; every other put is in the database
   * and in the cache (issue 4: per-item error isolation in a busy batch).
   */
  @Test
  void aStatementFailureFailsOnlyItsOwnPutInABusyBatch() throws Exception {
    PostgresFaults.failingTrigger(
        direct, "kv", "NEW.value ~ '^[0-9]+$' AND NEW.value::bigint % 97 = 0");
    try (HikariDataSource pool = KeyValue.pool(direct, 4, null)) {
      List<Thread> writers = new ArrayList<>();
      Set<Thread> calling = ConcurrentHashMap.newKeySet();
      HoldingStore store =
          new HoldingStore(
              KeyValue.store(pool, "kv"),
              () -> {
                TestDatabase.awaitTrue(
                    () ->
                        calling.size() == WRITERS
                            && writers.stream()
                                .allMatch(
                                    t ->
                                        t.getState() == Thread.State.WAITING
                                            || t.getState() == Thread.State.TIMED_WAITING),
                    "every writer to wait for the held commit");
              });
      // One batch at a time: every writer queues behind the held commit and they share one batch.
      try (Tandem<String, String> tandem = Tandem.builder(store).maxConcurrentBatches(1).build()) {
        Map<String, StoreException> failed = new ConcurrentHashMap<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        Future<Long> gate = executor.submit(() -> tandem.put("gate", "1"));
        assertThat(store.holding.await(30, TimeUnit.SECONDS))
            .as("the gate's commit is held")
            .isTrue();
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          writers.add(
              Thread.ofPlatform()
                  .name("writer-" + w)
                  .start(
                      () -> {
                        for (int round = 0; round < ROUNDS; round++) {
                          String key = writer + "-" + round;
                          calling.add(Thread.currentThread());
                          try {
                            tandem.put(key, Long.toString(valueOf(writer, round)));
                          } catch (StoreException e) {
                            failed.put(key, e);
                          } catch (RuntimeException | Error e) {
                            unexpected.add(e);
                          }
                        }
                      }));
        }
        for (Thread t : writers) {
          t.join(TimeUnit.MINUTES.toMillis(2));
          assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
        }
        gate.get(30, TimeUnit.SECONDS);

        assertThat(unexpected).isEmpty();
        Map<String, String> expected = new HashMap<>();
        Set<String> poisonedKeys = new HashSet<>();
        for (int w = 0; w < WRITERS; w++) {
          for (int round = 0; round < ROUNDS; round++) {
            long value = valueOf(w, round);
            if (poisoned(value)) {
              poisonedKeys.add(w + "-" + round);
            } else {
              expected.put(w + "-" + round, Long.toString(value));
            }
          }
        }
        assertThat(poisonedKeys).hasSize(10);
        assertThat(failed.keySet()).isEqualTo(poisonedKeys);
        failed.forEach(
            (key, e) ->
                assertThat(e)
                    .hasMessageContaining("put of key " + key + " failed in the store")
                    .hasMessageContaining("failing trigger on kv rejected")
                    .satisfies(x -> assertThat(x.keys()).isEqualTo(List.of(key))));

        List<String> all = new ArrayList<>(expected.keySet());
        all.addAll(poisonedKeys);
        assertThat(
                truth.loadAll(all).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().value())))
            .isEqualTo(expected);
        expected.forEach(
            (key, value) ->
                assertThat(tandem.getIfCached(key)).as("cached %s", key).contains(value));
        poisonedKeys.forEach(
            key -> assertThat(tandem.getIfCached(key)).as("cached %s", key).isEmpty());
        assertThat(tandem.stats().writeFailureCount()).isEqualTo(poisonedKeys.size());

        System.out.printf(
            "busy batch test: %d applies, largest %d mutations, %d poisoned values in shared batches%n",
            store.applies.get(), store.largest.get(), store.poisonedInSharedBatches.size());
        assertThat(store.largest.get()).isGreaterThanOrEqualTo(WRITERS);
        assertThat(store.poisonedInSharedBatches).contains("97");
      }
    }
  }

  /**
   * A store that holds its first commit until a condition holds (to make writers queue up behind
   * it) and records the batches it is given.
   */
  private static final class HoldingStore implements Store<String, String> {
    final Store<String, String> delegate;
    final Runnable holdUntil;
    final CountDownLatch holding = new CountDownLatch(1);
    final AtomicBoolean held = new AtomicBoolean();
    final AtomicInteger applies = new AtomicInteger();
    final AtomicInteger largest = new AtomicInteger();
    final Set<String> poisonedInSharedBatches = ConcurrentHashMap.newKeySet();

    HoldingStore(Store<String, String> delegate, Runnable holdUntil) {
      this.delegate = delegate;
      this.holdUntil = holdUntil;
    }

    @Override
    public Optional<Versioned<String>> load(String key) {
      return delegate.load(key);
    }

    @Override
    public Map<String, Versioned<String>> loadAll(Collection<? extends String> keys) {
      return delegate.loadAll(keys);
    }

    @Override
    public StoreTransaction<String, String> begin() {
      StoreTransaction<String, String> tx = delegate.begin();
      return new StoreTransaction<>() {
        @Override
        public Optional<Versioned<String>> loadForUpdate(String key) {
          return tx.loadForUpdate(key);
        }

        @Override
        public List<Written> apply(List<? extends Mutation<String, String>> mutations) {
          applies.incrementAndGet();
          largest.accumulateAndGet(mutations.size(), Math::max);
          if (mutations.size() > 1) {
            for (Mutation<String, String> m : mutations) {
              if (m instanceof Mutation.Put<String, String> put
                  && put.value().matches("[0-9]+")
                  && poisoned(Long.parseLong(put.value()))) {
                poisonedInSharedBatches.add(put.value());
              }
            }
          }
          return tx.apply(mutations);
        }

        @Override
        public void commit() {
          if (held.compareAndSet(false, true)) {
            holding.countDown();
            holdUntil.run();
          }
          tx.commit();
        }

        @Override
        public void close() {
          tx.close();
        }
      };
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
