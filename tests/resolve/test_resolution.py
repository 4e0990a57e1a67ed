"""Resolution on part of a tiny synthetic region: quality, namesakes, incremental runs, decisions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jiancha.access.models import User
from jiancha.ledger.models import Event
from jiancha.pool.models import ImportBatch
from jiancha.resolve import actions, evaluate, runs
from jiancha.resolve.models import MatchDecision

from .conftest import load

pytestmark = pytest.mark.django_db

BLIND = 0.4  # share of mentions outside the register whose ID is hidden: the model must find them


def _run(**kwargs: object) -> tuple[runs.RunResult, dict[str, object]]:
    seen: dict[str, object] = {}

    def inspect(connection: duckdb.DuckDBPyConnection) -> None:
        seen["partition"] = {
            frozenset(keys)
            for (keys,) in connection.execute(
                "SELECT list(record_key) FROM _person_identity GROUP BY identity"
            ).fetchall()
        }
        seen["mixed"] = connection.execute(
            "SELECT count(*) FROM (SELECT identity FROM _person_identity WHERE source_id IS NOT NULL "
            "GROUP BY identity HAVING count(DISTINCT source_id) > 1)"
        ).fetchall()[0][0]
        seen["namesakes"] = connection.execute(
            "SELECT count(*) FROM (SELECT name, year(birth_date) FROM person_mentions WHERE tab = 'Person' "
            "GROUP BY ALL HAVING count(DISTINCT id_number) > 1)"
        ).fetchall()[0][0]
        seen["identity_of_sig"] = dict(
            connection.execute("SELECT DISTINCT sig, identity FROM _person_identity").fetchall()
        )
        # A signature borne by several mentions, and the first of them (by batch and row).
        sig, *mention = connection.execute(
            "SELECT sig, tab, file, row, name FROM person_mentions WHERE sig IN (SELECT sig FROM person_records "
            "WHERE mentions > 1 ORDER BY sig LIMIT 1) ORDER BY batch, row LIMIT 1"
        ).fetchall()[0]
        seen["summary"] = (runs.record_summaries(connection, "person", [sig])[sig], tuple(mention))
        region = seen.get("region")
        if region:
            seen["quality"] = evaluate.person_quality(connection, "_person_identity", Path(str(region)))
            seen["companies"] = evaluate.company_quality(connection, "_company_identity")

    seen_region = kwargs.pop("region", None)
    if seen_region:
        seen["region"] = seen_region
    result = runs.run(inspect=inspect, blind=BLIND, **kwargs)  # type: ignore[arg-type]
    return result, seen


def test_quality_and_namesakes_on_a_synthetic_region(pool_dir, tiny_region):
    load(tiny_region)
    result, seen = _run(region=tiny_region)
    quality = seen["quality"]
    assert isinstance(quality, evaluate.Quality)
    assert result.kinds["person"].records_without_id > 1000
    assert quality.precision >= 0.99, quality
    assert quality.recall >= 0.97, quality
    # 重名: the region holds namesakes born the same year with different IDs; none are merged,
    # and no identity holds two valid IDs.
    assert seen["namesakes"] > 0
    assert seen["mixed"] == 0
    # What the review page shows of a signature: its first delivery (feed, file, row) and its fields.
    summary, mention = seen["summary"]
    assert isinstance(summary, dict) and isinstance(mention, tuple)
    batch = ImportBatch.objects.get(file_name=summary["file"], status="committed")
    assert batch.feed.code == summary["feed"]
    assert (summary["table"], summary["file"], summary["row"], summary["name"]) == mention
    assert summary["records"] >= 1


def test_incremental_run_gives_the_clusters_of_a_full_run(pool_dir, tiny_region):
    first, second = sorted(p.name for p in tiny_region.iterdir() if p.name.isdigit())
    load(tiny_region, [first])
    runs.run(blind=BLIND)
    load(tiny_region, [second])
    incremental, seen_incremental = _run(incremental=True)
    assert incremental.mode == "incremental"
    full, seen_full = _run()
    assert full.mode == "full"
    a, b = seen_incremental["partition"], seen_full["partition"]
    assert isinstance(a, set) and isinstance(b, set)
    assert a == b, (len(a), len(b), sorted(map(sorted, a - b))[:3], sorted(map(sorted, b - a))[:3])


def test_an_analysts_rejection_beats_the_model_and_is_in_the_ledger(pool_dir, tiny_region):
    load(tiny_region, [sorted(p.name for p in tiny_region.iterdir() if p.name.isdigit())[0]])
    _result, before = _run()
    identity = before["identity_of_sig"]
    assert isinstance(identity, dict)
    pairs = duckdb.read_parquet(str(runs.edges_path("person"))).fetchall()
    left, right = next((p[0], p[1]) for p in pairs if p[2] >= 0.99 and identity[p[0]] == identity[p[1]])

    with pytest.raises(actions.DecisionRefused, match="analyse_data"):
        actions.decide_pair(User.objects.get(username="reviewer"), "person", left, right, "reject", "not him")
    with pytest.raises(actions.DecisionRefused, match="reason"):
        actions.decide_pair(User.objects.get(username="analyst"), "person", left, right, "reject", " ")
    decision = actions.decide_pair(
        User.objects.get(username="analyst"), "person", right, left, "reject", "different fathers in the file"
    )
    assert (decision.left_key, decision.right_key) == (left, right)
    event = Event.objects.get(kind="resolve.match.reject", object_id=str(decision.pk))
    assert decision.ledger_index == event.index

    _result, after = _run()
    identity = after["identity_of_sig"]
    assert isinstance(identity, dict)
    assert identity[left] != identity[right]
    # and again on a later run: the decision persists
    _result, again = _run(incremental=True)
    identity = again["identity_of_sig"]
    assert isinstance(identity, dict)
    assert identity[left] != identity[right]
    assert MatchDecision.objects.count() == 1


def test_febrl4_f1():
    assert evaluate.febrl4_quality().f1 >= 0.99
