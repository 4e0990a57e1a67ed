-- Monthly payments (period YYYY-MM) of two schemes of one exclusive pair to one ID for one month.
-- Duplicate feed rows are counted once.
WITH pairs AS (
    SELECT p[1] AS a, p[2] AS b FROM (SELECT unnest($exclusive_pairs) AS p) WHERE len(p) = 2
),
paid AS (
    SELECT recipient, recipientName, scheme, period, date, amount::DOUBLE AS amount, _feed, _batch, _file, _row
    FROM "Benefit"
    WHERE recipient IS NOT NULL AND regexp_full_match(period, '[0-9]{4}-[0-9]{2}')
    QUALIFY row_number() OVER (PARTITION BY recipient, scheme, period, amount ORDER BY _batch, _row) = 1
),
both_paid AS (
    SELECT DISTINCT x.recipient, x.period, pr.a, pr.b
    FROM paid AS x JOIN pairs AS pr ON x.scheme = pr.a
    JOIN paid AS y ON y.recipient = x.recipient AND y.period = x.period AND y.scheme = pr.b
),
rows AS (
    SELECT DISTINCT p.*
    FROM paid AS p JOIN both_paid AS bp ON bp.recipient = p.recipient AND bp.period = p.period
        AND p.scheme IN (bp.a, bp.b)
),
people AS (
    SELECT idNumber, any_value(divisionCode) AS divisionCode FROM "Person" GROUP BY idNumber
)
SELECT
    'Person' AS group_name,
    r.recipient AS identifier,
    round(sum(r.amount), 2) AS value,
    []::VARCHAR[] AS ocids,
    to_json(list(to_json({'table': 'Benefit', 'fields': {'scheme': r.scheme, 'period': r.period,
                                                          'date': r.date::VARCHAR, 'amount': r.amount},
                          'provenance': {'feed': r._feed, 'batch': r._batch, 'file': r._file, 'row': r._row}})
                 ORDER BY r.period, r.scheme)) AS evidence,
    to_json([{'key': r.recipient, 'name': any_value(r.recipientName), 'role': 'recipient'}]) AS entities,
    NULL AS unit,
    any_value(pp.divisionCode) AS division,
    to_json({'name': any_value(r.recipientName), 'months': count(DISTINCT r.period),
             'first_period': min(r.period), 'last_period': max(r.period),
             'schemes': string_agg(DISTINCT r.scheme, '、' ORDER BY r.scheme),
             'amount': round(sum(r.amount), 2)}) AS details
FROM rows AS r LEFT JOIN people AS pp ON pp.idNumber = r.recipient
GROUP BY r.recipient
ORDER BY r.recipient
