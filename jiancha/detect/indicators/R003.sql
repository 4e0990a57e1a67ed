-- Flag a process whose tender period, in whole days (truncated), is below its threshold.
SELECT 'OCID' AS group_name, ocid AS identifier, 1.0 AS value, [ocid] AS ocids
FROM process
WHERE period_start IS NOT NULL AND period_end IS NOT NULL
    AND (array_length($procurement_methods) = 0 OR coalesce(list_contains($procurement_methods, procurement_method), false))
    AND trunc((epoch(period_end) - epoch(period_start)) / 86400)
        < coalesce(
            TRY_CAST(json_extract_string($procurement_method_details, '$."' || procurement_method_details || '"') AS BIGINT),
            $threshold
        )
GROUP BY ocid
