-- Registry items of the declarant's family on the cut-off date with no matching report item.
WITH reports AS (
    SELECT declarant, year, any_value(name) AS name, any_value(employerName) AS employerName,
        any_value(role) AS role, make_date(year::INTEGER, 12, 31) AS cutoff
    FROM "Declaration" WHERE declarant IS NOT NULL AND year IS NOT NULL
    GROUP BY declarant, year
    -- Each declarant's latest report: one finding per person.
    QUALIFY year = max(year) OVER (PARTITION BY declarant)
),
deaths AS (SELECT idNumber, min(deathDate) AS deathDate FROM "Death" GROUP BY idNumber),
households AS (SELECT idNumber, any_value(householdId) AS householdId, any_value(name) AS name FROM "Person" GROUP BY idNumber),
family AS (
    SELECT declarant, year, cutoff, declarant AS member, 'self' AS relation, '本人' AS relation_zh,
        'the declarant' AS relation_en, NULL::JSON AS link FROM reports
    UNION ALL
    SELECT r.declarant, r.year, r.cutoff, f.relative, 'spouse', '配偶', 'the spouse',
        to_json({'table': 'Family', 'fields': {'relationship': f.relationship},
                 'provenance': {'feed': f._feed, 'batch': f._batch, 'file': f._file, 'row': f._row}})
    FROM reports AS r JOIN "Family" AS f ON f.person = r.declarant AND f.relationship = 'spouse'
    UNION ALL
    -- A child living with the declarant (共同生活的子女) is one of the same registered household.
    SELECT r.declarant, r.year, r.cutoff, f.person,
        CASE WHEN hc.householdId = hd.householdId THEN 'child_at_home' ELSE 'child' END, '子女', 'a child',
        to_json({'table': 'Family', 'fields': {'relationship': f.relationship},
                 'provenance': {'feed': f._feed, 'batch': f._batch, 'file': f._file, 'row': f._row}})
    FROM reports AS r JOIN "Family" AS f ON f.relative = r.declarant AND f.relationship IN ('father', 'mother')
    LEFT JOIN households AS hd ON hd.idNumber = r.declarant
    LEFT JOIN households AS hc ON hc.idNumber = f.person
    UNION ALL
    SELECT r.declarant, r.year, r.cutoff, s.relative, 'child_spouse', '子女的配偶', 'a child''s spouse',
        to_json({'table': 'Family', 'fields': {'relationship': 'spouse'},
                 'provenance': {'feed': s._feed, 'batch': s._batch, 'file': s._file, 'row': s._row}})
    FROM reports AS r JOIN "Family" AS f ON f.relative = r.declarant AND f.relationship IN ('father', 'mother')
    JOIN "Family" AS s ON s.person = f.person AND s.relationship = 'spouse'
),
members AS (
    SELECT declarant, year, cutoff, member, (SELECT h.name FROM households AS h WHERE h.idNumber = f.member) AS member_name,
        min(relation) AS relation, any_value(relation_zh) AS relation_zh,
        any_value(relation_en) AS relation_en, any_value(link) AS link
    FROM family AS f
    WHERE member IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM deaths AS x WHERE x.idNumber = f.member AND x.deathDate <= f.cutoff)
    GROUP BY ALL
),
declared AS (
    SELECT declarant, year, itemType, replace(details, ' ', '') AS details, relative, area, amount,
        _feed, _batch, _file, _row
    FROM "Declaration"
),
holdings AS (
    SELECT owner AS holder, * FROM "RealEstate" WHERE owner IS NOT NULL
    UNION ALL BY NAME
    SELECT coOwner AS holder, * FROM "RealEstate" WHERE coOwner IS NOT NULL AND coOwner <> coalesce(owner, '')
),
homes AS (
    SELECT m.declarant, m.year, e.certificateNumber AS item,
        any_value(m.relation_zh) || '名下房产' || any_value(e.address) || '（' || any_value(e.area) || '平方米，' || any_value(e.registrationDate) || '登记）' AS zh,
        'a home of ' || any_value(m.relation_en) || ' at ' || any_value(e.address) || ' (' || any_value(e.area) || ' m², registered ' || any_value(e.registrationDate) || ')' AS en,
        list_concat(
            [to_json({'table': 'RealEstate', 'fields': {'certificateNumber': any_value(e.certificateNumber), 'ownerName': any_value(e.ownerName),
                      'address': any_value(e.address), 'use': any_value(e.use), 'area': any_value(e.area),
                      'registrationDate': any_value(e.registrationDate)::VARCHAR},
                      'provenance': {'feed': any_value(e._feed), 'batch': any_value(e._batch), 'file': any_value(e._file), 'row': any_value(e._row)}})],
            list(DISTINCT m.link) FILTER (WHERE m.link IS NOT NULL)) AS rows,
        list(DISTINCT to_json({'key': m.member, 'name': m.member_name, 'role': 'relative'})) FILTER (WHERE m.member <> m.declarant) AS parties
    FROM members AS m JOIN holdings AS e ON e.holder = m.member
    WHERE list_contains($home_relations, m.relation) AND list_contains($home_uses, e.use)
        AND e.registrationDate <= m.cutoff AND (e.cancelledDate IS NULL OR e.cancelledDate > m.cutoff)
        AND NOT EXISTS (
            SELECT 1 FROM declared AS d
            WHERE d.declarant = m.declarant AND d.year = m.year AND d.itemType = '房产'
                AND jaro_winkler_similarity(d.details, replace(e.address, ' ', '')) >= $match_similarity
        )
    GROUP BY m.declarant, m.year, e.certificateNumber
),
stakes AS (
    SELECT m.*, o.asset AS uscc, coalesce(c.name, o.assetName) AS company, '持股' AS how_zh, 'shares in' AS how_en,
        to_json({'table': 'Ownership', 'fields': {'asset': o.asset, 'assetName': o.assetName, 'ownerName': o.ownerName,
                 'percentage': o.percentage, 'sharesValue': o.sharesValue, 'startDate': o.startDate::VARCHAR},
                 'provenance': {'feed': o._feed, 'batch': o._batch, 'file': o._file, 'row': o._row}}) AS row,
        c.status, c.incorporationDate
    FROM members AS m JOIN "Ownership" AS o ON o.owner = m.member
    LEFT JOIN "Company" AS c ON c.uscCode = o.asset
    WHERE list_contains($business_relations, replace(m.relation, 'child_at_home', 'child'))
        AND coalesce(o.startDate, DATE '1900-01-01') <= m.cutoff
    UNION ALL
    SELECT m.*, c.uscCode, c.name, '任法定代表人', 'legal representative of',
        to_json({'table': 'Company', 'fields': {'uscCode': c.uscCode, 'name': c.name, 'legalRepresentativeName': c.legalRepresentativeName,
                 'status': c.status, 'incorporationDate': c.incorporationDate::VARCHAR},
                 'provenance': {'feed': c._feed, 'batch': c._batch, 'file': c._file, 'row': c._row}}),
        c.status, c.incorporationDate
    FROM members AS m JOIN "Company" AS c ON c.legalRepresentative = m.member
    WHERE list_contains($business_relations, replace(m.relation, 'child_at_home', 'child'))
),
companies AS (
    SELECT declarant, year, uscc AS item,
        any_value(relation_zh) || string_agg(DISTINCT how_zh, '、') || any_value(company) AS zh,
        any_value(relation_en) || ': ' || string_agg(DISTINCT how_en, ', ') || ' ' || any_value(company) AS en,
        list_concat(list(DISTINCT row), list(DISTINCT link) FILTER (WHERE link IS NOT NULL)) AS rows,
        list_concat([to_json({'key': uscc, 'name': any_value(company), 'role': 'company'})],
            list(DISTINCT to_json({'key': member, 'name': member_name, 'role': 'relative'})) FILTER (WHERE member <> declarant)) AS parties
    FROM stakes AS s
    WHERE uscc IS NOT NULL
        AND NOT list_contains($closed_company_statuses, coalesce(status, ''))
        AND coalesce(incorporationDate, DATE '1900-01-01') <= cutoff
        AND NOT EXISTS (
            SELECT 1 FROM declared AS d
            WHERE d.declarant = s.declarant AND d.year = s.year AND d.itemType LIKE '%企业%'
                AND jaro_winkler_similarity(d.details, replace(s.company, ' ', '')) >= $match_similarity
        )
    GROUP BY declarant, year, uscc
),
missing AS (SELECT * FROM homes UNION ALL SELECT * FROM companies),
posts AS (
    SELECT employee, min(employer) AS employer FROM "Employment"
    WHERE employer IS NOT NULL AND (endDate IS NULL OR endDate >= current_date)
    GROUP BY employee
)
SELECT
    'Person' AS group_name,
    r.declarant AS identifier,
    count(*)::DOUBLE AS value,
    []::VARCHAR[] AS ocids,
    to_json(flatten(list(x.rows ORDER BY x.item))) AS evidence,
    to_json(list_concat([to_json({'key': r.declarant, 'name': r.name, 'role': 'declarant'})],
        flatten(list(coalesce(x.parties, []) ORDER BY x.item)))) AS entities,
    any_value(p.employer) AS unit,
    NULL AS division,
    to_json({'name': r.name, 'year': r.year, 'employer': r.employerName, 'role': r.role, 'items': count(*),
             'items_zh': string_agg(x.zh, '；' ORDER BY x.item),
             'items_en': string_agg(x.en, chr(59) || ' ' ORDER BY x.item)}) AS details
FROM reports AS r JOIN missing AS x ON x.declarant = r.declarant AND x.year = r.year
LEFT JOIN posts AS p ON p.employee = r.declarant
GROUP BY r.declarant, r.year, r.name, r.employerName, r.role
ORDER BY r.declarant, r.year
