-- Wins of processes that received bids: a contract bought directly (直接采购) was not won against
-- anyone, and its concentration is CONTRACT_SPLIT's and R018's business.
-- A market of one buyer is no sign of favour: a process buying what (采购内容: the project title
-- without the buyer's name) no other buyer in the data buys is left out (a specialised service only
-- one hospital needs has one customer whoever supplies it).
WITH markets AS (
    SELECT replace(title, coalesce(buyer_name, ''), '') AS item, count(DISTINCT buyer_id) AS buyers
    FROM process
    WHERE title IS NOT NULL AND buyer_id IS NOT NULL
    GROUP BY replace(title, coalesce(buyer_name, ''), '')
),
wins AS (
    SELECT DISTINCT a.supplier_ids[1] AS supplier_id, p.buyer_id, a.ocid
    FROM awards AS a
    JOIN process AS p ON p.line = a.line
    LEFT JOIN markets AS m ON m.item = replace(p.title, coalesce(p.buyer_name, ''), '')
    WHERE a.status = 'active' AND array_length(a.supplier_ids) = 1 AND p.buyer_id IS NOT NULL
        AND (p.has_bids OR NOT $competitive_only)
        AND (m.buyers IS NULL OR m.buyers > 1 OR NOT $exempt_single_buyer_markets)
),
per_pair AS (
    SELECT supplier_id, buyer_id, count(*) AS n, list(ocid) AS ocids FROM wins GROUP BY ALL
),
per_supplier AS (
    SELECT supplier_id, sum(n) AS total, max(n) AS top, arg_max(ocids, n) AS ocids FROM per_pair GROUP BY supplier_id
)
SELECT 'Tenderer' AS group_name, supplier_id AS identifier, top / total AS value, ocids
FROM per_supplier
WHERE top >= $min_wins AND top / total >= $min_share
