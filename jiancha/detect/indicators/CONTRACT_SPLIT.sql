WITH near AS (
    -- contracts just under the threshold, with their buyer and sole supplier
    SELECT p.buyer_id, a.supplier_ids[1] AS supplier_id, a.ocid, a.amount, coalesce(a.date, p.period_start) AS date
    FROM awards AS a JOIN process AS p ON p.line = a.line
    WHERE a.status = 'active' AND array_length(a.supplier_ids) = 1 AND p.buyer_id IS NOT NULL
        AND a.amount >= $band * $threshold AND a.amount < $threshold
),
clusters AS (
    -- for each contract, the same pair's contracts in the window that starts with it
    SELECT a.buyer_id, a.supplier_id, a.ocid AS anchor,
        count(DISTINCT b.ocid) AS contracts, sum(b.amount) AS total, list(DISTINCT b.ocid) AS ocids
    FROM near AS a JOIN near AS b
        ON b.buyer_id = a.buyer_id AND b.supplier_id = a.supplier_id
        AND b.date >= a.date AND b.date <= a.date + INTERVAL 1 DAY * $window_days
    GROUP BY a.buyer_id, a.supplier_id, a.ocid
),
split AS (
    SELECT * FROM clusters
    WHERE contracts >= $min_contracts AND total >= $threshold
    QUALIFY row_number() OVER (PARTITION BY buyer_id, supplier_id ORDER BY contracts DESC, total DESC, anchor) = 1
)
SELECT 'Buyer' AS group_name, buyer_id AS identifier, max(contracts)::DOUBLE AS value,
    list_sort(list_distinct(flatten(list(ocids)))) AS ocids
FROM split GROUP BY buyer_id
