-- 低保 recipients whose own registered property, post or kin rules them out (DOMAIN.md §6).
-- Each reason carries the registry rows that show it; the alert also cites the recipient's roll row.
-- A cadre's relative whose application was registered separately (单独登记备案) is not flagged for it.
WITH recipients AS (
    SELECT recipient, any_value(recipientName) AS name,
        arg_max({'scheme': scheme, 'period': period, 'date': date::VARCHAR, 'amount': amount::DOUBLE,
                 'status': status, 'feed': _feed, 'batch': _batch, 'file': _file, 'row': _row},
                (period = 'monthly', _batch, _row)) AS roll,
        -- The separate registration (单独登记备案) of a committee member's relative, from the roll.
        max(kinFilingDate) AS kin_filed
    FROM "Benefit"
    WHERE recipient IS NOT NULL AND list_contains($schemes, scheme)
    GROUP BY recipient
),
people AS (
    SELECT idNumber, any_value(householdId) AS householdId, any_value(divisionCode) AS divisionCode
    FROM "Person" GROUP BY idNumber
),
spouses AS (
    SELECT DISTINCT person AS a, relative AS b, _feed, _batch, _file, _row
    FROM "Family" WHERE relationship = 'spouse' AND relative IS NOT NULL
),
parents AS (
    SELECT DISTINCT person AS child, relative AS parent, _feed, _batch, _file, _row
    FROM "Family" WHERE relationship IN ('father', 'mother') AND relative IS NOT NULL
),
-- Whose property counts as the recipient's.
members AS (
    SELECT recipient, recipient AS member, '本人' AS relation_zh, 'recipient' AS relation_en FROM recipients
    UNION
    SELECT r.recipient, s.b, '配偶', 'spouse'
    FROM recipients AS r JOIN spouses AS s ON s.a = r.recipient
    WHERE $household_scope IN ('spouse', 'household')
    UNION
    SELECT r.recipient, o.idNumber, '同户人员', 'household member'
    FROM recipients AS r JOIN people AS me ON me.idNumber = r.recipient
    JOIN people AS o ON o.householdId = me.householdId AND o.idNumber <> r.recipient
    WHERE $household_scope = 'household'
),
cars AS (
    SELECT m.recipient, 'car' AS kind,
        m.relation_zh || '名下有机动车' || coalesce(v.registrationNumber, '') || '（' || coalesce(v.model, v.type, '') || '）' AS zh,
        'the ' || m.relation_en || ' owns vehicle ' || coalesce(v.registrationNumber, '') || ' (' || coalesce(v.model, v.type, '') || ')' AS en,
        [to_json({'table': 'Vehicle', 'fields': {'registrationNumber': v.registrationNumber, 'ownerName': v.ownerName,
                  'model': v.model, 'type': v.type, 'status': v.status, 'registrationDate': v.registrationDate::VARCHAR},
                  'provenance': {'feed': v._feed, 'batch': v._batch, 'file': v._file, 'row': v._row}})] AS rows,
        []::JSON[] AS parties
    FROM members AS m JOIN "Vehicle" AS v ON v.owner = m.member
    WHERE NOT list_contains($inactive_vehicle_statuses, coalesce(v.status, ''))
        AND NOT list_contains($exempt_vehicle_types, coalesce(v.type, ''))
),
homes AS (
    SELECT m.recipient, 'homes' AS kind,
        '名下有' || count(DISTINCT e.certificateNumber) || '套现势住房（限' || $max_homes || '套），合计'
            || round(sum(e.area), 2) || '平方米' AS zh,
        'the household holds ' || count(DISTINCT e.certificateNumber) || ' current homes (limit '
            || $max_homes || '), ' || round(sum(e.area), 2) || ' m² in all' AS en,
        list(to_json({'table': 'RealEstate', 'fields': {'certificateNumber': e.certificateNumber, 'ownerName': e.ownerName,
                       'address': e.address, 'use': e.use, 'area': e.area, 'registrationDate': e.registrationDate::VARCHAR},
                       'provenance': {'feed': e._feed, 'batch': e._batch, 'file': e._file, 'row': e._row}})
             ORDER BY e.registrationDate) AS rows,
        []::JSON[] AS parties
    FROM members AS m JOIN (
        SELECT owner AS holder, * FROM "RealEstate" UNION ALL BY NAME
        SELECT coOwner AS holder, * FROM "RealEstate" WHERE coOwner IS NOT NULL AND coOwner <> owner
    ) AS e ON e.holder = m.member
    WHERE e.cancelledDate IS NULL AND list_contains($home_uses, e.use)
    GROUP BY m.recipient
    HAVING count(DISTINCT e.certificateNumber) > $max_homes
),
companies AS (
    SELECT m.recipient, 'company' AS kind,
        m.relation_zh || '是' || c.name || '的法定代表人' AS zh,
        'the ' || m.relation_en || ' is legal representative of ' || c.name AS en,
        [to_json({'table': 'Company', 'fields': {'uscCode': c.uscCode, 'name': c.name, 'legalRepresentativeName': c.legalRepresentativeName,
                  'status': c.status, 'incorporationDate': c.incorporationDate::VARCHAR},
                  'provenance': {'feed': c._feed, 'batch': c._batch, 'file': c._file, 'row': c._row}})] AS rows,
        [to_json({'key': c.uscCode, 'name': c.name, 'role': 'company'})] AS parties
    FROM members AS m JOIN "Company" AS c ON c.legalRepresentative = m.member
    WHERE NOT list_contains($closed_company_statuses, coalesce(c.status, ''))
    UNION ALL
    SELECT m.recipient, 'company',
        m.relation_zh || '持有' || coalesce(o.assetName, c.name, o.asset) || '股份' || coalesce(' ' || o.percentage || '%', ''),
        'the ' || m.relation_en || ' holds shares in ' || coalesce(o.assetName, c.name, o.asset) || coalesce(' (' || o.percentage || '%)', ''),
        [to_json({'table': 'Ownership', 'fields': {'asset': o.asset, 'assetName': o.assetName, 'ownerName': o.ownerName,
                  'percentage': o.percentage, 'startDate': o.startDate::VARCHAR},
                  'provenance': {'feed': o._feed, 'batch': o._batch, 'file': o._file, 'row': o._row}})],
        [to_json({'key': o.asset, 'name': coalesce(o.assetName, c.name), 'role': 'company'})]
    FROM members AS m JOIN "Ownership" AS o ON o.owner = m.member
    LEFT JOIN "Company" AS c ON c.uscCode = o.asset
    WHERE NOT list_contains($closed_company_statuses, coalesce(c.status, ''))
        AND NOT EXISTS (SELECT 1 FROM "Company" AS c2 WHERE c2.uscCode = o.asset AND c2.legalRepresentative = m.member)
),
posts AS (
    SELECT employee, employer, employerName, role, art15Category, isLeader, _feed, _batch, _file, _row
    FROM "Employment"
    WHERE endDate IS NULL OR endDate >= current_date
),
officials AS (
    SELECT r.recipient, 'official' AS kind,
        '本人在' || p.employerName || '任' || p.role AS zh,
        'holds the post of ' || p.role || ' at ' || p.employerName AS en,
        [to_json({'table': 'Employment', 'fields': {'employerName': p.employerName, 'role': p.role, 'art15Category': p.art15Category},
                  'provenance': {'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}})] AS rows,
        [to_json({'key': p.employer, 'name': p.employerName, 'role': 'employer'})] AS parties
    FROM recipients AS r JOIN posts AS p ON p.employee = r.recipient
    WHERE list_contains($official_categories, p.art15Category)
),
cadres AS (
    SELECT * FROM posts
    WHERE list_contains($cadre_categories, art15Category) AND (isLeader OR NOT $cadre_leaders_only)
),
-- The recipient's kin, with the family-register rows that link them (in-laws both ways: the
-- spouse's parents and siblings, the children's and siblings' spouses).
sibs AS (
    SELECT DISTINCT x.child AS a, y.child AS b,
        [{'feed': x._feed, 'batch': x._batch, 'file': x._file, 'row': x._row},
         {'feed': y._feed, 'batch': y._batch, 'file': y._file, 'row': y._row}] AS prov
    FROM parents AS x JOIN parents AS y ON y.parent = x.parent AND y.child <> x.child
    WHERE x.child IN (SELECT recipient FROM recipients)
       OR x.child IN (SELECT b FROM spouses WHERE a IN (SELECT recipient FROM recipients))
),
kin AS (
    SELECT s.a, s.b, 'spouse' AS rel, '配偶' AS rel_zh,
        [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}] AS prov
    FROM spouses AS s WHERE s.a IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT p.child, p.parent, 'parent', '父母', [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM parents AS p WHERE p.child IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT p.parent, p.child, 'child', '子女', [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM parents AS p WHERE p.parent IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT a, b, 'sibling', '兄弟姐妹', prov FROM sibs WHERE a IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT s.a, p.parent, 'in_law', '配偶的父母',
        [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row},
         {'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row}]
    FROM spouses AS s JOIN parents AS p ON p.child = s.b WHERE s.a IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT s.a, x.b, 'in_law', '配偶的兄弟姐妹',
        list_concat([{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}], x.prov)
    FROM spouses AS s JOIN sibs AS x ON x.a = s.b WHERE s.a IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT p.parent, s.b, 'in_law', '子女的配偶',
        [{'feed': p._feed, 'batch': p._batch, 'file': p._file, 'row': p._row},
         {'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}]
    FROM parents AS p JOIN spouses AS s ON s.a = p.child WHERE p.parent IN (SELECT recipient FROM recipients)
    UNION ALL
    SELECT x.a, s.b, 'in_law', '兄弟姐妹的配偶',
        list_concat(x.prov, [{'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}])
    FROM sibs AS x JOIN spouses AS s ON s.a = x.b WHERE x.a IN (SELECT recipient FROM recipients)
),
relatives AS (
    SELECT r.recipient, 'relative' AS kind,
        '其' || any_value(k.rel_zh) || '任' || any_value(c.employerName) || any_value(c.role) AS zh,
        'a relative (' || replace(any_value(k.rel), '_', '-') || ') is ' || any_value(c.role) || ' at ' || any_value(c.employerName) AS en,
        list_concat(
            [to_json({'table': 'Employment', 'fields': {'employerName': any_value(c.employerName), 'role': any_value(c.role),
                      'art15Category': any_value(c.art15Category)},
                      'provenance': {'feed': any_value(c._feed), 'batch': any_value(c._batch), 'file': any_value(c._file),
                                     'row': any_value(c._row)}})],
            list(DISTINCT to_json({'table': 'Family', 'fields': {'relation': k.rel}, 'provenance': pr}))
        ) AS rows,
        [to_json({'key': k.b, 'name': any_value(pn.name), 'role': 'cadre'})] AS parties
    FROM recipients AS r
    JOIN kin AS k ON k.a = r.recipient AND k.b <> r.recipient AND list_contains($cadre_relations, k.rel)
    JOIN cadres AS c ON c.employee = k.b
    LEFT JOIN (SELECT idNumber, any_value(name) AS name FROM "Person" GROUP BY idNumber) AS pn ON pn.idNumber = k.b,
    unnest(k.prov) AS u(pr)
    -- A relative's application registered separately is lawful (unless filings are ignored).
    WHERE r.kin_filed IS NULL OR $ignore_kin_filings
    GROUP BY r.recipient, k.b
),
reasons AS (
    SELECT * FROM cars UNION ALL SELECT * FROM homes UNION ALL SELECT * FROM companies
    UNION ALL SELECT * FROM officials UNION ALL SELECT * FROM relatives
)
SELECT
    'Person' AS group_name,
    r.recipient AS identifier,
    count(DISTINCT x.kind)::DOUBLE AS value,
    []::VARCHAR[] AS ocids,
    to_json(list_concat(
        [to_json({'table': 'Benefit', 'fields': {'scheme': r.roll.scheme, 'period': r.roll.period, 'date': r.roll.date,
                  'amount': r.roll.amount, 'status': r.roll.status, 'kinFilingDate': r.kin_filed::VARCHAR},
                  'provenance': {'feed': r.roll.feed, 'batch': r.roll.batch, 'file': r.roll.file, 'row': r.roll.row}})],
        flatten(list(x.rows ORDER BY x.kind, x.zh)))) AS evidence,
    to_json(list_concat([to_json({'key': r.recipient, 'name': r.name, 'role': 'recipient'})],
        flatten(list(x.parties ORDER BY x.kind, x.zh)))) AS entities,
    NULL AS unit,
    any_value(pp.divisionCode) AS division,
    to_json({'name': r.name, 'reasons': list(DISTINCT x.kind ORDER BY x.kind),
             'reasons_zh': string_agg(x.zh, '；' ORDER BY x.kind, x.zh),
             'reasons_en': string_agg(x.en, chr(59) || ' ' ORDER BY x.kind, x.zh)}) AS details
FROM recipients AS r JOIN reasons AS x ON x.recipient = r.recipient
LEFT JOIN people AS pp ON pp.idNumber = r.recipient
GROUP BY r.recipient, r.name, r.roll, r.kin_filed
ORDER BY r.recipient
