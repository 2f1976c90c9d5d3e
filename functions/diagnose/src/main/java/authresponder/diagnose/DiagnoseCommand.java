package authresponder.diagnose;

/**
 * A direct diagnosis: {@code {"action":"diagnose","sampleToken":"eyJ...","window":"30m"}}. An alarm
 * becomes the same command with the alarm's own window.
 *
 * @param action      "diagnose" (may be left out)
 * @param sampleToken a token that failed, checked against the live keys; only its kid, claims' times and hash are reported
 * @param window      how far back the logs are read, e.g. "30m" (default LOG_WINDOW)
 */
public record DiagnoseCommand(String action, String sampleToken, String window) {
    @Override
    public String toString() {
        return "DiagnoseCommand[action=" + action + ", sampleToken=" + (sampleToken == null ? "none" : "(given)") + ", window=" + window + "]";
    }
}
