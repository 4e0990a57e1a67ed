WITH large AS (
    SELECT a.supplier_ids[1] AS supplier_id, a.ocid, a.amount, coalesce(a.date, p.period_start)::DATE AS date
    FROM awards AS a JOIN process AS p ON p.line = a.line
    WHERE a.status = 'active' AND array_length(a.supplier_ids) = 1 AND a.amount >= $min_amount
),
-- The register and the tax rows of these suppliers only (not of every firm in the pool).
companies AS (
    SELECT uscCode, min(incorporationDate) AS born, max(employees) AS staff FROM "Company"
    WHERE uscCode IN (SELECT supplier_id FROM large)
    GROUP BY uscCode
),
young AS (
    SELECT l.*
    FROM large AS l JOIN companies AS c ON c.uscCode = l.supplier_id
    WHERE date_diff('day', c.born, l.date) < $max_age_days AND l.date >= c.born AND coalesce(c.staff, 0) <= $max_staff
),
tax AS (
    SELECT taxpayer, TRY_CAST(left(period, 4) AS INTEGER) AS year, sum(amount) AS paid FROM "TaxPayment"
    WHERE taxpayer IN (SELECT supplier_id FROM young)
    GROUP BY ALL
),
flagged AS (
    SELECT l.*, (SELECT coalesce(sum(t.paid), 0) FROM tax AS t
                 WHERE t.taxpayer = l.supplier_id AND t.year BETWEEN year(l.date) - 1 AND year(l.date)) AS paid
    FROM young AS l
)
SELECT 'Tenderer' AS group_name, supplier_id AS identifier, sum(amount) AS value, list(ocid) AS ocids
FROM flagged WHERE paid < $max_tax
GROUP BY supplier_id
