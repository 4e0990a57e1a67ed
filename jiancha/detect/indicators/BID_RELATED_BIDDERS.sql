WITH bidders AS (
    SELECT DISTINCT b.ocid, b.tenderer_ids[1] AS id FROM submitted_bid AS b WHERE array_length(b.tenderer_ids) = 1
),
traits AS (
    -- what ties a company to others: (kind, value)
    SELECT asset AS id, 'shareholder' AS kind, coalesce(owner, ownerCompany) AS value
    FROM "Ownership" WHERE coalesce(owner, ownerCompany) IS NOT NULL
    UNION ALL
    SELECT uscCode, 'legal_representative', legalRepresentative FROM "Company" WHERE legalRepresentative IS NOT NULL
    UNION ALL
    SELECT uscCode, 'phone', nullif(trim(phone), '') FROM "Company" WHERE nullif(trim(phone), '') IS NOT NULL
    UNION ALL
    SELECT uscCode, 'address', nullif(trim(address), '') FROM "Company" WHERE nullif(trim(address), '') IS NOT NULL
),
-- Pairs of bidders of one process that share a trait, found by joining on the trait within the
-- process (set work that stays linear in the bids), or where one holds shares in the other.
-- Only a trait two companies have can link two bidders: the others are left out before the join.
shared_traits AS (
    SELECT t.id, t.kind, t.value
    FROM traits AS t
    JOIN (
        SELECT kind, value FROM traits WHERE list_contains($links, kind)
        GROUP BY kind, value HAVING min(id) <> max(id)
    ) AS s ON s.kind = t.kind AND s.value = t.value
),
bidder_traits AS (
    SELECT b.ocid, b.id, t.kind, t.value
    FROM bidders AS b JOIN shared_traits AS t ON t.id = b.id
),
pairs AS (
    SELECT x.ocid, x.id AS a, y.id AS b
    FROM bidder_traits AS x
    JOIN bidder_traits AS y ON y.ocid = x.ocid AND y.kind = x.kind AND y.value = x.value AND y.id > x.id
    UNION
    SELECT x.ocid, least(x.id, y.id), greatest(x.id, y.id)
    FROM bidders AS x
    JOIN "Ownership" AS o ON o.asset = x.id
    JOIN bidders AS y ON y.ocid = x.ocid AND y.id = o.ownerCompany AND y.id <> x.id
    WHERE list_contains($links, 'holding')
),
flagged AS (
    SELECT ocid, list_sort(list_distinct(flatten(list([a, b])))) AS ids FROM pairs GROUP BY ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, array_length(ids)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.ids) AS t(id)
GROUP BY t.id
