WITH large AS (
    SELECT a.supplier_ids[1] AS supplier_id, a.ocid, a.amount, coalesce(a.date, p.period_start)::DATE AS date
    FROM awards AS a JOIN process AS p ON p.line = a.line
    WHERE a.status = 'active' AND array_length(a.supplier_ids) = 1 AND a.amount >= $min_amount
),
companies AS (
    SELECT uscCode, min(incorporationDate) AS born, max(employees) AS staff FROM "Company" GROUP BY uscCode
),
tax AS (
    SELECT taxpayer, TRY_CAST(left(period, 4) AS INTEGER) AS year, sum(amount) AS paid FROM "TaxPayment" GROUP BY ALL
),
flagged AS (
    SELECT l.*, (SELECT coalesce(sum(t.paid), 0) FROM tax AS t
                 WHERE t.taxpayer = l.supplier_id AND t.year BETWEEN year(l.date) - 1 AND year(l.date)) AS paid
    FROM large AS l JOIN companies AS c ON c.uscCode = l.supplier_id
    WHERE date_diff('day', c.born, l.date) < $max_age_days AND l.date >= c.born AND coalesce(c.staff, 0) <= $max_staff
)
SELECT 'Tenderer' AS group_name, supplier_id AS identifier, sum(amount) AS value, list(ocid) AS ocids
FROM flagged WHERE paid < $max_tax
GROUP BY supplier_id
