package authresponder.infra;

import java.util.List;

/** The deployment configuration is wrong; the message lists every problem, each with its path. */
public final class InvalidConfigException extends RuntimeException {
    private final List<String> problems;

    public InvalidConfigException(String source, List<String> problems) {
        super("auth-responder configuration (" + source + ") is not valid:\n  - " + String.join("\n  - ", problems),
                null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
