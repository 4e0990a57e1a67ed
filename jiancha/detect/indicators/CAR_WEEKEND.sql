-- 公车私用: an official car on the road on a day off, or at a hotel or scenic spot, with no dispatch
-- order (派车单). Whether a day is a working day comes from the statutory calendar (calendar_day):
-- a make-up working day (调休) is a working day, a public holiday is not.
WITH vehicle AS (
    SELECT DISTINCT ON (registrationNumber)
        registrationNumber AS plate, operator, operatorName, model, use, _feed, _batch, _file, _row
    FROM "OfficialVehicle"
    WHERE registrationNumber IS NOT NULL
    ORDER BY registrationNumber, _batch DESC, _row DESC
),
trip AS (
    SELECT DISTINCT ON (tripId)
        tripId AS id, registrationNumber AS plate, recordSource, startDate, endDate, origin, destination,
        destinationType, distance, dispatchOrder, _feed, _batch, _file, _row
    FROM "VehicleTrip"
    WHERE registrationNumber IS NOT NULL AND startDate IS NOT NULL
    ORDER BY tripId, _batch, _row
),
classified AS (
    SELECT
        t.*,
        -- A year without a calendar file falls back to Monday–Friday.
        coalesce(c.working, isodow(t.startDate) <= 5) AS working,
        coalesce(c.kind, CASE WHEN isodow(t.startDate) <= 5 THEN 'workday' ELSE 'weekend' END) AS day_kind,
        c.day IS NOT NULL AS in_calendar,
        coalesce(list_contains($private_destination_types, t.destinationType), false) AS private_place,
        coalesce(list_contains($duty_destination_types, t.destinationType), false) AS duty
    FROM trip AS t LEFT JOIN calendar_day AS c ON c.day = t.startDate::DATE
),
offending AS (
    SELECT * FROM classified
    WHERE dispatchOrder IS NULL
        AND ((NOT working AND NOT duty) OR private_place)
),
per_car AS (
    SELECT
        plate,
        count(*) AS trips,
        count(*) FILTER (WHERE NOT working) AS off_days,
        count(*) FILTER (WHERE private_place) AS private_trips,
        list(DISTINCT startDate::DATE ORDER BY startDate::DATE) AS days,
        list(DISTINCT destination ORDER BY destination) AS destinations,
        bool_and(in_calendar) AS calendar
    FROM offending GROUP BY plate HAVING count(*) >= $min_trips
),
evidence AS (
    SELECT p.plate, 0 AS part, v._row AS position, to_json({
        'table': 'OfficialVehicle',
        'fields': {registrationNumber: v.plate, operatorName: v.operatorName, operator: v.operator,
                   model: v.model, use: v.use},
        'provenance': {feed: v._feed, batch: v._batch, file: v._file, 'row': v._row}}) AS item
    FROM per_car AS p JOIN vehicle AS v USING (plate)
    UNION ALL
    SELECT p.plate, 1, epoch(o.startDate)::BIGINT, to_json({
        'table': 'VehicleTrip',
        'fields': {tripId: o.id, recordSource: o.recordSource, startDate: o.startDate, endDate: o.endDate,
                   origin: o.origin, destination: o.destination, destinationType: o.destinationType,
                   distance: o.distance, dispatchOrder: o.dispatchOrder, dayKind: o.day_kind},
        'provenance': {feed: o._feed, batch: o._batch, file: o._file, 'row': o._row}})
    FROM per_car AS p JOIN offending AS o USING (plate)
)
SELECT
    'Vehicle' AS group_name,
    p.plate AS identifier,
    p.trips::DOUBLE AS value,
    []::VARCHAR[] AS ocids,
    (SELECT to_json(list(e.item ORDER BY e.part, e.position)) FROM evidence AS e WHERE e.plate = p.plate) AS evidence,
    CASE WHEN v.operator IS NULL THEN '[]'::JSON
        ELSE to_json([{'key': v.operator, 'name': coalesce(v.operatorName, ''), 'role': 'operator'}]) END AS entities,
    v.operator AS unit,
    to_json({
        unit_name: coalesce(v.operatorName, '?'),
        trips: p.trips,
        off_days: p.off_days,
        private_trips: p.private_trips,
        days: array_to_string(list_transform(p.days[1:5], lambda d: d::VARCHAR), ', ')
            || CASE WHEN len(p.days) > 5 THEN ' …' ELSE '' END,
        destinations: array_to_string(p.destinations[1:5], '、'),
        calendar: p.calendar
    }) AS details
FROM per_car AS p LEFT JOIN vehicle AS v USING (plate)
ORDER BY p.plate
