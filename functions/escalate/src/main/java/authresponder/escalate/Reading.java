package authresponder.escalate;

/** What escalate makes of its trigger: an {@link Incident} to page about, or a reason there is none. */
sealed interface Reading permits Incident, Reading.Nothing {

    /** Nothing to page: the alarm is OK, automation handles the verdict, the action succeeded. */
    record Nothing(String why) implements Reading {}
}
