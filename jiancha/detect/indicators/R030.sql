WITH winners AS (
    SELECT DISTINCT a.line, s.id FROM awards AS a, unnest(a.supplier_ids) AS s(id) WHERE a.status = 'active'
),
late AS (
    SELECT DISTINCT b.line, b.ocid, t.id
    FROM bids AS b
    JOIN process AS p ON p.line = b.line, unnest(b.tenderer_ids) AS t(id)
    WHERE b.status = 'valid' AND b.date > p.period_end
),
flagged AS (SELECT l.* FROM late AS l JOIN winners AS w ON w.line = l.line AND w.id = l.id)
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids FROM flagged GROUP BY ocid
UNION ALL
SELECT 'Tenderer', id, 1.0, list(DISTINCT ocid) FROM flagged GROUP BY id
