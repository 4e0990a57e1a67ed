WITH raw AS (
    SELECT tenderId AS ocid, bidder, 'machineCode' AS field, trim(machineCode) AS value FROM "Bid"
    UNION ALL
    SELECT tenderId, bidder, 'macAddress', trim(macAddress) FROM "Bid"
    UNION ALL
    SELECT tenderId, bidder, 'ipAddress', trim(ipAddress) FROM "Bid"
    UNION ALL
    SELECT tenderId, bidder, 'author', trim(author) FROM "Bid"
),
traits AS (
    SELECT * FROM raw
    WHERE bidder IS NOT NULL AND nullif(value, '') IS NOT NULL AND list_contains($fields, field)
        AND NOT (field = 'author' AND list_contains($ignored_authors, value))
),
-- A trait found on two bid rows of one process, counted by a hash of the trait: an integer, cheaper
-- to group than three strings, read straight from the bids so that the traits are not held in
-- memory. Rows the trait filters leave out and two traits with one hash only add a candidate.
hashed AS (
    SELECT hash(tenderId, 'machineCode', trim(machineCode)) AS h FROM "Bid"
    WHERE machineCode IS NOT NULL AND list_contains($fields, 'machineCode')
    UNION ALL
    SELECT hash(tenderId, 'macAddress', trim(macAddress)) FROM "Bid"
    WHERE macAddress IS NOT NULL AND list_contains($fields, 'macAddress')
    UNION ALL
    SELECT hash(tenderId, 'ipAddress', trim(ipAddress)) FROM "Bid"
    WHERE ipAddress IS NOT NULL AND list_contains($fields, 'ipAddress')
    UNION ALL
    SELECT hash(tenderId, 'author', trim(author)) FROM "Bid"
    WHERE author IS NOT NULL AND list_contains($fields, 'author')
),
candidates AS (
    SELECT t.ocid, t.field, t.value, t.bidder
    FROM traits AS t
    WHERE hash(t.ocid, t.field, t.value) IN (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1)
),
-- Among the candidates, a trait shared by different bidders (min <> max).
shared AS (
    SELECT ocid, field, value FROM candidates GROUP BY ocid, field, value HAVING min(bidder) <> max(bidder)
),
flagged AS (
    SELECT t.ocid, list_sort(list_distinct(list(t.bidder))) AS bidders
    FROM candidates AS t
    JOIN shared AS s ON s.ocid = t.ocid AND s.field = t.field AND s.value = t.value
    WHERE t.ocid IN (SELECT ocid FROM process)
    GROUP BY t.ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, array_length(bidders)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.bidders) AS t(id)
GROUP BY t.id
