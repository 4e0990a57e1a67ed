WITH bonds AS (
    SELECT tenderId AS ocid, bidder, trim(payerAccount) AS account
    FROM "BidBond" WHERE bidder IS NOT NULL AND nullif(trim(payerAccount), '') IS NOT NULL
),
guarantors AS (
    -- an account paying for many bidders everywhere is a guarantee company's (保函), not a ring's
    SELECT account FROM bonds GROUP BY account HAVING count(DISTINCT bidder) > $max_bidders
),
shared AS (
    SELECT ocid, account, list(DISTINCT bidder ORDER BY bidder) AS bidders
    FROM bonds WHERE account NOT IN (SELECT account FROM guarantors)
    GROUP BY ALL HAVING count(DISTINCT bidder) > 1
),
flagged AS (
    SELECT s.ocid, list_sort(list_distinct(flatten(list(s.bidders)))) AS bidders
    FROM shared AS s JOIN process AS p ON p.ocid = s.ocid GROUP BY s.ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, len(bidders)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid ORDER BY f.ocid)
FROM flagged AS f, unnest(f.bidders) AS t(id)
GROUP BY t.id
