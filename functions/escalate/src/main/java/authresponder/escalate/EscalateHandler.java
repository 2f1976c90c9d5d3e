package authresponder.escalate;

import authresponder.core.AlarmEvent;
import authresponder.core.BadInputException;
import authresponder.core.ConfigException;
import authresponder.core.Env;
import authresponder.core.FunctionHandler;
import authresponder.core.Lazy;
import authresponder.core.Outcome;
import authresponder.core.Redact;
import authresponder.core.Result;
import authresponder.core.TeamTopics;
import authresponder.core.AwsClients;
import authresponder.core.Trigger;
import authresponder.core.ledger.Claim;
import authresponder.core.ledger.Entry;
import authresponder.core.ledger.Ledger;
import authresponder.core.ledger.Request;
import authresponder.core.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Pages a person through the on-call team's SNS topic when automation cannot fix an incident or did not:
 * on an escalation alarm, a diagnosis that needs a person, a failed action, or by hand. One page per
 * incident per window; a repeat within it is recorded in the action ledger, not paged again. A page that
 * cannot be published is a FAILED result, so Lambda's retries and dead-letter queue take over.
 */
public final class EscalateHandler extends FunctionHandler<EscalateCommand, PageReport> {
    static final String NAME = "escalate";
    static final String ACTION = "page";
    /** The ledger's record that an alarm was seen in ALARM in a region (target: alarm@region). */
    static final String SEEN = "alarm-seen";

    private final Routes routes;
    private final TeamTopics topics;
    private final Duration window;
    private final Duration lookback;
    private final String runbookBase;
    private final Triage triage;
    private final Ledger ledger;
    private final Pager pager;

    public EscalateHandler() {
        this(Env.system());
        prepare();
    }

    /** Every event reads the ledger; a page is published through SNS. */
    @Override
    protected List<Lazy<?>> firstEventClients() {
        return List.of(ledger.client(), pager.client());
    }

    public EscalateHandler(Env env) {
        super(NAME, EscalateCommand.class, env);
        Policy policy = Policy.bundled();
        routes = new Routes(policy);
        env.required(TeamTopics.SETTING);
        topics = TeamTopics.from(env);
        List<String> missing = routes.teams().stream().filter(team -> topics.topic(team).isEmpty()).sorted().toList();
        if (!missing.isEmpty()) {
            throw new ConfigException(TeamTopics.SETTING + " has no topic for team " + String.join(", ", missing)
                    + ", which the runbooks can page");
        }
        window = policy.cooldown(ACTION);
        lookback = env.duration("ESCALATION_LOOKBACK", Duration.ofHours(1));
        runbookBase = env.string("RUNBOOK_BASE_URL", "runbooks/");
        triage = new Triage(routes, name, policy.routing(), env.optional(DEPLOYMENT_NAME).orElse(null));
        ledger = Ledger.from(env);
        pager = new Pager(new AwsClients(env));
    }

    @Override
    protected EscalateCommand commandFor(Trigger trigger) {
        if (trigger instanceof Trigger.Alarm || trigger instanceof Trigger.FunctionResult) {
            return EscalateCommand.FROM_EVENT; // the page is read from the event itself
        }
        EscalateCommand command = super.commandFor(trigger);
        if (command.team() == null && command.runbook() == null) {
            throw new BadInputException("name a team (one of " + knownTeams() + ") or a runbook to page its owner");
        }
        if (command.team() != null && topics.topic(command.team()).isEmpty()) {
            throw new BadInputException("unknown team '" + command.team() + "'; known: " + knownTeams());
        }
        if (command.summary() == null || command.summary().isBlank()) {
            throw new BadInputException("a page needs a summary: what is wrong, in a sentence");
        }
        if (command.summary().length() > EscalateCommand.MAX_SUMMARY) {
            throw new BadInputException("the summary is " + command.summary().length() + " characters; at most " + EscalateCommand.MAX_SUMMARY);
        }
        return command;
    }

    private String knownTeams() {
        return String.join(", ", topics.teams().stream().sorted().toList());
    }

    @Override
    protected Result<PageReport> run(EscalateCommand command, Invocation invocation) {
        List<String> warnings = new ArrayList<>();
        List<Entry> recent = recent(invocation, warnings);
        Set<String> regions = invocation.trigger() instanceof Trigger.Alarm(AlarmEvent alarm) && alarm.inAlarm()
                ? regionsInAlarm(alarm, recent, invocation, warnings) : Set.of();
        Reading reading = triage.read(invocation.trigger(), command, invocation.caller(), Instant.now(), regions);
        if (reading instanceof Reading.Nothing(String why)) {
            return Result.of(Outcome.NO_CHANGE, why, null, warnings);
        }
        Incident incident = (Incident) reading;
        String team = incident.route().team();
        String topic = topics.topic(team).orElse(null);
        List<Attempt> attempts = recent == null ? null : recent.stream()
                .filter(entry -> !entry.dryRun() && !SEEN.equals(entry.action()))
                .sorted(Comparator.comparing(Entry::at))
                .map(entry -> new Attempt(entry.at(), entry.action(), entry.target(),
                        entry.outcome() == null ? "running" : entry.outcome().name(), entry.summary()))
                .toList();
        Page page = Page.compose(incident, attempts, runbookUrl(incident.route()), invocation.caller().requestKey());
        Request request = Request.of(ACTION, incident.key(), invocation.caller(), window).dryRun(command.isDryRun());

        return switch (ledger.claim(request, invocation.budget())) {
            case Claim.DryRun dry -> {
                if (dry.ledgerProblem() != null) {
                    warnings.add("the action ledger is unavailable (" + dry.ledgerProblem() + "): a real page would go out without deduplication");
                } else if (dry.blockedBy() != null) {
                    warnings.add("this incident was paged at " + dry.blockedBy().at() + ": a real page now would be recorded as a repeat, not sent");
                }
                yield ledger.complete(dry, Result.of(Outcome.DRY_RUN, "would page " + team + ": " + page.subject(),
                        PageReport.of(incident, topic, page, null), warnings), invocation.budget());
            }
            case Claim.Duplicate duplicate -> duplicate.answer(PageReport.class);
            case Claim.CoolingDown cooling -> Result.of(Outcome.COOLDOWN, "not paged again: " + team + " was paged about " + incident.key()
                            + " at " + cooling.holder().at() + " (" + cooling.holder().principal() + "); this repeat is recorded in the ledger",
                    PageReport.of(incident, topic, page, null), warnings);
            case Claim.Unavailable unavailable -> {
                // Better a page twice than no page: the ledger guards repeats, not the page itself.
                warnings.add("the action ledger is unavailable (" + unavailable.problem() + "): paged without deduplication or a record");
                yield publish(incident, topic, page, invocation, warnings);
            }
            case Claim.Granted granted -> {
                Result<PageReport> result = publish(incident, topic, page, invocation, warnings);
                if (result.outcome() == Outcome.FAILED) {
                    // Nothing reached the pager: the next try must not be taken for a repeat.
                    ledger.release(granted, invocation.budget());
                }
                yield ledger.complete(granted, result, invocation.budget());
            }
        };
    }

    private Result<PageReport> publish(Incident incident, String topic, Page page, Invocation invocation, List<String> warnings) {
        String team = incident.route().team();
        try {
            String messageId = pager.publish(topic, page, invocation.budget());
            log.info("paged", "team", team, "incident", incident.key(), "severity", incident.route().severity(), "messageId", messageId);
            return Result.of(Outcome.DONE, "paged " + team + ": " + page.subject(),
                    PageReport.of(incident, topic, page, messageId), warnings);
        } catch (SdkException e) {
            String problem = e.getClass().getSimpleName() + ": " + Redact.scrub(String.valueOf(e.getMessage()));
            log.error("page-failed", "team", team, "incident", incident.key(), "subject", page.subject(), "problem", problem);
            return Result.of(Outcome.FAILED, "could not page " + team + " about " + incident.key() + " (" + problem
                    + "); Lambda's retries and dead-letter queue take over", PageReport.of(incident, topic, page, null), warnings);
        }
    }

    /** What the ledger recorded in the lookback, newest first; null (with a warning) when it cannot be read. */
    private List<Entry> recent(Invocation invocation, List<String> warnings) {
        try {
            return ledger.recent(Instant.now().minus(lookback), null, invocation.budget());
        } catch (SdkException | IllegalStateException e) {
            warnings.add("could not read what was already tried from the action ledger: " + Redact.scrub(String.valueOf(e.getMessage())));
            return null;
        }
    }

    /**
     * The regions where the alarm is in ALARM: each region's alarm is forwarded to this one, and the ledger
     * keeps a record of each ALARM it saw within the lookback. Only OK-to-ALARM changes are routed, so a region
     * that recovered within the lookback still counts: this errs towards paging.
     */
    private Set<String> regionsInAlarm(AlarmEvent alarm, List<Entry> recent, Invocation invocation, List<String> warnings) {
        Set<String> regions = new TreeSet<>();
        if (alarm.region() != null) {
            regions.add(alarm.region());
        }
        if (!routes.countsRegions(alarm.alarmName())) {
            return regions;
        }
        String prefix = alarm.alarmName() + "@";
        if (ledger.claim(Request.of(SEEN, prefix + alarm.region(), invocation.caller(), Duration.ZERO), invocation.budget())
                instanceof Claim.Granted seen) {
            ledger.complete(seen, Result.of(Outcome.NO_CHANGE, "in ALARM in " + alarm.region(), null), invocation.budget());
        } else if (recent != null) {
            warnings.add("could not record that " + alarm.alarmName() + " is in ALARM in " + alarm.region() + ": other regions will not count it");
        }
        if (recent == null) {
            warnings.add("the regions in ALARM could not be counted: only " + alarm.region() + " is known");
            return regions;
        }
        recent.stream().filter(entry -> SEEN.equals(entry.action()) && entry.target().startsWith(prefix))
                .forEach(entry -> regions.add(entry.target().substring(prefix.length())));
        return regions;
    }

    private String runbookUrl(Route route) {
        if (route.runbook() == null) {
            return null;
        }
        return runbookBase.endsWith("/") ? runbookBase + route.runbook() : runbookBase + "/" + route.runbook();
    }
}
