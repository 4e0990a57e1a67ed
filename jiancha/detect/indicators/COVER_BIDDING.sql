WITH ranked AS (
    SELECT s.ocid, s.supplier_id, b.tenderer_id, b.amount,
        row_number() OVER (PARTITION BY s.line ORDER BY b.amount, b.position) AS rank
    FROM sole_award AS s JOIN valid_priced_bid AS b ON b.line = s.line
),
steps AS (
    SELECT ocid, any_value(supplier_id) AS winner,
        max(amount) FILTER (WHERE rank = 1) AS b1, max(amount) FILTER (WHERE rank = 2) AS b2,
        max(amount) FILTER (WHERE rank = 3) AS b3,
        list(tenderer_id ORDER BY rank) FILTER (WHERE rank <= 3) AS ids
    FROM ranked GROUP BY ocid
),
flagged AS (
    SELECT * FROM steps
    WHERE b3 IS NOT NULL AND ids[1] = winner AND b1 > 0 AND b2 > b1
        AND abs((b3 - b2) - (b2 - b1)) <= $tolerance * b1
        AND (b2 - b1) <= $max_step * b1
)
SELECT 'OCID' AS group_name, ocid AS identifier, (b2 - b1) / b1 AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid ORDER BY f.ocid)
FROM flagged AS f, unnest([f.ids[2], f.ids[3]]) AS t(id)
GROUP BY t.id
