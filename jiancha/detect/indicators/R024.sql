WITH fence AS (
    SELECT coalesce(
        $threshold,
        r8_quantile(list(ratio), 0.25) - 1.5 * (r8_quantile(list(ratio), 0.75) - r8_quantile(list(ratio), 0.25))
    ) AS lower_fence
    FROM second_lowest_bid_ratio
),
flagged AS (SELECT r.* FROM second_lowest_bid_ratio AS r, fence WHERE r.ratio <= fence.lower_fence)
SELECT 'OCID' AS group_name, ocid AS identifier, any_value(ratio) AS value, [ocid] AS ocids
FROM flagged GROUP BY ocid
UNION ALL
SELECT 'Tenderer', t.id, 0.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest([f.winner, f.second]) AS t(id)
GROUP BY t.id
