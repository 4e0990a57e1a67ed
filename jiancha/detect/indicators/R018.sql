SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids
FROM process
WHERE number_of_tenderers = 1
    AND (array_length($procurement_methods) = 0 OR coalesce(list_contains($procurement_methods, procurement_method), false))
GROUP BY ocid
