WITH fence AS (
    SELECT coalesce(
        $threshold,
        r8_quantile(list(ratio), 0.75) + 1.5 * (r8_quantile(list(ratio), 0.75) - r8_quantile(list(ratio), 0.25))
    ) AS upper_fence
    FROM second_lowest_bid_ratio
),
-- When three quarters of processes show no difference the fence is 0; flagging then means nothing.
flagged AS (
    SELECT r.* FROM second_lowest_bid_ratio AS r, fence WHERE fence.upper_fence > 0 AND r.ratio >= fence.upper_fence
)
SELECT 'OCID' AS group_name, ocid AS identifier, any_value(ratio) AS value, [ocid] AS ocids
FROM flagged GROUP BY ocid
UNION ALL
SELECT 'Tenderer', winner, 0.0, list(DISTINCT ocid) FROM flagged GROUP BY winner
