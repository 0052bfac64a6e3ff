package dev.tandem.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * A data source that hands out one physical connection again and again and never closes it: for
 * tests that must know which server process a store's next transaction runs on.
 */
final class OneConnection {

  private OneConnection() {}

  /** Returns a data source whose {@code getConnection()} always returns {@code physical}. */
  static DataSource dataSource(Connection physical) {
    Connection shared =
        (Connection)
            Proxy.newProxyInstance(
                OneConnection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("close") && method.getParameterCount() == 0) {
                    return null;
                  }
                  try {
                    return method.invoke(physical, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return (DataSource)
        Proxy.newProxyInstance(
            OneConnection.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                return shared;
              }
              if (method.getName().equals("toString")) {
                return "OneConnection{" + physical + "}";
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
