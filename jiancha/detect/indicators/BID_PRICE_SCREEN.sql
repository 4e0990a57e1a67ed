WITH screened AS (SELECT * FROM price_screens WHERE bids >= greatest($min_bids, 2) AND cv IS NOT NULL),
fence AS (
    SELECT coalesce(
        $threshold,
        r8_quantile(list(cv), 0.25) - 1.5 * (r8_quantile(list(cv), 0.75) - r8_quantile(list(cv), 0.25))
    ) AS lower_fence
    FROM screened
)
SELECT 'OCID' AS group_name, ocid AS identifier, any_value(cv) AS value, [ocid] AS ocids
FROM screened, fence
WHERE cv <= fence.lower_fence
GROUP BY ocid
