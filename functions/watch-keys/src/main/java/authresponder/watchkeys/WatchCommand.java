package authresponder.watchkeys;

/**
 * What a caller may ask: {@code {}} looks at every configured provider, {@code {"provider": "main"}} at one
 * (what a provider's key-rotation hook sends), {@code "dryRun": true} says what would be done and changes
 * nothing. The schedule sends {@code {}}.
 */
public record WatchCommand(String provider, Boolean dryRun) {
    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
