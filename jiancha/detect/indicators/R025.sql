WITH tenders AS (
    -- each tenderer once per process, with whether it won there (a group on the tenderer and the
    -- process number; the ocid is fetched for the flagged tenderers only)
    SELECT b.tenderer_ids[1] AS id, s.line, bool_or(b.tenderer_ids[1] = s.supplier_id) AS won
    FROM sole_award AS s
    JOIN bids AS b ON b.line = s.line
    WHERE b.status = 'valid' AND b.tenderer_count = 1 AND array_length(b.tenderer_ids) = 1
    GROUP BY b.tenderer_ids[1], s.line
),
per_tenderer AS (
    SELECT id, count(*) FILTER (WHERE won) AS wins, count(*) AS bids FROM tenders GROUP BY id
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
),
flagged AS (
    SELECT r.id, r.ratio FROM ratios AS r, fences AS f WHERE r.bids >= f.upper_fence AND r.ratio <= f.lower_fence
)
-- The processes of the flagged tenderers only (a list per tenderer would cost the most).
SELECT 'Tenderer' AS group_name, f.id AS identifier, f.ratio AS value, list(DISTINCT p.ocid) AS ocids
FROM flagged AS f JOIN tenders AS t ON t.id = f.id JOIN process AS p ON p.line = t.line
GROUP BY f.id, f.ratio
