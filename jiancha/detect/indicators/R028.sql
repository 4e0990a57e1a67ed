WITH repeated_price AS (
    -- an amount more than one bid of a process names: a cheap group on plain columns first, so that
    -- tenderer lists are sorted and compared only for these few bids
    SELECT line, amount, currency FROM bids
    WHERE amount IS NOT NULL AND currency IS NOT NULL
    GROUP BY line, amount, currency HAVING count(*) > 1
),
priced AS (
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
flagged AS (SELECT p.* FROM priced AS p JOIN same_price USING (line, amount, currency))
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids FROM flagged GROUP BY ocid
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.ids) AS t(id)
GROUP BY t.id
