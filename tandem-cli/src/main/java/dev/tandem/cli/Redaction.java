package dev.tandem.cli;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Masks the secrets a command line, a JDBC or Redis URL or an error message can carry, so that what
 * the CLI prints or writes (console, {@code report.html}, {@code results.json}, error lines and
 * stack traces) never shows a password. Every printer of the CLI passes its text through here; the
 * mask is {@value #MASK}.
 *
 * <p>The forms masked, anywhere in a text:
 *
 * <ul>
 *   <li>a URL parameter whose name ends in {@code password}, in any case: H2's {@code ;PASSWORD=s},
 *       PostgreSQL's {@code ?password=s} and {@code &password=s}, {@code &sslpassword=s};
 *   <li>the password of a URL's user information: {@code scheme://user:s@host}, {@code
 *       redis://:s@host};
 *   <li>a Redis URL's user information without a colon, which Redis clients read as the password:
 *       {@code redis://s@host} ({@code rediss}, {@code redis-sentinel} too);
 *   <li>in command-line {@linkplain #arguments arguments} also the value of an option whose name
 *       ends in {@code password}: {@code --jdbc-password s}, {@code --jdbc-password=s} (not {@code
 *       --jdbc-password-env NAME} or {@code --jdbc-password-file PATH}, which name where the secret
 *       is, not the secret).
 * </ul>
 *
 * <p>A parameter's value ends at the next {@code &}, {@code ;} or white space, so a password in a
 * message may take a following colon with it. Stateless and thread-safe.
 */
public final class Redaction {

  /** What a secret is replaced with. */
  public static final String MASK = "***";

  /** A URL parameter named *password: up to the next separator. */
  private static final Pattern PARAMETER =
      Pattern.compile("(?i)([?&;]\\s*[a-z_]*password\\s*=)[^&;\\s]*");

  /** The password of a URL's user information ({@code user:password@}). */
  private static final Pattern USER_PASSWORD =
      Pattern.compile("(?i)([a-z][a-z0-9+.-]*://[^/\\s:@]*):[^@\\s/]*@");

  /** The user information of a Redis URL without a colon: the password alone. */
  private static final Pattern REDIS_PASSWORD =
      Pattern.compile("(?i)(rediss?(?:-sentinel)?(?:\\+[a-z]+)?://)[^/\\s:@]+@");

  private Redaction() {}

  /**
   * Returns {@code text} with every secret of the forms above replaced by {@value #MASK}; the rest
   * unchanged.
   */
  public static String text(String text) {
    requireNonNull(text, "text");
    String masked = PARAMETER.matcher(text).replaceAll("$1" + MASK);
    masked = USER_PASSWORD.matcher(masked).replaceAll("$1:" + MASK + "@");
    return REDIS_PASSWORD.matcher(masked).replaceAll("$1" + MASK + "@");
  }

  /**
   * Returns a URL for display: up to its query ({@code ?...}, which may hold a password or other
   * settings), with the secrets of the rest masked (H2's {@code ;PASSWORD=}, user information).
   */
  public static String url(String url) {
    requireNonNull(url, "url");
    int query = url.indexOf('?');
    return text(query < 0 ? url : url.substring(0, query));
  }

  /**
   * Returns command-line arguments with their secrets masked: the argument after an option whose
   * name ends in {@code password} (given as two arguments), the value of such an option given as
   * {@code --option=value}, and in every other argument the forms of {@link #text}.
   */
  public static List<String> arguments(List<String> args) {
    List<String> masked = new ArrayList<>(args.size());
    boolean secretNext = false;
    for (String arg : args) {
      if (secretNext) {
        masked.add(MASK);
        secretNext = false;
      } else {
        int equals = arg.indexOf('=');
        if (equals > 0 && isSecretOption(arg.substring(0, equals))) {
          masked.add(arg.substring(0, equals + 1) + MASK);
        } else {
          masked.add(text(arg));
          secretNext = isSecretOption(arg);
        }
      }
    }
    return masked;
  }

  private static boolean isSecretOption(String arg) {
    return arg.startsWith("--") && arg.toLowerCase(Locale.ROOT).endsWith("password");
  }
}
