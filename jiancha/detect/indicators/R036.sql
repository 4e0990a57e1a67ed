WITH submitted AS (
    SELECT b.line, b.ocid, b.status, b.amount, b.currency, b.position
    FROM submitted_bid AS b
    JOIN process AS p ON p.line = b.line
    WHERE p.price_comparison AND EXISTS (SELECT 1 FROM awards AS a WHERE a.line = b.line AND a.status = 'active')
),
lowest AS (
    -- a process with a submitted bid of unknown amount cannot say which bid was lowest
    -- (one pass over the bids: the lowest in the main currency, and whether any amount is unknown)
    SELECT line, ocid,
        arg_min(status, {'amount': amount, 'position': position})
            FILTER (WHERE currency = (SELECT currency FROM main_currency)) AS status
    FROM submitted
    GROUP BY line, ocid
    HAVING count(*) FILTER (WHERE amount IS NULL OR currency IS NULL) = 0
)
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids
FROM lowest WHERE status = 'disqualified' GROUP BY ocid
