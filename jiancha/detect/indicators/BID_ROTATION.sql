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
-- Who beat whom: the winner of a process and each regular rival in it. Two tenderers take turns
-- only if each beat the other somewhere, so pairs are formed from these few edges, not from every
-- two bidders of a process; only then are their common processes counted.
beat AS (
    SELECT DISTINCT x.id AS winner, y.id AS rival
    FROM regular AS x
    JOIN regular AS y ON y.ocid = x.ocid AND y.id <> x.id
    WHERE x.won
),
candidates AS (
    SELECT p.winner AS a, p.rival AS b
    FROM beat AS p JOIN beat AS q ON q.winner = p.rival AND q.rival = p.winner
    WHERE p.winner < p.rival
),
-- Each rotating pair in both directions, with the processes they bid in together.
together AS (
    SELECT p.a, p.b, x.ocid
    FROM candidates AS p
    JOIN regular AS x ON x.id = p.a
    JOIN regular AS y ON y.id = p.b AND y.ocid = x.ocid
),
rotating AS (
    SELECT t.a, t.b, t.ocid
    FROM together AS t
    JOIN (SELECT a, b FROM together GROUP BY a, b HAVING count(*) >= $min_tenders) AS p
        ON p.a = t.a AND p.b = t.b
),
both_ways AS (SELECT a AS id, b AS rival, ocid FROM rotating UNION ALL SELECT b, a, ocid FROM rotating)
SELECT 'Tenderer' AS group_name, id AS identifier, count(DISTINCT rival)::DOUBLE AS value, list(DISTINCT ocid) AS ocids
FROM both_ways
GROUP BY id
