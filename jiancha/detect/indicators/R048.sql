WITH sole AS (
    SELECT a.line, a.ocid, a.position, a.supplier_ids[1] AS id
    FROM awards AS a
    WHERE a.status = 'active' AND a.supplier_count = 1 AND array_length(a.supplier_ids) = 1
),
per_supplier AS (
    SELECT s.id,
        count(DISTINCT left(i.classification_id, $digits)) AS classes,
        count(DISTINCT s.ocid) AS processes,
        list(DISTINCT s.ocid) AS ocids
    FROM sole AS s JOIN award_items AS i ON i.line = s.line AND i.award_position = s.position
    GROUP BY s.id
),
eligible AS (SELECT * FROM per_supplier WHERE processes >= $minimum_contracting_processes),
fence AS (
    SELECT coalesce(
        $threshold::DOUBLE,
        ceil(
            r8_quantile(list(classes::DOUBLE), 0.75)
            + 1.5 * (r8_quantile(list(classes::DOUBLE), 0.75) - r8_quantile(list(classes::DOUBLE), 0.25))
        )
    ) AS upper_fence
    FROM eligible
)
SELECT 'Tenderer' AS group_name, e.id AS identifier, e.classes::DOUBLE AS value, e.ocids
FROM eligible AS e, fence AS f
WHERE e.classes >= f.upper_fence
