-- Buyers and procuring entities are counted from a count per process (a group on the process
-- number, then one row per process joined to its buyer), tenderers from their bids.
WITH per_process AS (
    SELECT line, count(*) FILTER (WHERE status = 'disqualified') AS disqualified, count(*) AS submitted
    FROM submitted_bid GROUP BY line
),
processes AS (
    SELECT c.*, p.ocid, p.buyer_id, p.procuring_entity_id FROM per_process AS c JOIN process AS p ON p.line = c.line
),
counts AS (
    SELECT 'Buyer' AS group_name, buyer_id AS identifier,
        sum(disqualified) AS disqualified, sum(submitted) AS submitted
    FROM processes WHERE buyer_id IS NOT NULL GROUP BY buyer_id
    UNION ALL
    SELECT 'ProcuringEntity', procuring_entity_id, sum(disqualified), sum(submitted)
    FROM processes WHERE procuring_entity_id IS NOT NULL GROUP BY procuring_entity_id
    UNION ALL
    SELECT 'Tenderer', t.id, count(*) FILTER (WHERE s.status = 'disqualified'), count(*)
    FROM submitted_bid AS s, unnest(s.tenderer_ids) AS t(id) GROUP BY t.id
),
eligible AS (
    SELECT *, disqualified / submitted AS ratio FROM counts
    WHERE submitted >= CASE group_name WHEN 'Tenderer' THEN $minimum_submitted_bids ELSE $minimum_contracting_processes END
),
fences AS (
    SELECT group_name, coalesce(
        $threshold,
        r8_quantile(list(ratio), 0.75) + 1.5 * (r8_quantile(list(ratio), 0.75) - r8_quantile(list(ratio), 0.25))
    ) AS upper_fence
    FROM eligible GROUP BY group_name
),
-- When three quarters disqualify nothing the fence is 0, and flagging everyone would mean nothing.
flagged AS (
    SELECT e.group_name, e.identifier, e.ratio FROM eligible AS e JOIN fences AS f USING (group_name)
    WHERE f.upper_fence > 0 AND e.ratio >= f.upper_fence
),
-- The processes of the flagged buyers, procuring entities and tenderers only.
involved AS (
    SELECT 'Buyer' AS group_name, buyer_id AS identifier, ocid FROM processes
    UNION ALL
    SELECT 'ProcuringEntity', procuring_entity_id, ocid FROM processes
    UNION ALL
    SELECT 'Tenderer', t.id, s.ocid
    FROM submitted_bid AS s, unnest(s.tenderer_ids) AS t(id)
    WHERE t.id IN (SELECT identifier FROM flagged WHERE group_name = 'Tenderer')
)
SELECT f.group_name, f.identifier, f.ratio AS value, list(DISTINCT i.ocid) AS ocids
FROM flagged AS f JOIN involved AS i ON i.group_name = f.group_name AND i.identifier = f.identifier
GROUP BY f.group_name, f.identifier, f.ratio
