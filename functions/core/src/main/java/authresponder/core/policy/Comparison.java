package authresponder.core.policy;

/** CloudWatch's ComparisonOperator values, spelled as PutMetricAlarm takes them. */
public enum Comparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
    LessThanLowerOrGreaterThanUpperThreshold,
    LessThanLowerThreshold,
    GreaterThanUpperThreshold;

    /** The three operators that compare with an anomaly-detection band rather than a static threshold. */
    public boolean againstBand() {
        return this == LessThanLowerOrGreaterThanUpperThreshold || this == LessThanLowerThreshold || this == GreaterThanUpperThreshold;
    }
}
