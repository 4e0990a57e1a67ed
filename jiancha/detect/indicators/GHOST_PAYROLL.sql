-- The same ID paid by two or more employers (USCC, else unit name) for one month. The unit the
-- alert lands in is the roster employer; payments by units where the person has no post are the
-- suspect ones.
WITH pay AS (
    SELECT employee, name, employerName, coalesce(employer, employerName) AS payer, employer, period,
        date, amount::DOUBLE AS amount, _feed, _batch, _file, _row
    FROM "Payroll"
    WHERE employee IS NOT NULL AND period IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY employee, payer, period, amount ORDER BY _batch, _row) = 1
),
doubled AS (
    SELECT employee, period FROM pay GROUP BY ALL HAVING count(DISTINCT payer) >= $min_units
),
posts AS (
    SELECT e.employee, e.employer, e.employerName, e.role, e._feed, e._batch, e._file, e._row
    FROM "Employment" AS e JOIN (SELECT DISTINCT employee FROM doubled) AS d USING (employee)
),
rows AS (
    SELECT p.*, EXISTS (
            SELECT 1 FROM posts AS e WHERE e.employee = p.employee
                AND (e.employer = p.employer OR e.employerName = p.employerName)
        ) AS on_roster
    FROM pay AS p JOIN doubled AS d USING (employee, period)
),
per_person AS (
    SELECT employee,
        list(to_json({'table': 'Payroll', 'fields': {'employer': employerName, 'period': period,
                                                     'date': date::VARCHAR, 'amount': amount},
                      'provenance': {'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row}})
             ORDER BY period, payer) AS evidence,
        any_value(name) AS name,
        count(DISTINCT period) AS months, min(period) AS first_period, max(period) AS last_period,
        string_agg(DISTINCT employerName, '、' ORDER BY employerName) AS units,
        round(sum(amount) FILTER (WHERE NOT on_roster), 2) AS extra_amount,
        round(sum(amount), 2) AS amount,
        list(DISTINCT {'key': payer, 'name': employerName}) AS payers
    FROM rows GROUP BY employee
)
SELECT
    'Person' AS group_name,
    pp.employee AS identifier,
    coalesce(pp.extra_amount, pp.amount) AS value,
    []::VARCHAR[] AS ocids,
    to_json(list_concat(
        coalesce((SELECT list(to_json({'table': 'Employment', 'fields': {'employer': e.employerName, 'role': e.role},
                                       'provenance': {'feed': e._feed, 'batch': e._batch, 'file': e._file, 'row': e._row}})
                              ORDER BY e._batch, e._row)
                  FROM posts AS e WHERE e.employee = pp.employee), []),
        pp.evidence)) AS evidence,
    to_json(list_concat([{'key': pp.employee, 'name': pp.name, 'role': 'payee'}],
        [{'key': x.key, 'name': x.name, 'role': 'paying unit'} for x in pp.payers])) AS entities,
    coalesce((SELECT min(e.employer) FROM posts AS e WHERE e.employee = pp.employee),
             (SELECT min(x.key) FROM unnest(pp.payers) AS t(x))) AS unit,
    NULL AS division,
    to_json({'name': pp.name, 'months': pp.months, 'first_period': pp.first_period,
             'last_period': pp.last_period, 'units': pp.units,
             'roster_units': coalesce((SELECT string_agg(DISTINCT e.employerName, '、') FROM posts AS e
                                       WHERE e.employee = pp.employee), '—'),
             'extra_amount': coalesce(pp.extra_amount, 0)}) AS details
FROM per_person AS pp
ORDER BY pp.employee
