WITH ranked AS (
    SELECT s.ocid, s.supplier_id, b.tenderer_id, b.amount,
        row_number() OVER (PARTITION BY s.line ORDER BY b.amount, b.position) AS rank
    FROM sole_award AS s JOIN valid_priced_bid AS b ON b.line = s.line
),
steps AS (
    SELECT ocid, any_value(supplier_id) AS winner,
        max(amount) FILTER (WHERE rank = 1) AS b1, max(amount) FILTER (WHERE rank = 2) AS b2,
        max(amount) FILTER (WHERE rank = 3) AS b3,
        [max(tenderer_id) FILTER (WHERE rank = 1), max(tenderer_id) FILTER (WHERE rank = 2),
            max(tenderer_id) FILTER (WHERE rank = 3)] AS ids
    FROM ranked GROUP BY ocid
),
flagged AS (
    SELECT * FROM steps
    WHERE b3 IS NOT NULL AND ids[1] = winner AND b1 > 0 AND b2 > b1
        AND abs((b3 - b2) - (b2 - b1)) <= $tolerance * b1
        AND (b2 - b1) <= $max_step * b1
),
-- The pattern counts between firms that keep meeting: the three bid together in at least
-- $min_shared_processes processes (this one included). Strangers fall into equal steps by chance.
presence AS (
    SELECT DISTINCT b.line, b.tenderer_ids[1] AS id
    FROM submitted_bid AS b
    WHERE array_length(b.tenderer_ids) = 1 AND b.tenderer_ids[1] IN (SELECT unnest(ids) FROM flagged)
),
met AS (
    SELECT f.ocid, count(DISTINCT p1.line) AS together
    FROM flagged AS f
    JOIN presence AS p1 ON p1.id = f.ids[1]
    JOIN presence AS p2 ON p2.id = f.ids[2] AND p2.line = p1.line
    JOIN presence AS p3 ON p3.id = f.ids[3] AND p3.line = p1.line
    GROUP BY f.ocid
),
repeated AS (
    SELECT f.* FROM flagged AS f JOIN met AS m ON m.ocid = f.ocid
    WHERE m.together >= $min_shared_processes
)
SELECT 'OCID' AS group_name, ocid AS identifier, (b2 - b1) / b1 AS value, [ocid] AS ocids FROM repeated
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM repeated AS f, unnest([f.ids[2], f.ids[3]]) AS t(id)
GROUP BY t.id
