-- The pool's Tender, Bid and Award tables (from the tenders/bids/awards and ocds feeds) in the
-- shape of flattened OCDS, so that the same indicator SQL runs on both. A tender is a contracting
-- process (ocid = tenderId); the buyer is also the procuring entity; bids are valid unless marked
-- disqualified; every award is active. Statements are separated by a line holding only ";".
CREATE OR REPLACE TABLE src_process AS
-- The latest row of each tender and its line (in the order of the tender numbers): a group and a
-- sort over the key columns only, the wide rows joined after (a window over them costs the most).
WITH latest AS (
    SELECT tenderId, max({'batch': _batch, 'row': _row}) AS k FROM "Tender" GROUP BY tenderId
),
keyed AS (
    SELECT tenderId, k['batch'] AS _batch, k['row'] AS _row, row_number() OVER (ORDER BY tenderId) AS line
    FROM latest
),
tenders AS (
    SELECT t.*, k.line
    FROM "Tender" AS t JOIN keyed AS k ON k.tenderId = t.tenderId AND k._batch = t._batch AND k._row = t._row
),
-- Set work rather than a subquery per tender: bidders and awards counted once, by tender.
-- (distinct pairs, then a count: cheaper than a distinct aggregate over every bid)
bid_counts AS (
    SELECT tenderId, count(*) AS bidders FROM (SELECT DISTINCT tenderId, bidder FROM "Bid") GROUP BY tenderId
),
awarded AS (SELECT DISTINCT tenderId FROM "Award"),
methods AS (
    SELECT method, $pool_procurement_methods::JSON ->> method AS code
    FROM (SELECT DISTINCT method FROM tenders WHERE method IS NOT NULL)
)
SELECT
    t.line,
    t.tenderId AS ocid,
    t.buyer AS buyer_id,
    t.buyerName AS buyer_name,
    t.title,
    t.buyer AS procuring_entity_id,
    NULL::VARCHAR AS tender_status,
    m.code AS procurement_method,
    t.method AS procurement_method_details,
    t.publishDate::TIMESTAMPTZ AS period_start,
    -- 投标截止时间 is a date: bids are on time until the end of that day.
    (t.deadline + INTERVAL 1 DAY)::TIMESTAMPTZ - INTERVAL 1 MICROSECOND AS period_end,
    coalesce(c.bidders, 0) AS number_of_tenderers,
    t.value::DOUBLE AS value_amount,
    a.tenderId IS NOT NULL AS has_awards,
    c.tenderId IS NOT NULL AS has_bids,
    t._feed, t._batch, t._file, t._row
FROM tenders AS t
LEFT JOIN bid_counts AS c ON c.tenderId = t.tenderId
LEFT JOIN awarded AS a ON a.tenderId = t.tenderId
LEFT JOIN methods AS m ON m.method = t.method
;
-- A view: _stage.sql copies it once into bids (a table here too would copy the 5M bids twice).
CREATE OR REPLACE VIEW src_bid AS
SELECT
    p.ocid,
    p.line,
    -- Orders the bids of a process as the department's rows came (batch, then row); unlike an OCDS
    -- file's bid index it does not count from 0 (no sort of every bid to number them).
    b._batch * 4294967296 + b._row AS position,
    CASE WHEN b.disqualified THEN 'disqualified' ELSE 'valid' END AS status,
    b.amount::DOUBLE AS amount,
    'CNY' AS currency,
    b.submitted::TIMESTAMPTZ AS date,
    [b.bidder] AS tenderer_ids,
    1 AS tenderer_count,
    [b.bidderName] AS tenderer_names,
    b._feed, b._batch, b._file, b._row
FROM "Bid" AS b JOIN src_process AS p ON p.ocid = b.tenderId
WHERE b.bidder IS NOT NULL
;
CREATE OR REPLACE TABLE src_award AS
SELECT
    p.ocid,
    p.line,
    a._batch * 4294967296 + a._row AS position,  -- as a bid's
    'active' AS status,
    [a.supplier] AS supplier_ids,
    1 AS supplier_count,
    [a.supplierName] AS supplier_names,
    a.amount::DOUBLE AS amount,
    a.date::TIMESTAMPTZ AS date,
    a._feed, a._batch, a._file, a._row
FROM "Award" AS a JOIN src_process AS p ON p.ocid = a.tenderId
WHERE a.supplier IS NOT NULL
;
-- The pool has no item classification; the tender's category (货物/工程/服务…) stands in for it.
CREATE OR REPLACE TABLE src_award_item AS
SELECT a.ocid, a.line, a.position AS award_position, t.category AS classification_id
FROM src_award AS a
JOIN src_process AS p ON p.line = a.line
JOIN "Tender" AS t ON t.tenderId = a.ocid AND t._batch = p._batch AND t._row = p._row
WHERE t.category IS NOT NULL
