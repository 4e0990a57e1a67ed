-- Wins of processes that received bids: a contract bought directly (直接采购) was not won against
-- anyone, and its concentration is CONTRACT_SPLIT's and R018's business.
WITH wins AS (
    SELECT DISTINCT a.supplier_ids[1] AS supplier_id, p.buyer_id, a.ocid
    FROM awards AS a JOIN process AS p ON p.line = a.line
    WHERE a.status = 'active' AND array_length(a.supplier_ids) = 1 AND p.buyer_id IS NOT NULL
        AND (p.has_bids OR NOT $competitive_only)
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
