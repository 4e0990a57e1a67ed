-- Staging shared by every procurement indicator (采购类指标的公共数据层).
-- Input: src_process, src_bid, src_award, src_award_item (from OCDS files or from the pool's
-- Tender/Bid/Award tables, see _pool.sql). Output: the tables and views the indicators read.
-- Statements are separated by a line holding only ";".

-- Quartiles as Cardinal computes them (Rust statrs, R-8 "median-unbiased", numpy method="median_unbiased"):
-- h = (n + 1/3)·p + 1/3, linear interpolation between the order statistics around h.
CREATE OR REPLACE MACRO r8_h(n, p) AS (n + 1.0 / 3.0) * p + 1.0 / 3.0
;
-- The list is sorted once: list_transform over a one-element list binds the sorted list to s (a
-- macro repeats its argument, and each list_sort of a province's million ratios would sort again).
CREATE OR REPLACE MACRO r8_quantile(v, p) AS CASE
    WHEN v IS NULL OR len(v) = 0 THEN NULL
    WHEN floor(r8_h(len(v), p)) <= 0 OR p = 0 THEN list_min(v)
    WHEN floor(r8_h(len(v), p)) >= len(v) OR p = 1 THEN list_max(v)
    ELSE list_transform(
        [list_sort(v)],
        lambda s: s[floor(r8_h(len(s), p))::BIGINT]
            + (r8_h(len(s), p) - floor(r8_h(len(s), p)))
            * (s[floor(r8_h(len(s), p))::BIGINT + 1] - s[floor(r8_h(len(s), p))::BIGINT])
    )[1]
END
;
-- Contracting processes the indicators consider: a string ocid, not cancelled, not excluded by its
-- procurement method details. price_comparison is false where bids are not compared on price.
CREATE OR REPLACE TABLE process AS
SELECT
    *,
    CASE
        WHEN len($price_comparison_procurement_methods) > 0
            THEN coalesce(list_contains($price_comparison_procurement_methods, procurement_method_details), false)
        ELSE NOT coalesce(list_contains($no_price_comparison_procurement_methods, procurement_method_details), false)
    END AS price_comparison
FROM src_process
WHERE ocid IS NOT NULL
    AND tender_status IS DISTINCT FROM 'cancelled'
    AND NOT coalesce(list_contains($excluded_procurement_method_details, procurement_method_details), false)
;
CREATE OR REPLACE TABLE bids AS SELECT * FROM src_bid WHERE line IN (SELECT line FROM process)
;
CREATE OR REPLACE TABLE awards AS SELECT * FROM src_award WHERE line IN (SELECT line FROM process)
;
CREATE OR REPLACE TABLE award_items AS SELECT * FROM src_award_item WHERE line IN (SELECT line FROM process)
;
-- Submitted bids: pending, valid or disqualified (not invited, not withdrawn).
CREATE OR REPLACE VIEW submitted_bid AS
SELECT * FROM bids WHERE status IS NOT NULL AND status NOT IN ('invited', 'withdrawn')
;
-- The main currency: the one set, or else the first observed (by line and position).
CREATE OR REPLACE TABLE main_currency AS
SELECT coalesce(
    $currency,
    (SELECT first(currency ORDER BY line, position) FROM bids WHERE currency IS NOT NULL AND amount IS NOT NULL)
) AS currency
;
-- Amounts more than one bid of a process names (R028, R028_REPEAT): a group on plain columns, once.
CREATE OR REPLACE TABLE repeated_price AS
SELECT line, amount, currency FROM bids
WHERE amount IS NOT NULL AND currency IS NOT NULL
GROUP BY line, amount, currency HAVING count(*) > 1
;
-- Processes whose awards are all final (active, cancelled or unsuccessful), so results are stable.
CREATE OR REPLACE VIEW final_awards AS
SELECT p.line, p.ocid, p.price_comparison
FROM process AS p
WHERE p.has_awards AND p.has_bids
    AND NOT EXISTS (
        SELECT 1 FROM awards AS a
        WHERE a.line = p.line AND a.status IS NOT NULL AND a.status NOT IN ('active', 'cancelled', 'unsuccessful')
    )
;
-- Processes with exactly one active award, made to exactly one supplier.
CREATE OR REPLACE VIEW sole_award AS
-- (grouped by the process number alone: its ocid and price comparison go along)
SELECT f.line, any_value(f.ocid) AS ocid, any_value(f.price_comparison) AS price_comparison,
    any_value(a.supplier_ids[1]) AS supplier_id
FROM final_awards AS f
JOIN awards AS a ON a.line = f.line AND a.status = 'active'
GROUP BY f.line
HAVING count(*) = 1 AND bool_and(a.supplier_count = 1 AND len(a.supplier_ids) = 1)
;
-- Valid bids by one tenderer with an amount in the main currency.
CREATE OR REPLACE VIEW valid_priced_bid AS
SELECT b.*, b.tenderer_ids[1] AS tenderer_id
FROM bids AS b
WHERE b.status = 'valid' AND b.amount IS NOT NULL AND b.tenderer_count = 1 AND len(b.tenderer_ids) = 1
    AND b.currency = (SELECT currency FROM main_currency)
;
-- For price-only processes with a sole award: the winner's lowest bid against the lowest other bid
-- (R024, R058). A process where another bid is lower is not price-only, and is left out.
CREATE OR REPLACE TABLE second_lowest_bid_ratio AS
WITH amounts AS (
    SELECT
        s.line,
        any_value(s.ocid) AS ocid,
        any_value(s.supplier_id) AS winner,
        min(b.amount) FILTER (WHERE b.tenderer_id = s.supplier_id) AS winner_amount,
        arg_min(b.tenderer_id, {'amount': b.amount, 'position': b.position})
            FILTER (WHERE b.tenderer_id <> s.supplier_id) AS second,
        min(b.amount) FILTER (WHERE b.tenderer_id <> s.supplier_id) AS second_amount
    FROM sole_award AS s
    JOIN valid_priced_bid AS b ON b.line = s.line
    WHERE s.price_comparison
    GROUP BY s.line
)
SELECT line, ocid, winner, second, winner_amount, second_amount,
    (second_amount - winner_amount) / winner_amount AS ratio
FROM amounts
WHERE winner_amount IS NOT NULL AND second_amount IS NOT NULL AND second_amount >= winner_amount
;
-- Price screens per process (DOMAIN.md §6; Imhof 2019), over valid bids b1 ≤ … ≤ bn with sample SD s:
-- CV = s/mean; SPD = (bn − b1)/b1; DIFFP = (b2 − b1)/b1; RD = (b2 − b1)/s(b2…bn); SKEW and KURT are
-- bias-corrected sample skewness and excess kurtosis; KS = the Kolmogorov–Smirnov distance to
-- Uniform(b1, bn). A screen needs 2 bids (CV, SPD, DIFFP), 3 (RD, SKEW, KS) or 4 (KURT); else NULL.
CREATE OR REPLACE TABLE price_screens AS
WITH ranked AS (
    -- one sort of each process's bids: every window shares the partition and the order
    SELECT line, ocid, amount,
        row_number() OVER (PARTITION BY line ORDER BY amount, position) AS i,
        count(*) OVER (
            PARTITION BY line ORDER BY amount, position ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS n,
        first_value(amount) OVER (
            PARTITION BY line ORDER BY amount, position ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS b1,
        last_value(amount) OVER (
            PARTITION BY line ORDER BY amount, position ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
        ) AS bn
    FROM valid_priced_bid
    WHERE amount > 0
)
SELECT
    line,
    any_value(ocid) AS ocid,
    any_value(n) AS bids,
    CASE WHEN any_value(n) >= 2 THEN stddev_samp(amount) / avg(amount) END AS cv,
    CASE WHEN any_value(n) >= 2 THEN (any_value(bn) - any_value(b1)) / any_value(b1) END AS spd,
    CASE WHEN any_value(n) >= 2 THEN (max(amount) FILTER (WHERE i = 2) - any_value(b1)) / any_value(b1) END
        AS diffp,
    CASE WHEN any_value(n) >= 3
        THEN (max(amount) FILTER (WHERE i = 2) - any_value(b1))
            / nullif(stddev_samp(amount) FILTER (WHERE i >= 2), 0)
    END AS rd,
    CASE WHEN any_value(n) >= 3 THEN skewness(amount) END AS skew,
    CASE WHEN any_value(n) >= 4 THEN kurtosis(amount) END AS kurt,
    CASE WHEN any_value(n) >= 3
        THEN max(greatest(
            i / n - (amount - b1) / nullif(bn - b1, 0),
            (amount - b1) / nullif(bn - b1, 0) - (i - 1) / n
        ))
    END AS ks
FROM ranked
GROUP BY line
