package authresponder.core.policy;

/** How an identity provider's set of signing keys changed between two looks, as watch-keys tells it. */
public enum KeyChange {
    /** A kid the provider did not publish before: usually published ahead of signing with it. */
    ADDED,
    /** A kid the provider no longer publishes: a retired key, which verifiers should stop trusting. */
    REMOVED,
    /** New key material under a kid already published: a verifier that looks keys up by kid keeps the old material. */
    MATERIAL_CHANGED
}
