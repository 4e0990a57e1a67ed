-- The lowest submitted bid of each process (one pass over narrow rows, grouped on the process
-- number); a process with a submitted bid of unknown amount cannot say which bid was lowest. Price
-- comparison and an active award are asked of the processes after, not of every bid.
WITH lowest AS (
    SELECT line,
        arg_min(status, {'amount': amount, 'position': position})
            FILTER (WHERE currency = (SELECT currency FROM main_currency)) AS status
    FROM submitted_bid
    GROUP BY line
    HAVING count(*) FILTER (WHERE amount IS NULL OR currency IS NULL) = 0
)
SELECT 'OCID' AS group_name, p.ocid AS identifier, 1.0 AS value, [p.ocid] AS ocids
FROM lowest AS l
JOIN process AS p ON p.line = l.line
WHERE l.status = 'disqualified' AND p.price_comparison
    AND EXISTS (SELECT 1 FROM awards AS a WHERE a.line = l.line AND a.status = 'active')
GROUP BY p.ocid
