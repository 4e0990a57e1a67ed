WITH traits AS (
    SELECT b.tenderId AS ocid, b.bidder, t.field, trim(t.value) AS value
    FROM "Bid" AS b,
        unnest([
            {field: 'machineCode', value: b.machineCode},
            {field: 'macAddress', value: b.macAddress},
            {field: 'ipAddress', value: b.ipAddress},
            {field: 'author', value: b.author}
        ]) AS u(t)
    WHERE b.bidder IS NOT NULL AND nullif(trim(t.value), '') IS NOT NULL AND list_contains($fields, t.field)
        AND NOT (t.field = 'author' AND list_contains($ignored_authors, trim(t.value)))
),
shared AS (
    SELECT ocid, field, value, list(DISTINCT bidder ORDER BY bidder) AS bidders
    FROM traits GROUP BY ALL HAVING count(DISTINCT bidder) > 1
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
