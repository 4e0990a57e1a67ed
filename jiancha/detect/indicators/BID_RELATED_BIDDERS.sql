WITH bidders AS (
    -- not made distinct (a firm bidding twice in one process only repeats a pair, and pairs are)
    SELECT b.ocid, b.tenderer_ids[1] AS id FROM submitted_bid AS b WHERE array_length(b.tenderer_ids) = 1
),
traits AS (
    -- what ties a company to others: (kind, value). A holding is a trait too: the held company
    -- carries (holding, holder) and the holder carries (holding, itself), so that the pair is found
    -- by the same join on the trait as the others.
    SELECT asset AS id, 'shareholder' AS kind, coalesce(owner, ownerCompany) AS value
    FROM "Ownership" WHERE coalesce(owner, ownerCompany) IS NOT NULL
    UNION ALL
    SELECT uscCode, 'legal_representative', legalRepresentative FROM "Company" WHERE legalRepresentative IS NOT NULL
    UNION ALL
    SELECT uscCode, 'phone', nullif(trim(phone), '') FROM "Company" WHERE nullif(trim(phone), '') IS NOT NULL
    UNION ALL
    SELECT uscCode, 'address', nullif(trim(address), '') FROM "Company" WHERE nullif(trim(address), '') IS NOT NULL
    UNION ALL
    SELECT asset, 'holding', ownerCompany FROM "Ownership" WHERE ownerCompany IS NOT NULL
    UNION ALL
    SELECT DISTINCT ownerCompany, 'holding', ownerCompany FROM "Ownership" WHERE ownerCompany IS NOT NULL
),
-- Only the traits of companies that bid, of the kinds compared, and held by two rows (a cheap count
-- with no string aggregate) can link two bidders: the others are left out before the join.
bidder_ids AS (
    SELECT DISTINCT b.tenderer_ids[1] AS id FROM submitted_bid AS b WHERE array_length(b.tenderer_ids) = 1
),
compared AS (
    SELECT t.id, t.kind, t.value FROM traits AS t
    WHERE list_contains($links, t.kind) AND t.id IN (SELECT id FROM bidder_ids)
),
shared_traits AS (
    SELECT t.id, t.kind, t.value
    FROM compared AS t
    JOIN (SELECT kind, value FROM compared GROUP BY kind, value HAVING count(*) > 1) AS s
        ON s.kind = t.kind AND s.value = t.value
),
bidder_traits AS (
    SELECT b.ocid, b.id, t.kind, t.value
    FROM bidders AS b JOIN shared_traits AS t ON t.id = b.id
),
-- Pairs of bidders of one process that share a trait, found by joining on the trait within the
-- process (set work that stays linear in the bids); a holding links the holder and the held only.
pairs AS (
    SELECT DISTINCT x.ocid, x.id AS a, y.id AS b
    FROM bidder_traits AS x
    JOIN bidder_traits AS y ON y.ocid = x.ocid AND y.kind = x.kind AND y.value = x.value AND y.id > x.id
    WHERE x.kind <> 'holding' OR x.id = x.value OR y.id = x.value
),
flagged AS (
    SELECT ocid, list_sort(list_distinct(flatten(list([a, b])))) AS ids FROM pairs GROUP BY ocid
)
SELECT 'OCID' AS group_name, ocid AS identifier, array_length(ids)::DOUBLE AS value, [ocid] AS ocids FROM flagged
UNION ALL
SELECT 'Tenderer', t.id, 1.0, list(DISTINCT f.ocid)
FROM flagged AS f, unnest(f.ids) AS t(id)
GROUP BY t.id
