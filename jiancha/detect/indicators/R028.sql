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
flagged AS (SELECT p.* FROM priced AS p JOIN same_price USING (line, amount, currency))
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids FROM flagged GROUP BY ocid
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.ids) AS t(id)
GROUP BY t.id
