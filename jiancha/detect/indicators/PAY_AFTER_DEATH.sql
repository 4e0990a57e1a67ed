-- Payments (Benefit: pensions and social assistance; Payroll: public salaries) whose period — the
-- month paid for — is later than the month of death (plus a grace period). A funeral grant paid
-- for the month of death is therefore not counted. Duplicate feed rows are counted once.
WITH deaths AS (
    SELECT idNumber, arg_min(d, d.deathDate) AS d
    FROM "Death" AS d
    WHERE idNumber IS NOT NULL AND deathDate IS NOT NULL
    GROUP BY idNumber
),
paid AS (
    SELECT 'Benefit' AS tbl, recipient AS person, recipientName AS name, scheme, period, date,
        amount::DOUBLE AS amount, NULL::VARCHAR AS employer, NULL::VARCHAR AS employerName,
        _feed, _batch, _file, _row
    FROM "Benefit"
    WHERE regexp_full_match(period, '[0-9]{4}-[0-9]{2}')
    UNION ALL
    SELECT 'Payroll', employee, name, '工资', period, date, amount::DOUBLE, employer, employerName,
        _feed, _batch, _file, _row
    FROM "Payroll"
    WHERE regexp_full_match(period, '[0-9]{4}-[0-9]{2}')
),
late AS (
    SELECT p.*, x.d.deathDate AS deathDate, x.d AS death
    FROM paid AS p JOIN deaths AS x ON x.idNumber = p.person
    WHERE strptime(p.period || '-01', '%Y-%m-%d')::DATE
            >= date_trunc('month', x.d.deathDate) + to_months(1 + $grace_months)
        AND NOT list_contains($exempt_schemes, p.scheme)
    QUALIFY row_number() OVER (
        PARTITION BY p.tbl, p.person, p.scheme, p.period, p.amount, p.employer ORDER BY p._batch, p._row
    ) = 1
),
people AS (
    SELECT idNumber, any_value(divisionCode) AS divisionCode FROM "Person" GROUP BY idNumber
)
SELECT
    'Person' AS group_name,
    l.person AS identifier,
    round(sum(l.amount), 2) AS value,
    []::VARCHAR[] AS ocids,
    to_json(list_concat(
        [to_json({'table': 'Death', 'fields': {'name': any_value(l.death).name, 'deathDate': any_value(l.deathDate)::VARCHAR,
                                       'registrationDate': any_value(l.death).registrationDate::VARCHAR,
                                       'authority': any_value(l.death).authority},
          'provenance': {'feed': any_value(l.death)._feed, 'batch': any_value(l.death)._batch,
                         'file': any_value(l.death)._file, 'row': any_value(l.death)._row}})],
        list(to_json({'table': l.tbl, 'fields': {'scheme': l.scheme, 'period': l.period, 'date': l.date::VARCHAR,
                                          'amount': l.amount, 'employer': l.employerName},
              'provenance': {'feed': l._feed, 'batch': l._batch, 'file': l._file, 'row': l._row}})
             ORDER BY l.period, l.tbl, l._row)
    )) AS evidence,
    to_json([{'key': l.person, 'name': any_value(l.death).name, 'role': 'deceased'}]) AS entities,
    any_value(l.employer) AS unit,
    any_value(pp.divisionCode) AS division,
    to_json({'name': coalesce(any_value(l.death).name, any_value(l.name)),
             'death_date': any_value(l.deathDate)::VARCHAR,
             'months': count(DISTINCT l.period),
             'first_period': min(l.period), 'last_period': max(l.period),
             'schemes': string_agg(DISTINCT l.scheme, '、' ORDER BY l.scheme),
             'amount': round(sum(l.amount), 2)}) AS details
FROM late AS l LEFT JOIN people AS pp ON pp.idNumber = l.person
GROUP BY l.person
ORDER BY l.person
