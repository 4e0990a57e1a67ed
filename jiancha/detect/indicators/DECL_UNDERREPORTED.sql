-- Registry items of the declarant's family on the cut-off date reported with less area or amount than
-- registered, or minor property (a parking space, a storeroom) left out (漏报, DOMAIN.md §4).
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
    SELECT m.declarant, m.year, m.relation, m.relation_zh, m.relation_en, m.member, m.member_name, m.link, e.*,
        x.area AS declared_area,
        to_json({'table': 'Declaration', 'fields': {'year': x.year, 'itemType': x.itemType, 'details': x.details,
                 'area': x.area},
                 'provenance': {'feed': x._feed, 'batch': x._batch, 'file': x._file, 'row': x._row}}) AS declared_row,
        jaro_winkler_similarity(x.details, replace(e.address, ' ', '')) AS sim
    FROM members AS m JOIN holdings AS e ON e.holder = m.member
    LEFT JOIN declared AS x ON x.declarant = m.declarant AND x.year = m.year AND x.itemType = '房产'
    WHERE list_contains($home_relations, m.relation)
        AND e.registrationDate <= m.cutoff AND (e.cancelledDate IS NULL OR e.cancelledDate > m.cutoff)
    QUALIFY row_number() OVER (
        PARTITION BY m.declarant, m.year, m.member, e.certificateNumber ORDER BY sim DESC NULLS LAST
    ) = 1
),
short_homes AS (
    SELECT declarant, year, certificateNumber AS item,
        any_value(address) || '登记' || any_value(area) || '平方米，报告' || any_value(declared_area) || '平方米' AS zh,
        any_value(address) || ': ' || any_value(area) || ' m² registered, ' || any_value(declared_area) || ' m² reported' AS en,
        round(any_value(area) - any_value(declared_area), 2) AS shortfall,
        list_concat(
            [to_json({'table': 'RealEstate', 'fields': {'certificateNumber': any_value(certificateNumber), 'ownerName': any_value(ownerName),
                      'address': any_value(address), 'use': any_value(use), 'area': any_value(area),
                      'registrationDate': any_value(registrationDate)::VARCHAR},
                      'provenance': {'feed': any_value(_feed), 'batch': any_value(_batch), 'file': any_value(_file), 'row': any_value(_row)}}),
             any_value(declared_row)],
            list(DISTINCT link) FILTER (WHERE link IS NOT NULL)) AS rows,
        list(DISTINCT to_json({'key': member, 'name': member_name, 'role': 'relative'})) FILTER (WHERE member <> declarant) AS parties
    FROM homes
    WHERE sim >= $match_similarity AND declared_area IS NOT NULL AND area IS NOT NULL
        AND declared_area < area - $area_tolerance
    GROUP BY declarant, year, certificateNumber
),
missing_minor AS (
    SELECT declarant, year, certificateNumber AS item,
        any_value(relation_zh) || '名下' || any_value(use) || any_value(address) || '（' || any_value(area) || '平方米）未报告' AS zh,
        any_value(use) || ' of ' || any_value(relation_en) || ' at ' || any_value(address) || ' (' || any_value(area) || ' m²) not reported' AS en,
        NULL::DOUBLE AS shortfall,
        list_concat(
            [to_json({'table': 'RealEstate', 'fields': {'certificateNumber': any_value(certificateNumber), 'ownerName': any_value(ownerName),
                      'address': any_value(address), 'use': any_value(use), 'area': any_value(area),
                      'registrationDate': any_value(registrationDate)::VARCHAR},
                      'provenance': {'feed': any_value(_feed), 'batch': any_value(_batch), 'file': any_value(_file), 'row': any_value(_row)}})],
            list(DISTINCT link) FILTER (WHERE link IS NOT NULL)) AS rows,
        list(DISTINCT to_json({'key': member, 'name': member_name, 'role': 'relative'})) FILTER (WHERE member <> declarant) AS parties
    FROM homes
    WHERE list_contains($minor_uses, use) AND coalesce(sim, 0) < $match_similarity
    GROUP BY declarant, year, certificateNumber
),
short_stakes AS (
    SELECT m.declarant, m.year, o.asset AS item,
        any_value(o.assetName) || '出资登记' || any_value(o.sharesValue) || '万元，报告' || any_value(d.amount) || '万元' AS zh,
        any_value(o.assetName) || ': ' || any_value(o.sharesValue) || ' (10,000 yuan) registered, ' || any_value(d.amount) || ' reported' AS en,
        NULL::DOUBLE AS shortfall,
        list_concat(
            [to_json({'table': 'Ownership', 'fields': {'asset': any_value(o.asset), 'assetName': any_value(o.assetName),
                      'ownerName': any_value(o.ownerName), 'sharesValue': any_value(o.sharesValue), 'percentage': any_value(o.percentage)},
                      'provenance': {'feed': any_value(o._feed), 'batch': any_value(o._batch), 'file': any_value(o._file), 'row': any_value(o._row)}}),
             to_json({'table': 'Declaration', 'fields': {'year': any_value(d.year), 'itemType': any_value(d.itemType),
                      'details': any_value(d.details), 'amount': any_value(d.amount)},
                      'provenance': {'feed': any_value(d._feed), 'batch': any_value(d._batch), 'file': any_value(d._file), 'row': any_value(d._row)}})],
            list(DISTINCT m.link) FILTER (WHERE m.link IS NOT NULL)) AS rows,
        list_concat([to_json({'key': o.asset, 'name': any_value(o.assetName), 'role': 'company'})],
            list(DISTINCT to_json({'key': m.member, 'name': m.member_name, 'role': 'relative'})) FILTER (WHERE m.member <> m.declarant)) AS parties
    FROM members AS m JOIN "Ownership" AS o ON o.owner = m.member
    JOIN declared AS d ON d.declarant = m.declarant AND d.year = m.year AND d.itemType LIKE '%企业%'
        AND coalesce(d.relative, m.member) = m.member
        AND jaro_winkler_similarity(d.details, replace(o.assetName, ' ', '')) >= $match_similarity
    WHERE list_contains($business_relations, replace(m.relation, 'child_at_home', 'child'))
        AND d.amount IS NOT NULL AND o.sharesValue IS NOT NULL
        AND d.amount::DOUBLE < o.sharesValue::DOUBLE - $amount_tolerance
    GROUP BY m.declarant, m.year, o.asset
),
found AS (SELECT * FROM short_homes UNION ALL SELECT * FROM missing_minor UNION ALL SELECT * FROM short_stakes),
posts AS (
    SELECT employee, min(employer) AS employer FROM "Employment"
    WHERE employer IS NOT NULL AND (endDate IS NULL OR endDate >= current_date)
    GROUP BY employee
)
SELECT
    'Person' AS group_name,
    r.declarant AS identifier,
    coalesce(sum(x.shortfall), count(*))::DOUBLE AS value,
    []::VARCHAR[] AS ocids,
    to_json(flatten(list(x.rows ORDER BY x.item))) AS evidence,
    to_json(list_concat([to_json({'key': r.declarant, 'name': r.name, 'role': 'declarant'})],
        flatten(list(coalesce(x.parties, []) ORDER BY x.item)))) AS entities,
    any_value(p.employer) AS unit,
    NULL AS division,
    to_json({'name': r.name, 'year': r.year, 'employer': r.employerName, 'role': r.role, 'items': count(*),
             'items_zh': string_agg(x.zh, '；' ORDER BY x.item),
             'items_en': string_agg(x.en, chr(59) || ' ' ORDER BY x.item)}) AS details
FROM reports AS r JOIN found AS x ON x.declarant = r.declarant AND x.year = r.year
LEFT JOIN posts AS p ON p.employee = r.declarant
GROUP BY r.declarant, r.year, r.name, r.employerName, r.role
ORDER BY r.declarant, r.year
