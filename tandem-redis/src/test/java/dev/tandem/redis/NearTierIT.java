package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.race.RaceHammer;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two Tandem nodes, each with a {@link NearTier} (its own L1 over its own {@link RedisTier}),
 * sharing one PostgreSQL database and one Redis: own writes are visible at once, another node's
 * writes once their invalidation arrives (bounded staleness, measured and printed), and a lost
 * invalidation channel makes a node bypass its L1 instead of serving what it may have missed.
 *
 * <p>Seeds are printed; replay one with {@code -Dtandem.seed=N}.
 */
class NearTierIT {

  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static int databases;

  private final List<HikariDataSource> pools = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private String database;
  private String prefix;
  private String channel;

  @BeforeEach
  void freshDatabase() throws SQLException {
    database = "near_" + ++databases;
    prefix = "near-" + ProcessHandle.current().pid() + "-" + database + ":";
    channel = "near-" + ProcessHandle.current().pid() + "-" + database;
    Epochs.trust(
        RedisServer.shared().uri(), prefix); // a prefix in steady use: fills allowed at once
    PostgresServer.shared().createDatabase(database);
    try (HikariDataSource setup = pool();
        Connection c = setup.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kv (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
      JdbcSchema.addVersionColumn(setup, "kv", "tandem_version");
    }
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    pools.forEach(HikariDataSource::close);
  }

  private HikariDataSource pool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresServer.shared().jdbcUrl(database));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(8);
    return new HikariDataSource(config);
  }

  private JdbcStore<String, Long> store() {
    HikariDataSource pool = pool();
    pools.add(pool);
    return JdbcStore.<String, Long>builder()
        .dataSource(pool)
        .table("kv")
        .keyColumn("k", String.class)
        .rowMapper(new LongColumn("v"))
        .build();
  }

  private RedisTier<String, Long> redisTier() {
    return RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
        .uri(RedisServer.shared().uri())
        .keyPrefix(prefix)
        .invalidationChannel(channel)
        .build();
  }

  /** A node on a near tier whose invalidation channel goes to {@code uri}. */
  private Node node(
      String name, String uri, UnaryOperator<NearTier.Builder<String, Long>> settings) {
    NearTier<String, Long> tier =
        settings.apply(NearTier.builder(redisTier()).uri(uri).maximumSize(10_000)).build();
    Tandem<String, Long> tandem = Tandem.builder(store()).cacheTier(tier).name(name).build();
    closeables.add(tandem);
    return new Node(tandem, tier);
  }

  private Node node(String name) {
    return node(name, RedisServer.shared().uri(), b -> b.boundedStaleness(Duration.ofSeconds(30)));
  }

  private record Node(Tandem<String, Long> tandem, NearTier<String, Long> tier) {}

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE + " waiting until " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /**
   * Reads {@code key} on the node until its L1 keeps a copy: a read right after another node's
   * write may race that write's message, and then keeps no copy (its install is refused).
   */
  private static void keepsACopy(Node node, String key) {
    await(
        node.tandem() + " keeps a copy of " + key,
        () -> {
          node.tandem().get(key);
          return node.tier().localCopy(key) != null;
        });
  }

  private static long seed() {
    String fixed = System.getProperty("tandem.seed");
    return fixed != null ? Long.parseLong(fixed) : System.nanoTime();
  }

  @Test
  void builderRefusesAMissingStalenessBoundAndRepeatedSettings() {
    try (RedisTier<String, Long> shared = redisTier()) {
      assertThatThrownBy(
              () ->
                  NearTier.builder(shared).uri(RedisServer.shared().uri()).maximumSize(10).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("set boundedStaleness");
      assertThatThrownBy(
              () ->
                  NearTier.builder(shared)
                      .boundedStaleness(Duration.ofSeconds(1))
                      .boundedStaleness(Duration.ofSeconds(2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("bounded staleness was already set to PT1S");
      assertThatThrownBy(() -> NearTier.builder(shared).boundedStaleness(Duration.ofNanos(10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1 ms");
      assertThatThrownBy(
              () ->
                  NearTier.builder(shared)
                      .boundedStaleness(Duration.ofSeconds(1))
                      .maximumSize(10)
                      .build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("set uri or client");
    }
  }

  /**
   * The near tier binds its shared tier to the store (Tandem's build binds it to the store's
   * identity), and reports the shared tier's fence timeout.
   */
  @Test
  void passesTheStoreBindingAndTheFenceTimeoutToItsSharedTier() {
    Node a = node("a");
    String identity;
    try (JdbcStore<String, Long> store = store()) {
      identity = java.util.Objects.requireNonNull(store.identity());
    }
    a.tier().bindStore(identity); // again: the same store is welcome
    try (RedisTier<String, Long> other = redisTier()) {
      assertThatThrownBy(() -> other.bindStore("db.public.other"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'" + identity + "'")
          .hasMessageContaining("'db.public.other'");
    }
    assertThat(a.tier().writeFenceTimeout()).isEqualTo(Duration.ofSeconds(30));
  }

  /** A read on this node after this node's write returned sees that write, with no waiting. */
  @Test
  void ownWritesAreVisibleAtOnce() {
    Node a = node("a");
    for (long i = 1; i <= 200; i++) {
      String key = "k" + (i % 5);
      a.tandem().get(key); // L1 holds the previous state
      a.tandem().put(key, i);
      assertThat(a.tandem().get(key)).as("read after own put %d", i).contains(i);
    }
    assertThat(a.tier().localCopy("k0")).isNotNull(); // the reads above were served by L1 again
    a.tandem().remove("k1");
    assertThat(a.tandem().get("k1")).isEmpty();
  }

  /**
   * Another node's L1 copy is dropped by the invalidation message, and the next read sees the
   * write.
   */
  @Test
  void writeOnOneNodeIsSeenOnTheOtherAfterItsInvalidation() {
    Node a = node("a");
    Node b = node("b");
    a.tandem().put("k", 1L);
    for (long i = 2; i <= 100; i++) {
      assertThat(b.tandem().get("k")).contains(i - 1);
      keepsACopy(b, "k");
      a.tandem().put("k", i);
      await("B's copy of k is dropped", () -> b.tier().localCopy("k") == null);
      assertThat(b.tandem().get("k"))
          .as("read on B after put %d on A was invalidated", i)
          .contains(i);
    }
    a.tandem().remove("k");
    await("B's copy of k is dropped after the remove", () -> b.tier().localCopy("k") == null);
    assertThat(b.tandem().get("k")).isEmpty();
    assertThat(b.tier().receivedMessages()).isGreaterThanOrEqualTo(100);
  }

  /**
   * A node that writes through a plain {@code RedisTier} (no near tier) invalidates the near nodes'
   * copies too: its tier announces each write from inside the script that records it. Before the
   * announcement moved into the scripts, only near tiers published, and B kept the old value until
   * its copy expired (30 s here).
   */
  @Test
  void aWriteThroughAPlainRedisTierDropsTheNearCopies() {
    Node b = node("b");
    Tandem<String, Long> plain =
        Tandem.builder(store()).cacheTier(redisTier()).name("plain").build();
    closeables.add(plain);
    plain.put("k", 1L);
    keepsACopy(b, "k");
    plain.put("k", 2L);
    await("B's copy is dropped well before it expires", () -> b.tier().localCopy("k") == null);
    assertThat(b.tandem().get("k")).contains(2L);
  }

  /**
   * The fence placed before a database write drops the other nodes' copies by itself, so that none
   * survives a write whose writer dies before it reports: B's copy goes once A's tier fences the
   * key, although A never publishes a write, and B reads the database meanwhile.
   */
  @Test
  void aFenceAloneDropsTheOtherNodesCopies() {
    Node a = node("a");
    Node b = node("b");
    a.tandem().put("k", 1L);
    keepsACopy(b, "k");
    a.tier().beforeWrite("k"); // a write that never reports back
    await("B's copy is dropped", () -> b.tier().localCopy("k") == null);
    assertThat(b.tier().getValueIfPresent("k"))
        .as("the fence dropped the Redis entry too")
        .isNull();
    assertThat(b.tandem().get("k")).as("from the database").contains(1L);
    assertThat(b.tier().localCopy("k")).as("no copy of a fenced key").isNull();
  }

  /**
   * What the shared tier announces, as a subscriber sees it: the notice {@code <node> ?} when it
   * connects (its ACL check), then each fence before a write, committed write, fence and
   * invalidation of an entry, and an invalidation of every entry, one message each, in order, named
   * {@code <node> <entry key>} (or {@code <node> *}).
   */
  @Test
  void theSharedTierAnnouncesEveryChangeOfAnEntry() throws Exception {
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    closeables.add(client::shutdown);
    java.util.concurrent.BlockingQueue<String> messages =
        new java.util.concurrent.LinkedBlockingQueue<>();
    io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> subscriber =
        client.connectPubSub();
    closeables.add(subscriber);
    subscriber.addListener(
        new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
          @Override
          public void message(String from, String message) {
            messages.add(message);
          }
        });
    subscriber.sync().subscribe(channel);
    io.lettuce.core.api.sync.RedisCommands<String, String> publisher = client.connect().sync();
    // what arrived before a marker published now: Redis delivers in the order it ran the PUBLISHes
    java.util.function.Supplier<List<String>> sinceLastMarker =
        () -> {
          String marker = "marker " + System.nanoTime();
          publisher.publish(channel, marker);
          List<String> before = new ArrayList<>();
          try {
            for (String message = messages.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                !marker.equals(message);
                message = messages.poll(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
              assertThat(message).as("a message before " + marker).isNotNull();
              before.add(message);
            }
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return before;
        };
    try (RedisTier<String, Long> tier = redisTier()) {
      String entry = new String(tier.entryKey("k"), java.nio.charset.StandardCharsets.UTF_8);
      String own = tier.node() + " ";
      List<String> received = new ArrayList<>(sinceLastMarker.get());
      assertThat(received).as("at connect").containsExactly(own + "?");
      List<Runnable> changes =
          List.of(
              () -> tier.beforeWrite("k"),
              () -> tier.applyCommitted("k", new Cached<>(1L, 1)),
              () -> tier.fence("k"),
              () -> tier.invalidate("k"));
      for (int i = 0; i < changes.size(); i++) {
        changes.get(i).run();
        List<String> announced = sinceLastMarker.get();
        assertThat(announced).as("change %d", i + 1).containsExactly(own + entry);
        received.addAll(announced);
      }
      tier.invalidateAll();
      received.addAll(sinceLastMarker.get());
      assertThat(received)
          .containsExactly(
              own + "?", own + entry, own + entry, own + entry, own + entry, own + "*");
      assertThat(tier.announced()).as("changes only, not the notice").isEqualTo(5);
      assertThat(messages).as("nothing else").isEmpty();
    }
  }

  /**
   * The race hammer on node A (few keys, concurrent puts, reads, fills) while node B writes the
   * same keys: A never reads older than its own acknowledged puts, although its L1 installs race
   * both its own writes and B's invalidations; after quiescence (and delivery of B's last messages)
   * A's cache agrees with the database.
   */
  @Test
  void raceHammerOnOneNodeWhileTheOtherWritesIsConsistent() throws Exception {
    Node a = node("a");
    Node b = node("b");
    long seed = seed();
    OtherNodeWriting hammered = new OtherNodeWriting(a.tandem(), b.tandem(), seed);
    RaceHammer.Report report =
        RaceHammer.run(
            new Quiesced(hammered, a.tier(), b.tier()),
            store(),
            new RaceHammer.Config(6, 6, 1_000, Duration.ofSeconds(40), seed));
    System.out.println(
        "near tier: node A hammered while node B wrote "
            + hammered.otherWrites.get()
            + " times: "
            + report);
    assertThat(report.examples()).isEmpty();
    assertThat(report.consistent()).isTrue();
    assertThat(report.failures()).isZero();
  }

  /**
   * The invalidation channel of node B is cut and cannot reconnect: B bypasses its L1 at once, so a
   * write on A, whose message B never receives, is what B reads next. When the channel is back, B's
   * L1 starts empty. The lookup {@code Tandem.get} makes first ({@code getValueIfLocal}) answers
   * from L1 alone: nothing before B keeps a copy (although Redis holds one), the copy after, and
   * nothing, without touching Redis or throwing, while L1 is bypassed.
   */
  @Test
  void lostChannelBypassesTheLocalCopies() throws Exception {
    RedisServer redis = RedisServer.shared();
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.port())) {
      Node a = node("a");
      Node b =
          node(
              "b",
              "redis://" + proxy.host() + ":" + proxy.port(),
              x -> x.boundedStaleness(Duration.ofSeconds(30)));
      a.tandem().put("k", 1L);
      assertThat(b.tier().getValueIfLocal("k")).as("Redis holds k, B's L1 does not").isNull();
      assertThat(b.tandem().get("k")).contains(1L);
      keepsACopy(b, "k");
      assertThat(b.tier().getValueIfLocal("k")).contains(1L);

      proxy.stopAccepting();
      proxy.dropConnections();
      await("B notices the lost channel", () -> b.tier().losses() >= 1);
      assertThat(b.tier().getValueIfLocal("k"))
          .as("bypassed: nothing is answered locally")
          .isNull();
      a.tandem().put("k", 2L); // B cannot hear of this
      assertThat(b.tandem().get("k")).as("B read through to Redis").contains(2L);
      assertThat(b.tier().isBypassed()).isTrue();
      assertThat(b.tier().localCopy("k")).isNull();
      assertThat(b.tandem().get("k")).contains(2L);

      proxy.resumeAccepting();
      await("B subscribes again", () -> b.tier().subscriptions() >= 2 && !b.tier().isBypassed());
      assertThat(b.tandem().get("k")).contains(2L);
      a.tandem().put("k", 3L);
      await("B hears of A's write again", () -> b.tier().localCopy("k") == null);
      assertThat(b.tandem().get("k")).contains(3L);
    }
  }

  /**
   * The race the change counters prevent: node B's L2 read returns the old value, and node A's
   * write and its invalidation reach B while that read's answer is still on its way (B's Redis
   * connection answers 500 ms late through a proxy). B must not keep a copy of the old value
   * afterwards: it would serve it after the invalidation, for as long as it kept the copy.
   */
  @Test
  void readOverlappingAnotherNodesWriteKeepsNoCopy() throws Exception {
    RedisServer redis = RedisServer.shared();
    RedisClient adminClient = RedisClient.create(redis.uri());
    closeables.add(adminClient::shutdown);
    FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.port());
    closeables.add(proxy);
    try (StatefulRedisConnection<String, String> admin = adminClient.connect()) {
      Node a = node("a");
      RedisTier<String, Long> slow =
          RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
              .uri("redis://" + proxy.host() + ":" + proxy.port())
              .keyPrefix(prefix)
              .invalidationChannel(channel)
              .commandTimeout(Duration.ofSeconds(5))
              .build();
      NearTier<String, Long> b =
          NearTier.builder(slow)
              .uri(redis.uri())
              .maximumSize(100)
              .boundedStaleness(Duration.ofSeconds(30))
              .build();
      closeables.add(b);
      a.tandem().put("k", 1L);
      long getsBefore = getCalls(admin);

      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ofMillis(500));
      CompletableFuture<Cached<Long>> read =
          CompletableFuture.supplyAsync(() -> b.getIfPresent("k"));
      await("B's GET ran in Redis", () -> getCalls(admin) > getsBefore);
      a.tandem().put("k", 2L);
      await("B received A's invalidation", () -> b.receivedMessages() >= 1);
      assertThat(read.get(10, TimeUnit.SECONDS).value())
          .as("the read began before the put")
          .isEqualTo(1L);
      assertThat(b.localCopy("k")).as("no copy of the value the invalidation dropped").isNull();
      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ZERO);
      assertThat(b.getIfPresent("k")).extracting(Cached::value).isEqualTo(2L);
    }
  }

  private static long getCalls(StatefulRedisConnection<String, String> admin) {
    for (String line : admin.sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_get:calls=")) {
        return Long.parseLong(line.substring("cmdstat_get:calls=".length(), line.indexOf(',')));
      }
    }
    return 0;
  }

  /**
   * {@code CLIENT KILL TYPE pubsub}: both nodes lose their subscription, Lettuce reconnects and
   * resubscribes, and each L1 starts empty, so no copy that a message lost in the gap should have
   * dropped survives.
   */
  @Test
  void killedSubscriptionsEmptyTheLocalCopies() {
    Node a = node("a");
    Node b = node("b");
    a.tandem().put("k", 1L);
    assertThat(b.tandem().get("k")).contains(1L);
    assertThat(a.tandem().get("k")).contains(1L);
    keepsACopy(b, "k");

    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      long killed = admin.sync().clientKill(KillArgs.Builder.typePubsub());
      assertThat(killed).isGreaterThanOrEqualTo(2);
    } finally {
      client.shutdown();
    }
    await(
        "both nodes lost and regained their subscription",
        () ->
            a.tier().losses() >= 1
                && b.tier().losses() >= 1
                && a.tier().subscriptions() >= 2
                && b.tier().subscriptions() >= 2
                && !b.tier().isBypassed());
    assertThat(b.tier().localCopy("k")).as("B's L1 starts empty after resubscribing").isNull();
    assertThat(b.tandem().get("k")).contains(1L);
    a.tandem().put("k", 2L);
    await("B hears of A's write after resubscribing", () -> b.tier().localCopy("k") == null);
    assertThat(b.tandem().get("k")).contains(2L);
  }

  /**
   * The bound holds when messages stall on a connection that stays up (B's channel answers 2 s late
   * through a proxy, its heartbeats with it): B stops serving L1 once no heartbeat has come back
   * for the bound (200 ms), so A's write, whose message is stuck, is what B reads next; when the
   * delay ends, the heartbeats come back and B serves L1 again.
   */
  @Test
  void stalledMessagesStopTheL1WithinTheBound() {
    FaultProxy proxy = FaultProxy.start("127.0.0.1", RedisServer.shared().port());
    closeables.add(proxy);
    Node a = node("a");
    Node b =
        node(
            "b",
            "redis://" + proxy.host() + ":" + proxy.port(),
            x -> x.boundedStaleness(Duration.ofMillis(200)));
    a.tandem().put("k", 1L);
    keepsACopy(b, "k");
    assertThat(b.tier().isBypassed()).isFalse();
    proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ofSeconds(2));
    long received = b.tier().receivedMessages();
    a.tandem().put("k", 2L);
    long put = System.nanoTime();
    await("B stops serving its L1", () -> b.tier().isBypassed());
    System.out.printf(
        "B stopped serving its L1 %.1f ms after A's put (bound 200 ms)%n",
        (System.nanoTime() - put) / 1e6);
    assertThat(b.tandem().get("k")).as("read on B while its channel stalls").contains(2L);
    assertThat(b.tier().receivedMessages())
        .as("the lapse came first: A's messages are still held in the proxy")
        .isEqualTo(received);
    assertThat(b.tier().lapses()).isPositive();
    proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, Duration.ZERO);
    await("B serves its L1 again", () -> !b.tier().isBypassed());
    await("A's fence and write reach B", () -> b.tier().receivedMessages() == received + 2);
    assertThat(b.tier().localCopy("k"))
        .as("the delayed messages dropped the copy read during the stall")
        .isNull();
    assertThat(b.tandem().get("k")).contains(2L);
  }

  /**
   * Without heartbeats coming back, L1 is not served: B stops heartbeats (a test switch), its L1
   * lapses after the bound, and reads go to Redis; when heartbeats resume, B serves L1 again. Node
   * A's heartbeats on the same channel (same bound, same clock) go on meanwhile and vouch only for
   * A's L1.
   */
  @Test
  void noHeartbeatNoL1() {
    node("a", RedisServer.shared().uri(), x -> x.boundedStaleness(Duration.ofMillis(100)));
    Node b = node("b", RedisServer.shared().uri(), x -> x.boundedStaleness(Duration.ofMillis(100)));
    b.tandem().put("k", 1L);
    keepsACopy(b, "k");
    b.tier().pauseHeartbeat(true);
    await("B's L1 lapses", () -> b.tier().isBypassed());
    assertThat(b.tier().getValueIfLocal("k")).as("nothing served from L1").isNull();
    assertThat(b.tandem().get("k")).contains(1L);
    b.tier().pauseHeartbeat(false);
    await("B serves its L1 again", () -> !b.tier().isBypassed());
    keepsACopy(b, "k");
    assertThat(b.tier().getValueIfLocal("k")).contains(1L);
  }

  /**
   * A near tier whose channel is on another server than its shared tier never hears its heartbeats
   * (they go out on the shared tier's server, in order with the invalidations), so its L1 lapses
   * after the first bound and stays unserved: misconfigured, it is slow, not stale.
   */
  @Test
  void aChannelOnAnotherServerNeverVouchesForTheL1() {
    try (RedisServer other = RedisServer.start()) {
      Node a = node("a");
      Node b = node("b", other.uri(), x -> x.boundedStaleness(Duration.ofMillis(100)));
      a.tandem().put("k", 1L);
      await("B's L1 lapses", () -> b.tier().isBypassed());
      assertThat(b.tandem().get("k")).contains(1L);
      a.tandem().put("k", 2L);
      assertThat(b.tandem().get("k")).as("B hears nothing, but reads Redis").contains(2L);
      assertThat(b.tier().isBypassed()).isTrue();
      b.tandem().close();
    }
  }

  /**
   * L1 copies expire with the shared tier's entries: a row changed outside Tandem (no message) is
   * read again once the copy is gone, as it is from Redis alone.
   */
  @Test
  void copiesExpireWithTheSharedTiersEntries() {
    RedisTier<String, Long> expiring =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .invalidationChannel(channel)
            .timeToLive(Duration.ofMillis(300))
            .build();
    NearTier<String, Long> tier =
        NearTier.builder(expiring)
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofSeconds(30))
            .build();
    closeables.add(tier);
    tier.applyCommitted("k", new Cached<>(1L, 1));
    assertThat(tier.getValueIfPresent("k")).contains(1L);
    assertThat(tier.localCopy("k")).contains(1L);
    await("the copy expires with the Redis entry", () -> tier.localCopy("k") == null);
    await("the expiry is counted", () -> tier.evictionCount() > 0);
  }

  /**
   * A message names an entry's Redis key; L1 keeps a copy only of a key that its name decodes back
   * to. Long keys without a decoder: no copies (counted), reads still right; with {@code
   * Long::valueOf}: copies, dropped by another node's write.
   */
  @Test
  void keysWhoseNamesDoNotDecodeBackGetNoCopy() {
    RedisTier<Long, Long> writer =
        RedisTier.<Long, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .invalidationChannel(channel)
            .build();
    closeables.add(writer);
    NearTier<Long, Long> undecoded =
        NearTier.builder(
                RedisTier.<Long, Long>builder(TandemOnRedisIT.LONGS)
                    .uri(RedisServer.shared().uri())
                    .keyPrefix(prefix)
                    .invalidationChannel(channel)
                    .build())
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofSeconds(30))
            .build();
    closeables.add(undecoded);
    NearTier<Long, Long> decoded =
        NearTier.builder(
                RedisTier.<Long, Long>builder(TandemOnRedisIT.LONGS)
                    .uri(RedisServer.shared().uri())
                    .keyPrefix(prefix)
                    .invalidationChannel(channel)
                    .build())
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofSeconds(30))
            .keyDecoder(Long::valueOf)
            .build();
    closeables.add(decoded);
    writer.applyCommitted(7L, new Cached<>(1L, 1));
    // the write's message bumps the key's stripe; a read overlapping its arrival rightly keeps no
    // copy
    await(
        "both tiers received the write's message",
        () -> undecoded.receivedMessages() == 1 && decoded.receivedMessages() == 1);

    assertThat(undecoded.getValueIfPresent(7L)).contains(1L);
    assertThat(undecoded.localCopy(7L)).as("no copy it could not drop").isNull();
    assertThat(undecoded.undecodableKeys()).isEqualTo(1);

    assertThat(decoded.getValueIfPresent(7L)).contains(1L);
    assertThat(decoded.localCopy(7L)).contains(1L);
    assertThat(decoded.getValueIfLocal(7L)).contains(1L);
    writer.applyCommitted(7L, new Cached<>(2L, 2));
    await("the decoding tier drops its copy", () -> decoded.localCopy(7L) == null);
    assertThat(decoded.getValueIfPresent(7L)).contains(2L);
    assertThat(decoded.undecodableKeys()).isZero();
  }

  /**
   * The near tier's meters and its shared tier's are published with the Tandem's, tagged with its
   * name: L1 served or not, its lapses, the messages received from other nodes, the changes its own
   * writes announced, the circuit's state.
   */
  @Test
  void metersReportTheL1AndTheSharedTier() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NearTier<String, Long> tier =
        NearTier.builder(redisTier())
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofMillis(200))
            .build();
    Tandem<String, Long> b =
        Tandem.builder(store()).cacheTier(tier).name("b").meterRegistry(registry).build();
    closeables.add(b);
    Node a = node("a");
    assertThat(value(registry, "tandem.near.serving")).as("served from build").isEqualTo(1);
    assertThat(value(registry, "tandem.redis.circuit.open")).isZero();
    assertThat(value(registry, "tandem.redis.circuit.opens")).isZero();
    assertThat(registry.find("tandem.redis.repair.pending").gauge())
        .as("no journal under STRICT")
        .isNull();

    a.tandem().put("k", 1L);
    await(
        "B counts A's fence and write",
        () -> value(registry, "tandem.near.invalidations.received") == 2);
    b.put("k", 2L);
    assertThat(value(registry, "tandem.redis.invalidations.published"))
        .as("the fence and the write")
        .isEqualTo(2);
    keepsACopy(new Node(b, tier), "k"); // B skips its own messages: nothing drops this copy but A's
    a.tier().invalidateAll(); // published after B's own messages, so delivered after them
    await("A's invalidation of every entry empties B's L1", () -> tier.localCopy("k") == null);
    assertThat(value(registry, "tandem.near.invalidations.received"))
        .as("A's three, not B's own")
        .isEqualTo(3)
        .isEqualTo(tier.receivedMessages());

    tier.pauseHeartbeat(true);
    await("B's L1 lapses", () -> value(registry, "tandem.near.serving") == 0);
    assertThat(value(registry, "tandem.near.lapses")).isPositive().isEqualTo(tier.lapses());
    assertThat(value(registry, "tandem.near.subscription.losses")).isZero();
    assertThat(value(registry, "tandem.near.undecodable.keys")).isZero();

    b.close();
    assertThat(registry.find("tandem.near.serving").meters())
        .as("removed with the Tandem")
        .isEmpty();
    assertThat(registry.getMeters()).isEmpty();
  }

  /** Reads a meter of the node named {@code b}: a counter's count or a gauge's value. */
  private static double value(SimpleMeterRegistry registry, String name) {
    Meter meter = registry.get(name).tag("cache", "b").meter();
    return meter instanceof FunctionCounter counter ? counter.count() : ((Gauge) meter).value();
  }

  /**
   * {@code Tandem.get} asks L1 first ({@code getValueIfLocal}) and {@code getValueIfPresent} only
   * after a local miss, so the latter reads Redis without looking in L1 again, and replaces the
   * copy with what it read. A writer announcing on another channel leaves an old copy in L1 (the
   * misconfiguration the README names), which makes the two answers differ.
   */
  @Test
  void getValueIfPresentReadsRedisNotTheL1() {
    RedisTier<String, Long> unheard =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .invalidationChannel(channel + "-elsewhere")
            .build();
    closeables.add(unheard);
    NearTier<String, Long> tier =
        NearTier.builder(redisTier())
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofSeconds(30))
            .build();
    closeables.add(tier);
    unheard.applyCommitted("k", new Cached<>(1L, 1));
    assertThat(tier.getValueIfPresent("k")).contains(1L);
    assertThat(tier.getValueIfLocal("k")).contains(1L);

    unheard.applyCommitted("k", new Cached<>(2L, 2));
    assertThat(tier.getValueIfLocal("k")).as("no message came: the old copy stays").contains(1L);
    assertThat(tier.getValueIfPresent("k")).as("read from Redis, not from L1").contains(2L);
    assertThat(tier.getValueIfLocal("k")).as("the copy replaced").contains(2L);
  }

  /**
   * A hit ({@code getValueIfLocal}) counts for L1's eviction policy as a Caffeine read does. L1
   * holds 10 keys, installed and not yet read; one of them is read through the hit path, then 40
   * new keys crowd L1 (each installed and read 3 times, a frequency below Caffeine's random
   * admission threshold). A recorded read moves the key out of the segment Caffeine evicts from
   * (W-TinyLFU's probation) into the protected one, so it stays while the other old keys go. Were
   * hits not recorded, it would be evicted (checked with a lookup that does not record them, {@code
   * getIfPresentQuietly}). Maintenance runs on the caller, so the outcome does not depend on
   * timing; it does depend on Caffeine's policy, which a Caffeine upgrade could change.
   */
  @Test
  void hitsCountForEviction() {
    RedisTier<String, Long> writer =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .invalidationChannel(channel + "-elsewhere")
            .build();
    closeables.add(writer); // writes on another channel: no message drops a copy this test installs
    NearTier<String, Long> tier =
        NearTier.builder(redisTier())
            .uri(RedisServer.shared().uri())
            .maximumSize(10)
            .executor(Runnable::run)
            .boundedStaleness(Duration.ofSeconds(30))
            .build();
    closeables.add(tier);
    for (int i = 0; i < 10; i++) {
      writer.applyCommitted("old-" + i, new Cached<>((long) i, 1));
      assertThat(tier.getValueIfPresent("old-" + i)).contains((long) i);
    }
    for (int i = 0; i < 20; i++) {
      assertThat(tier.getValueIfLocal("old-3")).contains(3L);
    }
    for (int i = 0; i < 40; i++) {
      writer.applyCommitted("new-" + i, new Cached<>((long) i, 1));
      assertThat(tier.getValueIfPresent("new-" + i)).contains((long) i);
      for (int read = 0; read < 3; read++) {
        tier.getValueIfLocal("new-" + i);
      }
    }
    assertThat(tier.evictionCount()).as("L1 evicted").isGreaterThanOrEqualTo(40);
    assertThat(tier.localCopy("old-3")).as("the key read 20 times").contains(3L);
    assertThat(
            java.util.stream.IntStream.range(0, 10)
                .filter(i -> i != 3)
                .filter(i -> tier.localCopy("old-" + i) != null))
        .as("old keys only installed, still held")
        .isEmpty();
  }

  /**
   * Measures the staleness bound: B reads key k in a tight loop (L1 hits) while A writes it; for
   * each write, the time from A's put returning to B's first read of the new value (0 if B saw it
   * before the put returned). Printed, not asserted: timing claims depend on the machine.
   */
  @Test
  void measureStalenessAfterAnotherNodesWrite() throws Exception {
    Node a = node("a");
    Node b = node("b");
    int writes = Integer.getInteger("tandem.near.writes", 300);
    a.tandem().put("k", 0L);
    AtomicLongArray seenAt = new AtomicLongArray(writes + 1);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch reading = new CountDownLatch(1);
    AtomicLong reads = new AtomicLong();
    Thread reader =
        Thread.ofPlatform()
            .name("near-reader")
            .start(
                () -> {
                  long last = -1;
                  reading.countDown();
                  while (!stop.get()) {
                    long v = b.tandem().get("k").orElse(-1L);
                    reads.incrementAndGet();
                    if (v != last && v > 0 && v <= writes) {
                      seenAt.compareAndSet((int) v, 0, System.nanoTime());
                      last = v;
                    }
                  }
                });
    assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
    long[] ackedAt = new long[writes + 1];
    for (int i = 1; i <= writes; i++) {
      a.tandem().put("k", (long) i);
      ackedAt[i] = System.nanoTime();
      int written = i;
      await("B reads write " + i, () -> seenAt.get(written) != 0);
    }
    stop.set(true);
    reader.join(10_000);
    long[] delays = new long[writes];
    for (int i = 1; i <= writes; i++) {
      delays[i - 1] = Math.max(0, seenAt.get(i) - ackedAt[i]);
    }
    Arrays.sort(delays);
    System.out.printf(
        "near tier staleness after another node's acknowledged write (%d writes, %d reads on B):"
            + " p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us; %d of %d seen before the put returned;"
            + " hard cap (bounded staleness) %s%n",
        writes,
        reads.get(),
        delays[writes / 2] / 1e3,
        delays[writes * 9 / 10] / 1e3,
        delays[writes * 99 / 100] / 1e3,
        delays[writes - 1] / 1e3,
        Arrays.stream(delays).filter(d -> d == 0).count(),
        writes,
        b.tier().boundedStaleness());
    assertThat(b.tier().receivedMessages()).isGreaterThanOrEqualTo(writes);
  }

  /**
   * Node A as the hammer sees it, whose {@code getIfCached} (the hammer's convergence check, after
   * every call returned) first waits until A received every message node B published, so that the
   * check does not race B's last invalidation.
   */
  private record Quiesced(
      Tandem<String, Long> hammered, NearTier<String, Long> a, NearTier<String, Long> b)
      implements Tandem<String, Long> {
    @Override
    public Optional<Long> get(String key) {
      return hammered.get(key);
    }

    @Override
    public Optional<dev.tandem.Versioned<Long>> getVersioned(String key) {
      return hammered.getVersioned(key);
    }

    @Override
    public java.util.Map<String, Long> getAll(java.util.Collection<? extends String> keys) {
      return hammered.getAll(keys);
    }

    @Override
    public long put(String key, Long value) {
      return hammered.put(key, value);
    }

    @Override
    public void putAll(java.util.Map<? extends String, ? extends Long> entries) {
      hammered.putAll(entries);
    }

    @Override
    public long putIfVersion(String key, long expected, Long value) {
      return hammered.putIfVersion(key, expected, value);
    }

    @Override
    public Optional<Long> update(String key, UnaryOperator<Long> function) {
      return hammered.update(key, function);
    }

    @Override
    public boolean remove(String key) {
      return hammered.remove(key);
    }

    @Override
    public int removeAll(java.util.Collection<? extends String> keys) {
      return hammered.removeAll(keys);
    }

    @Override
    public <R> R transaction(
        java.util.function.Function<? super dev.tandem.Transaction<String, Long>, ? extends R>
            work) {
      return hammered.transaction(work);
    }

    @Override
    public void invalidate(String key) {
      hammered.invalidate(key);
    }

    @Override
    public void invalidateAll() {
      hammered.invalidateAll();
    }

    @Override
    public long estimatedSize() {
      return hammered.estimatedSize();
    }

    @Override
    public dev.tandem.Stats stats() {
      return hammered.stats();
    }

    @Override
    public void close() {
      hammered.close();
    }

    @Override
    public Optional<Long> getIfCached(String key) {
      long published = b.publishedMessages();
      await("A received B's messages", () -> a.receivedMessages() >= published);
      return hammered.getIfCached(key);
    }
  }
}
