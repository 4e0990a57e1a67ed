-- 超标准接待: meal invoices of official receptions above the per-head standard, at luxury venues,
-- or split into several invoices of one unit at one venue on one day. A re-sent record (same claim,
-- same invoice) is one invoice.
WITH invoice AS (
    SELECT DISTINCT ON (claimId, coalesce(invoiceNumber, ''))
        claimId, invoiceNumber, unit, unitName, claimantName, date, venue, amount::DOUBLE AS amount,
        diners, guests, letterNumber, _feed, _batch, _file, _row
    FROM "MealReimbursement"
    WHERE unit IS NOT NULL AND date IS NOT NULL AND amount > 0
    ORDER BY claimId, coalesce(invoiceNumber, ''), _batch, _row
),
-- Invoices of one unit at one venue on one day for the same guests (接待对象) are one meal:
-- splitting it hides its cost per head. Other guests the same day are another reception.
meal AS (
    SELECT
        unit, date, venue, guests,
        list(claimId ORDER BY claimId) AS claims,
        count(*) AS invoices,
        sum(amount) AS amount,
        max(diners) AS diners,
        coalesce(list_bool_or(list_transform($luxury_venues, lambda w: contains(venue, w))), false) AS luxury
    FROM invoice
    GROUP BY ALL
),
flagged AS (
    SELECT
        *,
        CASE WHEN diners > 0 THEN amount / diners END AS per_head,
        diners > 0 AND amount / diners > $standard_per_head AS over_standard,
        invoices > 1 AND diners > 0 AND amount / diners > $standard_per_head AS split
    FROM meal
),
bad AS (
    SELECT * FROM flagged WHERE over_standard OR luxury
),
per_unit AS (
    SELECT
        unit,
        count(*) AS meals,
        sum(amount) AS amount,
        max(per_head) AS worst_per_head,
        count(*) FILTER (WHERE over_standard AND NOT split) AS over_meals,
        count(*) FILTER (WHERE luxury) AS luxury_meals,
        count(*) FILTER (WHERE split) AS split_meals,
        flatten(list(claims)) AS claims,
        list(DISTINCT venue ORDER BY venue) FILTER (WHERE luxury) AS luxury_venues
    FROM bad GROUP BY unit
),
evidence AS (
    SELECT u.unit, i.date, i.claimId, to_json({
        'table': 'MealReimbursement',
        'fields': {claimId: i.claimId, unitName: i.unitName, claimantName: i.claimantName,
                   invoiceNumber: i.invoiceNumber, date: i.date, venue: i.venue, amount: i.amount,
                   diners: i.diners, guests: i.guests, letterNumber: i.letterNumber},
        'provenance': {feed: i._feed, batch: i._batch, file: i._file, 'row': i._row}}) AS item
    FROM per_unit AS u JOIN invoice AS i ON i.unit = u.unit AND list_contains(u.claims, i.claimId)
)
SELECT
    'Unit' AS group_name,
    u.unit AS identifier,
    round(coalesce(u.worst_per_head, 0), 2) AS value,
    []::VARCHAR[] AS ocids,
    (SELECT to_json(list(e.item ORDER BY e.date, e.claimId)) FROM evidence AS e WHERE e.unit = u.unit) AS evidence,
    to_json([{'key': u.unit, 'name': coalesce(n.unitName, ''), 'role': 'host'}]) AS entities,
    u.unit AS unit,
    to_json({
        unit_name: coalesce(n.unitName, ''),
        meals: u.meals,
        amount: round(u.amount, 2),
        standard: $standard_per_head,
        worst_per_head: round(coalesce(u.worst_per_head, 0))::INTEGER,
        over_meals: u.over_meals,
        luxury_meals: u.luxury_meals,
        split_meals: u.split_meals,
        luxury_venues: coalesce(array_to_string(u.luxury_venues, '、'), '')
    }) AS details
FROM per_unit AS u
LEFT JOIN (SELECT unit, any_value(unitName) AS unitName FROM invoice GROUP BY unit) AS n USING (unit)
ORDER BY u.unit
