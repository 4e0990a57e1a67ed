WITH submitted AS (
    SELECT b.*
    FROM submitted_bid AS b
    JOIN process AS p ON p.line = b.line
    WHERE p.price_comparison AND EXISTS (SELECT 1 FROM awards AS a WHERE a.line = b.line AND a.status = 'active')
),
lowest AS (
    -- a process with a submitted bid of unknown amount cannot say which bid was lowest
    SELECT line, ocid, arg_min(status, {'amount': amount, 'position': position}) AS status
    FROM submitted
    WHERE currency = (SELECT currency FROM main_currency)
    GROUP BY line, ocid
    HAVING line NOT IN (SELECT line FROM submitted WHERE amount IS NULL OR currency IS NULL)
)
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids
FROM lowest WHERE status = 'disqualified' GROUP BY ocid
