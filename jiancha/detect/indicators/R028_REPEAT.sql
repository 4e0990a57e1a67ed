-- R028's identical prices (see R028.sql), kept only where the two tied tenderers bid together in at
-- least $min_shared_processes processes.
-- Only the amounts more than one bid of a process names (staged: repeated_price) can tie, so that
-- tenderer lists are sorted and compared for these few bids only.
WITH priced AS (
    SELECT b.line, b.ocid, b.amount, b.currency, list_sort(list_distinct(b.tenderer_ids)) AS ids
    FROM submitted_bid AS b
    JOIN repeated_price AS r ON r.line = b.line AND r.amount = b.amount AND r.currency = b.currency
    JOIN process AS p ON p.line = b.line
    WHERE p.price_comparison AND array_length(b.tenderer_ids) > 0
),
same_price AS (
    -- different tenderer sets at one price (min <> max: cheaper than counting distinct sets)
    SELECT line, amount, currency FROM priced GROUP BY line, amount, currency HAVING min(ids) <> max(ids)
),
flagged AS (SELECT p.* FROM priced AS p JOIN same_price USING (line, amount, currency)),
tied AS (
    SELECT DISTINCT x.line, x.ocid, ta.id AS a, tb.id AS b
    FROM flagged AS x
    JOIN flagged AS y ON y.line = x.line AND y.amount = x.amount AND y.currency = x.currency,
        unnest(x.ids) AS ta(id), unnest(y.ids) AS tb(id)
    WHERE ta.id < tb.id
),
presence AS (
    SELECT DISTINCT s.line, t.id
    FROM submitted_bid AS s, unnest(s.tenderer_ids) AS t(id)
    WHERE t.id IN (SELECT a FROM tied UNION SELECT b FROM tied)
),
repeated AS (
    SELECT p.line, p.ocid, p.a, p.b
    FROM tied AS p
    JOIN presence AS pa ON pa.id = p.a
    JOIN presence AS pb ON pb.id = p.b AND pb.line = pa.line
    GROUP BY p.line, p.ocid, p.a, p.b
    HAVING count(DISTINCT pa.line) >= $min_shared_processes
)
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids FROM repeated GROUP BY ocid
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT r.ocid)
FROM repeated AS r, unnest([r.a, r.b]) AS t(id)
GROUP BY t.id
