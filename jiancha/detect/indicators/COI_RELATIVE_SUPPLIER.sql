-- Officials whose own unit awarded contracts to a company tied to them or their kin by resident ID.
WITH posts AS (
    SELECT employee, employer, employerName, role, coalesce(isLeader, false) AS isLeader, startDate, endDate,
        _feed, _batch, _file, _row
    FROM "Employment"
    WHERE employee IS NOT NULL AND employer IS NOT NULL
),
wins AS (
    SELECT t.tenderId, t.buyer, t.title, a.supplier, a.supplierName, a.amount::DOUBLE AS amount,
        coalesce(a.date, t.publishDate) AS date
    FROM "Award" AS a JOIN "Tender" AS t ON t.tenderId = a.tenderId
    WHERE a.supplier IS NOT NULL AND t.buyer IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY a.tenderId, a.supplier ORDER BY a._batch DESC, a._row DESC) = 1
),
-- Officials of units that bought something: the only ones a finding can concern.
officials AS (
    SELECT DISTINCT p.employee FROM posts AS p WHERE p.employer IN (SELECT buyer FROM wins)
),
spouses AS (
    SELECT DISTINCT person AS a, relative AS b, _feed, _batch, _file, _row
    FROM "Family" WHERE relationship = 'spouse' AND relative IS NOT NULL
),
parents AS (
    SELECT DISTINCT person AS child, relative AS parent, _feed, _batch, _file, _row
    FROM "Family" WHERE relationship IN ('father', 'mother') AND relative IS NOT NULL
),
sibs AS (
    SELECT DISTINCT x.child AS a, y.child AS b,
        [{'feed': x._feed, 'batch': x._batch, 'file': x._file, 'row': x._row},
         {'feed': y._feed, 'batch': y._batch, 'file': y._file, 'row': y._row}] AS prov
    FROM parents AS x JOIN parents AS y ON y.parent = x.parent AND y.child <> x.child
    WHERE x.child IN (SELECT employee FROM officials)
       OR x.child IN (SELECT b FROM spouses WHERE a IN (SELECT employee FROM officials))
),
kin AS (
    SELECT employee AS a, employee AS b, 'self' AS rel, '本人' AS rel_zh, 'the official' AS rel_en,
        []::STRUCT(feed VARCHAR, batch BIGINT, file VARCHAR, "row" BIGINT)[] AS prov
    FROM officials
    UNION ALL
    SELECT s.a, s.b, 'spouse', '其配偶', 'the spouse', [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}]
    FROM spouses AS s WHERE s.a IN (SELECT employee FROM officials)
    UNION ALL
    SELECT p.child, p.parent, 'parent', '其父母', 'a parent', [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM parents AS p WHERE p.child IN (SELECT employee FROM officials)
    UNION ALL
    SELECT p.parent, p.child, 'child', '其子女', 'a child', [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM parents AS p WHERE p.parent IN (SELECT employee FROM officials)
    UNION ALL
    SELECT a, b, 'sibling', '其兄弟姐妹', 'a sibling', prov FROM sibs WHERE a IN (SELECT employee FROM officials)
    UNION ALL
    SELECT s.a, p.parent, 'in_law', '其配偶的父母', 'a parent-in-law',
        [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row},
         {'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM spouses AS s JOIN parents AS p ON p.child = s.b WHERE s.a IN (SELECT employee FROM officials)
    UNION ALL
    SELECT s.a, x.b, 'in_law', '其配偶的兄弟姐妹', 'a sibling of the spouse',
        list_concat([{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}], x.prov)
    FROM spouses AS s JOIN sibs AS x ON x.a = s.b WHERE s.a IN (SELECT employee FROM officials)
    UNION ALL
    SELECT p.parent, s.b, 'in_law', '其子女的配偶', 'a child''s spouse',
        [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row},
         {'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}]
    FROM parents AS p JOIN spouses AS s ON s.a = p.child WHERE p.parent IN (SELECT employee FROM officials)
    UNION ALL
    SELECT x.a, s.b, 'in_law', '其兄弟姐妹的配偶', 'a sibling''s spouse',
        list_concat(x.prov, [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}])
    FROM sibs AS x JOIN spouses AS s ON s.a = x.b WHERE x.a IN (SELECT employee FROM officials)
),
-- Ties of a person to a company, each with the registry row that shows it.
ties AS (
    SELECT owner AS person, asset AS company, 'shareholder' AS tie, '持股' AS tie_zh, 'holds shares in' AS tie_en,
        to_json({'table': 'Ownership', 'fields': {'asset': asset, 'assetName': assetName, 'ownerName': ownerName,
                 'percentage': percentage, 'startDate': startDate::VARCHAR},
                 'provenance': {'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row}}) AS row
    FROM "Ownership" WHERE owner IS NOT NULL AND asset IS NOT NULL
    UNION ALL
    SELECT legalRepresentative, uscCode, 'legal_representative', '任法定代表人', 'is legal representative of',
        to_json({'table': 'Company', 'fields': {'uscCode': uscCode, 'name': name, 'legalRepresentativeName': legalRepresentativeName,
                 'status': status, 'incorporationDate': incorporationDate::VARCHAR},
                 'provenance': {'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row}})
    FROM "Company" WHERE legalRepresentative IS NOT NULL
    UNION ALL
    SELECT director, organization, 'director', '任' || coalesce(role, '主要人员'), 'is ' || coalesce(role, 'an officer') || ' of',
        to_json({'table': 'Directorship', 'fields': {'organization': organization, 'organizationName': organizationName,
                 'directorName': directorName, 'role': role},
                 'provenance': {'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row}})
    FROM "Directorship" WHERE director IS NOT NULL
    UNION ALL
    SELECT person, employer AS company, 'employee' AS tie, '在该企业参保（受雇）' AS tie_zh,
        'is insured as an employee of' AS tie_en,
        to_json({'table': 'SocialInsurance', 'fields': {'employer': employer, 'employerName': employerName,
                 'name': name, 'period': period, 'scheme': scheme},
                 'provenance': {'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row}}) AS row
    FROM "SocialInsurance" WHERE person IS NOT NULL AND employer IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY person, employer ORDER BY period, _batch, _row) = 1
),
hits AS (
    SELECT p.employee, p.employer, p.employerName, p.role, k.b AS relative, k.rel, k.rel_zh, k.rel_en, k.prov,
        t.tie, t.tie_zh, t.tie_en, t.row AS tie_row, w.supplier, w.supplierName, w.tenderId, w.amount,
        to_json({'table': 'Employment', 'fields': {'employerName': p.employerName, 'role': p.role,
                 'startDate': p.startDate::VARCHAR, 'endDate': p.endDate::VARCHAR},
                 'provenance': {'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}}) AS post_row
    FROM posts AS p
    JOIN kin AS k ON k.a = p.employee AND list_contains($relations, k.rel)
        AND (k.rel = 'self' OR p.isLeader OR NOT $leaders_only)
    JOIN ties AS t ON t.person = k.b
        AND list_contains(CASE WHEN k.rel = 'self' THEN $ties ELSE $relative_ties END, t.tie)
    JOIN wins AS w ON w.buyer = p.employer AND w.supplier = t.company
    WHERE w.supplier <> p.employer
        AND (p.startDate IS NULL OR w.date IS NULL OR w.date >= p.startDate)
        AND (p.endDate IS NULL OR w.date IS NULL OR w.date <= p.endDate)
),
names AS (SELECT idNumber, any_value(name) AS name FROM "Person" GROUP BY idNumber),
links AS (
    -- One line per relative and company: how they are tied.
    SELECT employee, relative, supplier, any_value(supplierName) AS supplierName, any_value(rel) AS rel,
        any_value(rel_zh) AS rel_zh, any_value(rel_en) AS rel_en,
        string_agg(DISTINCT tie_zh, '、') AS ties_zh, string_agg(DISTINCT tie_en, ', ') AS ties_en,
        list(DISTINCT tie_row) AS tie_rows,
        list(DISTINCT to_json({'table': 'Family', 'fields': {'relation': rel}, 'provenance': pr})) FILTER (WHERE pr IS NOT NULL) AS family_rows
    FROM hits LEFT JOIN unnest(prov) AS u(pr) ON true
    GROUP BY employee, relative, supplier
)
SELECT
    'Person' AS group_name,
    h.employee AS identifier,
    round(sum(DISTINCT h.amount), 2) AS value,
    list(DISTINCT h.tenderId ORDER BY h.tenderId) AS ocids,
    to_json(list_concat(
        list(DISTINCT h.post_row),
        flatten((SELECT list(list_concat(coalesce(l.family_rows, []), l.tie_rows) ORDER BY l.relative, l.supplier)
                 FROM links AS l WHERE l.employee = h.employee)))) AS evidence,
    to_json(list_concat(
        [to_json({'key': h.employee, 'name': any_value(on_.name), 'role': 'official'})],
        (SELECT list(DISTINCT to_json({'key': l.relative, 'name': nr.name, 'role': 'relative'}))
         FROM links AS l LEFT JOIN names AS nr ON nr.idNumber = l.relative
         WHERE l.employee = h.employee AND l.relative <> h.employee),
        (SELECT list(DISTINCT to_json({'key': l.supplier, 'name': l.supplierName, 'role': 'supplier'}))
         FROM links AS l WHERE l.employee = h.employee))) AS entities,
    any_value(h.employer) AS unit,
    NULL AS division,
    to_json({'name': any_value(on_.name), 'unit_name': any_value(h.employerName), 'role': any_value(h.role),
             'contracts': count(DISTINCT h.tenderId), 'amount': round(sum(DISTINCT h.amount), 2),
             'ties_zh': (SELECT string_agg(l.rel_zh || coalesce(nr.name, '') || l.ties_zh || l.supplierName, '；' ORDER BY l.relative, l.supplier)
                         FROM links AS l LEFT JOIN names AS nr ON nr.idNumber = l.relative WHERE l.employee = h.employee),
             'ties_en': (SELECT string_agg(l.rel_en || ' ' || coalesce(nr.name, '') || ' ' || l.ties_en || ' ' || l.supplierName, chr(59) || ' ' ORDER BY l.relative, l.supplier)
                         FROM links AS l LEFT JOIN names AS nr ON nr.idNumber = l.relative WHERE l.employee = h.employee)}) AS details
FROM hits AS h LEFT JOIN names AS on_ ON on_.idNumber = h.employee
GROUP BY h.employee
ORDER BY h.employee
