package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.StoreTransaction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 6: PostgreSQL cannot store U+0000 (NUL) in text, and a key or value with one
 * failed only when its statement ran (a JdbcStoreException after the round trip, reported as a
 * store failure). The store refuses it before any statement, naming the key; a read of such a key
 * answers "absent" without a query. H2 stores NUL like any other character.
 */
class NulInTextIT {

  private static final String NUL_KEY = "a\0b";

  private static JdbcStore<String, String> keyValue(TestDatabase db) {
    String table = TestDatabase.uniqueName("kv");
    JdbcSchema.createKeyValueTable(db.dataSource(), table, ValueType.TEXT);
    return KeyValue.store(db.dataSource(), table);
  }

  @Test
  void aNulInAKeyOrValueIsRefusedBeforeAnyStatementOnPostgres() {
    JdbcStore<String, String> store = keyValue(TestDatabase.POSTGRESQL);
    try (StoreTransaction<String, String> tx = store.begin()) {
      assertThatThrownBy(
              () ->
                  tx.apply(List.of(new Mutation.Put<>("k", "1"), new Mutation.Put<>("v", "x\0y"))))
          .isInstanceOf(RejectedValueException.class)
          .hasMessageContaining("key v")
          .hasMessageContaining("U+0000")
          .satisfies(e -> assertThat(((RejectedValueException) e).key()).isEqualTo("v"));
      assertThatThrownBy(() -> tx.applyAndCommit(List.of(new Mutation.Put<>(NUL_KEY, "1"))))
          .isInstanceOf(RejectedValueException.class)
          .hasMessageContaining("key a\\u0000b")
          .hasMessageContaining("U+0000")
          .satisfies(e -> assertThat(((RejectedValueException) e).key()).isEqualTo(NUL_KEY));
      assertThatThrownBy(() -> tx.apply(List.of(new Mutation.Delete<>(NUL_KEY))))
          .isInstanceOf(RejectedValueException.class);
      assertThat(tx.loadForUpdate(NUL_KEY)).isEmpty();
      tx.apply(
          List.of(new Mutation.Put<>("k", "2"))); // nothing ran: the transaction is still usable
      tx.commit();
    }
    assertThat(store.load("k")).map(Versioned::value).contains("2");
    assertThat(store.load("v")).isEmpty();
    assertThat(store.load(NUL_KEY)).isEmpty();
    assertThat(store.loadAll(List.of(NUL_KEY, "k"))).containsOnlyKeys("k");
  }

  /**
   * Through Tandem: an IllegalArgumentException naming the key, nothing written, nothing cached.
   */
  @Test
  void tandemReportsTheRefusalAsABadArgument() {
    JdbcStore<String, String> store = keyValue(TestDatabase.POSTGRESQL);
    try (Tandem<String, String> tandem = Tandem.builder(store).build()) {
      assertThatThrownBy(() -> tandem.put("k", "x\0y"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key k");
      assertThatThrownBy(() -> tandem.putAll(Map.of(NUL_KEY, "1", "other", "1")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("U+0000");
      assertThat(tandem.get(NUL_KEY)).isEmpty();
      assertThat(store.loadAll(List.of("k", "other"))).isEmpty();
    }
  }

  @Test
  void h2StoresNulLikeAnyOtherCharacter() {
    JdbcStore<String, String> store = keyValue(TestDatabase.H2);
    try (StoreTransaction<String, String> tx = store.begin()) {
      tx.applyAndCommit(List.of(new Mutation.Put<>(NUL_KEY, "x\0y")));
    }
    assertThat(store.load(NUL_KEY)).map(Versioned::value).contains("x\0y");
  }
}
