WITH tenders AS (
    -- each tenderer once per process, with whether it won there
    SELECT DISTINCT b.tenderer_ids[1] AS id, s.ocid, s.line, (b.tenderer_ids[1] = s.supplier_id) AS won
    FROM sole_award AS s
    JOIN bids AS b ON b.line = s.line
    WHERE b.status = 'valid' AND b.tenderer_count = 1 AND len(b.tenderer_ids) = 1
),
per_tenderer AS (
    SELECT id, count(*) FILTER (WHERE won) AS wins, count(*) AS bids, list(DISTINCT ocid ORDER BY ocid) AS ocids
    FROM tenders GROUP BY id
),
ratios AS (SELECT *, wins / bids AS ratio FROM per_tenderer),
fences AS (
    SELECT
        r8_quantile(list(bids::DOUBLE), $percentile / 100.0) AS upper_fence,
        coalesce(
            $threshold,
            r8_quantile(list(ratio), 0.25) - 1.5 * (r8_quantile(list(ratio), 0.75) - r8_quantile(list(ratio), 0.25))
        ) AS lower_fence
    FROM ratios
)
SELECT 'Tenderer' AS group_name, r.id AS identifier, r.ratio AS value, r.ocids
FROM ratios AS r, fences AS f
WHERE r.bids >= f.upper_fence AND r.ratio <= f.lower_fence
