WITH bidders AS (
    SELECT DISTINCT b.ocid, b.tenderer_ids[1] AS id
    FROM submitted_bid AS b WHERE len(b.tenderer_ids) = 1
),
winners AS (
    SELECT DISTINCT a.ocid, s.id FROM awards AS a, unnest(a.supplier_ids) AS s(id) WHERE a.status = 'active'
),
pairs AS (
    SELECT x.id AS a, y.id AS b, list(DISTINCT x.ocid ORDER BY x.ocid) AS ocids,
        count(DISTINCT x.ocid) AS together,
        count(DISTINCT x.ocid) FILTER (WHERE wa.id IS NOT NULL) AS a_won,
        count(DISTINCT x.ocid) FILTER (WHERE wb.id IS NOT NULL) AS b_won
    FROM bidders AS x
    JOIN bidders AS y ON y.ocid = x.ocid AND y.id <> x.id
    LEFT JOIN winners AS wa ON wa.ocid = x.ocid AND wa.id = x.id
    LEFT JOIN winners AS wb ON wb.ocid = x.ocid AND wb.id = y.id
    GROUP BY x.id, y.id
),
rotating AS (SELECT * FROM pairs WHERE together >= $min_tenders AND a_won > 0 AND b_won > 0)
SELECT 'Tenderer' AS group_name, a AS identifier, count(*)::DOUBLE AS value,
    list_sort(list_distinct(flatten(list(ocids)))) AS ocids
FROM rotating GROUP BY a
