package authresponder.flushcache;

import authresponder.core.ConfigException;
import authresponder.core.Env;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The named sets of keys a caller may flush. Each pattern scope's patterns come from configuration and may
 * not match every key; emptying the whole database is its own scope, which a caller has to name.
 */
final class Scopes {
    static final String WHOLE_DATABASE = "whole-database";
    private static final Map<String, String> DEFAULTS = Map.of("jwks", "jwks:*", "tokens", "token:*");

    private final Map<String, List<String>> patterns = new LinkedHashMap<>();

    Scopes(Env env) {
        for (String scope : List.of("jwks", "tokens")) {
            String variable = variable(scope);
            List<String> list = env.list(variable, List.of(DEFAULTS.get(scope)));
            for (String pattern : list) {
                if (matchesEverything(pattern)) {
                    throw new ConfigException(variable + ": the pattern '" + pattern
                            + "' has no literal part, so it matches any key; emptying the database is the '" + WHOLE_DATABASE + "' scope");
                }
            }
            patterns.put(scope, List.copyOf(list));
        }
    }

    static String variable(String scope) {
        return "FLUSH_SCOPE_" + scope.toUpperCase(java.util.Locale.ROOT);
    }

    /** The patterns of a pattern scope; empty for the whole-database scope or an unknown name. */
    Optional<List<String>> patterns(String scope) {
        return Optional.ofNullable(patterns.get(scope));
    }

    boolean isKnown(String scope) {
        return patterns.containsKey(scope) || WHOLE_DATABASE.equals(scope);
    }

    List<String> names() {
        List<String> names = new java.util.ArrayList<>(patterns.keySet());
        names.add(WHOLE_DATABASE);
        return names;
    }

    /** A glob with no literal character (*, **, ?*, [a-z]*...) selects keys by nothing that belongs to the scope. */
    static boolean matchesEverything(String pattern) {
        String literal = pattern.replaceAll("\\[[^]]*]", "").replace("*", "").replace("?", "");
        return literal.isEmpty();
    }
}
