WITH bonds AS (
    SELECT tenderId AS ocid, bidder, trim(payerAccount) AS account
    FROM "BidBond" WHERE bidder IS NOT NULL AND nullif(trim(payerAccount), '') IS NOT NULL
),
-- An account on two bonds of one process, counted by a hash of the two (an integer, cheaper to group
-- than strings; two with one hash only add a candidate), leaves few candidates; among them, an
-- account that paid for different bidders (min <> max).
candidates AS (
    SELECT b.ocid, b.bidder, b.account
    FROM bonds AS b
    WHERE hash(b.ocid, b.account) IN (
        SELECT hash(ocid, account) FROM bonds GROUP BY hash(ocid, account) HAVING count(*) > 1
    )
),
paid_for_rivals AS (
    SELECT ocid, account FROM candidates GROUP BY ocid, account HAVING min(bidder) <> max(bidder)
),
guarantors AS (
    -- an account paying for many bidders everywhere is a guarantee company's (保函), not a ring's
    SELECT account FROM bonds
    WHERE account IN (SELECT account FROM paid_for_rivals)
    GROUP BY account HAVING count(DISTINCT bidder) > $max_bidders
),
shared AS (
    SELECT ocid, account FROM paid_for_rivals WHERE account NOT IN (SELECT account FROM guarantors)
),
flagged AS (
    SELECT b.ocid, list_sort(list_distinct(list(b.bidder))) AS bidders
    FROM candidates AS b
    JOIN shared AS s ON s.ocid = b.ocid AND s.account = b.account
    WHERE b.ocid IN (SELECT ocid FROM process)
    GROUP BY b.ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, array_length(bidders)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.bidders) AS t(id)
GROUP BY t.id
