package authresponder.infra;

/** The action ledger table's key schema and expiry attribute, as the functions' ledger code uses them. */
final class Ledger {
    static final String PARTITION_KEY = "pk";
    static final String SORT_KEY = "sk";
    static final String TTL_ATTRIBUTE = "expiresAt";

    private Ledger() {}
}
