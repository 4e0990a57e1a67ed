WITH bidders AS (
    SELECT DISTINCT b.ocid, b.tenderer_ids[1] AS id
    FROM submitted_bid AS b WHERE array_length(b.tenderer_ids) = 1
),
-- A tenderer in fewer than $min_tenders processes cannot meet a rival that often: left out early,
-- so that pairs are formed only among regular bidders.
regular AS (
    SELECT b.ocid, b.id, w.ocid IS NOT NULL AS won
    FROM bidders AS b
    LEFT JOIN (
        SELECT DISTINCT a.ocid, s.id FROM awards AS a, unnest(a.supplier_ids) AS s(id) WHERE a.status = 'active'
    ) AS w ON w.ocid = b.ocid AND w.id = b.id
    WHERE b.id IN (SELECT id FROM bidders GROUP BY id HAVING count(*) >= $min_tenders)
),
pairs AS (
    SELECT x.id AS a, y.id AS b
    FROM regular AS x
    JOIN regular AS y ON y.ocid = x.ocid AND y.id > x.id
    GROUP BY x.id, y.id
    HAVING count(*) >= $min_tenders AND bool_or(x.won) AND bool_or(y.won)
),
-- Each rotating pair in both directions, with the processes they bid in together.
rotating AS (
    SELECT p.a, p.b, x.ocid
    FROM pairs AS p
    JOIN regular AS x ON x.id = p.a
    JOIN regular AS y ON y.id = p.b AND y.ocid = x.ocid
),
both_ways AS (SELECT a AS id, b AS rival, ocid FROM rotating UNION ALL SELECT b, a, ocid FROM rotating)
SELECT 'Tenderer' AS group_name, id AS identifier, count(DISTINCT rival)::DOUBLE AS value, list(DISTINCT ocid) AS ocids
FROM both_ways
GROUP BY id
