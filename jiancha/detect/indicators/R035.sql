WITH candidates AS (
    -- processes with a disqualified bid: a cheap group on plain columns first, so that the lists of
    -- tenderers and suppliers are built only for these
    SELECT b.line FROM bids AS b JOIN final_awards AS f ON f.line = b.line
    WHERE b.tenderer_count IS NOT NULL AND b.status = 'disqualified'
    GROUP BY b.line
),
suppliers AS (
    SELECT a.line, list_sort(list_distinct(flatten(list(a.supplier_ids)))) AS ids
    FROM awards AS a JOIN candidates AS f ON f.line = a.line
    WHERE a.status = 'active' GROUP BY a.line
),
tenderers AS (
    SELECT
        b.line,
        any_value(b.ocid) AS ocid,
        list_sort(list_distinct(flatten(list(b.tenderer_ids) FILTER (WHERE b.status = 'valid')))) AS valid,
        list_distinct(flatten(list(b.tenderer_ids) FILTER (WHERE b.status = 'disqualified'))) AS disqualified
    FROM bids AS b JOIN candidates AS f ON f.line = b.line
    WHERE b.tenderer_count IS NOT NULL
    GROUP BY b.line
),
flagged AS (
    SELECT t.ocid, t.valid[1] AS winner, array_length(list_filter(t.disqualified, lambda x: NOT list_contains(t.valid, x))) AS others
    FROM tenderers AS t JOIN suppliers AS s ON s.line = t.line
    WHERE array_length(t.valid) = 1 AND t.valid = s.ids
)
SELECT 'OCID' AS group_name, ocid AS identifier, any_value(others)::DOUBLE AS value, [ocid] AS ocids
FROM flagged WHERE others >= greatest($threshold, 1) GROUP BY ocid
UNION ALL
SELECT 'Tenderer', winner, 0.0, list(DISTINCT ocid)
FROM flagged WHERE others >= greatest($threshold, 1) GROUP BY winner
