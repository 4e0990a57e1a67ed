-- 油卡异常: an official car's fuel card put more fuel into it than its tank holds.
-- Fills are matched to cars by the fuel card the fleet register issued (the plate the card centre
-- records is sometimes missing); a re-sent record (same transaction number) is one fill.
WITH vehicle AS (
    SELECT DISTINCT ON (registrationNumber)
        registrationNumber AS plate, operator, operatorName, tankCapacity AS tank, fuelCard, model, type,
        _feed, _batch, _file, _row
    FROM "OfficialVehicle"
    WHERE registrationNumber IS NOT NULL AND tankCapacity > 0
    ORDER BY registrationNumber, _batch DESC, _row DESC
),
fill AS (
    SELECT DISTINCT ON (f.transactionId)
        f.transactionId AS id, coalesce(by_card.plate, by_plate.plate) AS plate, f.fuelCard, f.date,
        f.station, f.fuelType, f.volume, f.amount, f._feed, f._batch, f._file, f._row
    FROM "FuelFill" AS f
    LEFT JOIN vehicle AS by_card ON by_card.fuelCard = f.fuelCard
    LEFT JOIN vehicle AS by_plate ON by_plate.plate = f.registrationNumber
    WHERE f.date IS NOT NULL AND f.volume > 0 AND coalesce(by_card.plate, by_plate.plate) IS NOT NULL
    ORDER BY f.transactionId, f._batch, f._row
),
trip AS (
    SELECT DISTINCT ON (tripId)
        tripId AS id, registrationNumber AS plate, startDate, coalesce(endDate, startDate) AS endDate,
        coalesce(distance, 0) AS distance, destination, dispatchOrder, _feed, _batch, _file, _row
    FROM "VehicleTrip"
    WHERE registrationNumber IS NOT NULL AND startDate IS NOT NULL
    ORDER BY tripId, _batch, _row
),
-- For every fill, the fills of the same car earlier the same day (itself included).
windowed AS (
    SELECT
        fill.*,
        list(id) OVER so_far AS ids,
        sum(volume) OVER so_far AS litres,
        min(date) OVER so_far AS first_date
    FROM fill
    WINDOW so_far AS (
        PARTITION BY plate, date::DATE ORDER BY date, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
),
-- The distance the GPS shows between the first fill and this one: what the car can have burnt, and
-- so taken again, in between. A single fill gets no credit: nothing fills a car beyond its tank.
credited AS (
    SELECT
        w.plate, w.id, w.date, w.ids, w.litres, w.first_date,
        coalesce(sum(t.distance), 0) AS km,
        list(t.id) FILTER (WHERE t.id IS NOT NULL) AS trip_ids
    FROM windowed AS w
    LEFT JOIN trip AS t ON t.plate = w.plate AND w.first_date < w.date
        AND t.startDate < w.date AND t.endDate > w.first_date
    GROUP BY ALL
),
over_tank AS (
    SELECT c.*, v.tank, c.litres - c.km * $consumption / 100.0 AS net
    FROM credited AS c JOIN vehicle AS v USING (plate)
    WHERE c.litres - c.km * $consumption / 100.0 > v.tank * $tolerance
),
-- More fills in one day than max_fills_per_day, without a long trip between the first and the last.
per_day AS (
    SELECT plate, date::DATE AS day, list(id ORDER BY date) AS ids, count(*) AS fills, sum(volume) AS litres,
        min(date) AS first_date, max(date) AS last_date
    FROM fill GROUP BY ALL HAVING count(*) > $max_fills_per_day
),
repeated AS (
    SELECT d.plate, d.day, d.ids, d.fills, d.litres, coalesce(sum(t.distance), 0) AS km,
        list(t.id) FILTER (WHERE t.id IS NOT NULL) AS trip_ids
    FROM per_day AS d
    LEFT JOIN trip AS t ON t.plate = d.plate AND t.startDate < d.last_date AND t.endDate > d.first_date
    GROUP BY ALL
    HAVING coalesce(sum(t.distance), 0) < $long_trip_km
),
-- Fills on statutory holidays (the State Council's calendar; weekends are not counted) on a day the
-- car made no recorded trip.
holiday AS (
    SELECT f.plate, list(f.id ORDER BY f.date) AS ids, count(*) AS fills
    FROM fill AS f JOIN calendar_day AS c ON c.day = f.date::DATE AND c.kind = 'holiday'
    WHERE NOT EXISTS (SELECT 1 FROM trip AS t WHERE t.plate = f.plate AND t.startDate::DATE = f.date::DATE)
    GROUP BY f.plate
),
holiday_flagged AS (
    SELECT * FROM holiday WHERE $holiday_fills > 0 AND fills >= $holiday_fills
),
flagged AS (
    SELECT plate FROM over_tank UNION SELECT plate FROM repeated UNION SELECT plate FROM holiday_flagged
),
summary AS (
    SELECT
        f.plate,
        (SELECT max(o.net / o.tank) FROM over_tank AS o WHERE o.plate = f.plate) AS ratio,
        (SELECT arg_max(o.date::DATE, o.net) FROM over_tank AS o WHERE o.plate = f.plate) AS worst_day,
        (SELECT max(o.litres) FROM over_tank AS o WHERE o.plate = f.plate AND o.net = (
            SELECT max(p.net) FROM over_tank AS p WHERE p.plate = f.plate)) AS worst_litres,
        (SELECT count(*) FROM repeated AS r WHERE r.plate = f.plate) AS repeated_days,
        (SELECT max(r.fills) FROM repeated AS r WHERE r.plate = f.plate) AS most_fills,
        (SELECT min(r.day) FROM repeated AS r WHERE r.plate = f.plate) AS repeated_day,
        (SELECT max(r.litres) FROM repeated AS r WHERE r.plate = f.plate) AS repeated_litres,
        coalesce((SELECT h.fills FROM holiday AS h WHERE h.plate = f.plate), 0) AS holiday_fills,
        list_distinct(flatten([
            coalesce((SELECT flatten(list(o.ids)) FROM over_tank AS o WHERE o.plate = f.plate), []),
            coalesce((SELECT flatten(list(r.ids)) FROM repeated AS r WHERE r.plate = f.plate), []),
            coalesce((SELECT h.ids FROM holiday_flagged AS h WHERE h.plate = f.plate), [])
        ])) AS fill_ids,
        list_distinct(flatten([
            coalesce((SELECT flatten(list(o.trip_ids)) FROM over_tank AS o WHERE o.plate = f.plate), []),
            coalesce((SELECT flatten(list(r.trip_ids)) FROM repeated AS r WHERE r.plate = f.plate), [])
        ])) AS trip_ids
    FROM flagged AS f
),
evidence AS (
    SELECT s.plate, 0 AS part, v._row AS position, to_json({
        'table': 'OfficialVehicle',
        'fields': {registrationNumber: v.plate, operatorName: v.operatorName, operator: v.operator,
                   model: v.model, type: v.type, tankCapacity: v.tank, fuelCard: v.fuelCard},
        'provenance': {feed: v._feed, batch: v._batch, file: v._file, 'row': v._row}}) AS item
    FROM summary AS s JOIN vehicle AS v USING (plate)
    UNION ALL
    SELECT s.plate, 1, epoch(f.date)::BIGINT, to_json({
        'table': 'FuelFill',
        'fields': {transactionId: f.id, fuelCard: f.fuelCard, date: f.date, station: f.station,
                   fuelType: f.fuelType, volume: f.volume, amount: f.amount},
        'provenance': {feed: f._feed, batch: f._batch, file: f._file, 'row': f._row}})
    FROM summary AS s JOIN fill AS f ON f.plate = s.plate AND list_contains(s.fill_ids, f.id)
    UNION ALL
    SELECT s.plate, 1, epoch(t.startDate)::BIGINT, to_json({
        'table': 'VehicleTrip',
        'fields': {tripId: t.id, startDate: t.startDate, endDate: t.endDate, destination: t.destination,
                   distance: t.distance, dispatchOrder: t.dispatchOrder},
        'provenance': {feed: t._feed, batch: t._batch, file: t._file, 'row': t._row}})
    FROM summary AS s JOIN trip AS t ON t.plate = s.plate AND list_contains(s.trip_ids, t.id)
)
SELECT
    'Vehicle' AS group_name,
    s.plate AS identifier,
    -- the most fuel taken in one day (net of the GPS credit), or in a day of repeated fills, as a
    -- share of the tank
    round(greatest(coalesce(s.ratio, 0), coalesce(s.repeated_litres / v.tank, 0)), 2) AS value,
    []::VARCHAR[] AS ocids,
    (SELECT to_json(list(e.item ORDER BY e.part, e.position)) FROM evidence AS e WHERE e.plate = s.plate) AS evidence,
    to_json([{'key': v.operator, 'name': coalesce(v.operatorName, ''), 'role': 'operator'}]) AS entities,
    v.operator AS unit,
    to_json({
        unit_name: coalesce(v.operatorName, ''),
        tank: v.tank,
        over_tank: s.ratio IS NOT NULL,
        percent: round(coalesce(s.ratio, 0) * 100)::INTEGER,
        worst_day: coalesce(s.worst_day::VARCHAR, ''),
        worst_litres: coalesce(s.worst_litres, 0),
        repeated_days: s.repeated_days,
        repeated_day: coalesce(s.repeated_day::VARCHAR, ''),
        most_fills: coalesce(s.most_fills, 0),
        holiday_fills: s.holiday_fills,
        reasons_zh: array_to_string(list_filter([
            CASE WHEN s.ratio IS NOT NULL THEN s.worst_day::VARCHAR || ' ' || round(s.worst_litres, 1)::VARCHAR
                || ' 升超过油箱容积 ' || format('{:g}', v.tank) || ' 升' END,
            CASE WHEN s.repeated_days > 0 THEN s.repeated_days::VARCHAR || ' 天同日多次加油且其间无长途行驶记录（如 '
                || s.repeated_day::VARCHAR || '）' END,
            CASE WHEN s.holiday_fills > 0 THEN '法定节假日无行驶记录加油 ' || s.holiday_fills::VARCHAR || ' 次' END
        ], lambda x: x IS NOT NULL), '；'),
        reasons_en: array_to_string(list_filter([
            CASE WHEN s.ratio IS NOT NULL THEN round(s.worst_litres, 1)::VARCHAR || ' L on ' || s.worst_day::VARCHAR
                || ', more than its ' || format('{:g}', v.tank) || ' L tank' END,
            CASE WHEN s.repeated_days > 0 THEN 'several fills in one day with no long trip between them on '
                || s.repeated_days::VARCHAR || ' day(s) (e.g. ' || s.repeated_day::VARCHAR || ')' END,
            CASE WHEN s.holiday_fills > 0 THEN s.holiday_fills::VARCHAR
                || ' fill(s) on public holidays with no trip recorded that day' END
        ], lambda x: x IS NOT NULL), ', ')
    }) AS details
FROM summary AS s JOIN vehicle AS v USING (plate)
ORDER BY s.plate
