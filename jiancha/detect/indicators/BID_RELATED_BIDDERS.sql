WITH bidders AS (
    SELECT DISTINCT b.ocid, b.tenderer_ids[1] AS id FROM submitted_bid AS b WHERE len(b.tenderer_ids) = 1
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
pairs AS (
    SELECT x.ocid, x.id AS a, y.id AS b
    FROM bidders AS x
    JOIN bidders AS y ON y.ocid = x.ocid AND y.id > x.id
    WHERE EXISTS (
        SELECT 1 FROM traits AS tx JOIN traits AS ty ON ty.kind = tx.kind AND ty.value = tx.value
        WHERE tx.id = x.id AND ty.id = y.id AND list_contains($links, tx.kind)
    ) OR (list_contains($links, 'holding') AND EXISTS (
        SELECT 1 FROM "Ownership" AS o
        WHERE (o.asset = x.id AND o.ownerCompany = y.id) OR (o.asset = y.id AND o.ownerCompany = x.id)
    ))
),
flagged AS (
    SELECT ocid, list_sort(list_distinct(flatten(list([a, b])))) AS ids FROM pairs GROUP BY ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, len(ids)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid ORDER BY f.ocid)
FROM flagged AS f, unnest(f.ids) AS t(id)
GROUP BY t.id
