package authresponder.escalate;

import authresponder.core.policy.Severity;

/**
 * What escalate did about an incident: whom it paged (or would page, or had paged already), and the page.
 *
 * @param incident  the key that deduplicates pages
 * @param topic     the team's SNS topic, from configuration
 * @param messageId SNS's id of the published page; null for a dry run, a repeat or a failure
 */
public record PageReport(
        String incident,
        String route,
        String team,
        Severity severity,
        String topic,
        String subject,
        String text,
        String messageId) {

    static PageReport of(Incident incident, String topic, Page page, String messageId) {
        Route route = incident.route();
        return new PageReport(incident.key(), route.id(), route.team(), route.severity(), topic, page.subject(), page.text(), messageId);
    }
}
