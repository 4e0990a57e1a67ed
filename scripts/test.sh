#!/usr/bin/env bash
# The whole test run: lint, the suite on SQLite, again on a fresh PostgreSQL database, then the
# browser tests. Called by `make test` (after set-up) and so by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${PYTHON:-python3.11} -m uv"
RUN="$UV run --no-sync"

export JIANCHA_DATA_DIR="${JIANCHA_DATA_DIR_TEST:-$(mktemp -d -t jiancha-test-XXXX)}"
PG_URL="${JIANCHA_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/jiancha}"

echo "== lint: ruff, mypy"
$RUN ruff check .
$RUN ruff format --check .
$RUN mypy jiancha tests bench

# The SQLite and PostgreSQL passes run side by side (each mostly keeps one core busy), each with its
# own data folder; their output is printed one after the other.
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is not answering on 127.0.0.1:5432; trying to start it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do pg_up && break; sleep 1; done
fi
LOGS="$(mktemp -d -t jiancha-test-logs-XXXX)"
mkdir -p "$JIANCHA_DATA_DIR/sqlite" "$JIANCHA_DATA_DIR/postgresql"
JIANCHA_DATA_DIR="$JIANCHA_DATA_DIR/sqlite" env -u DATABASE_URL \
    $RUN pytest -m "not browser" -q -p no:cacheprovider >"$LOGS/sqlite.log" 2>&1 &
SQLITE_PID=$!
PG_STATUS=0
if pg_up; then
    # The PySpark comparison (marker "spark") does not touch the operational database: it runs in the
    # SQLite pass only.
    JIANCHA_DATA_DIR="$JIANCHA_DATA_DIR/postgresql" DATABASE_URL="$PG_URL" \
        $RUN pytest -m "not browser and not spark" -q -p no:cacheprovider --create-db >"$LOGS/postgresql.log" 2>&1 \
        || PG_STATUS=$?
    PG_RAN=1
else
    PG_RAN=0
fi
SQLITE_STATUS=0
wait "$SQLITE_PID" || SQLITE_STATUS=$?
echo "== tests on SQLite"
cat "$LOGS/sqlite.log"
echo "== tests on PostgreSQL"
if [ "$PG_RAN" = 1 ]; then
    echo "(the PySpark portability test ran in the SQLite pass and is not repeated here)"
    cat "$LOGS/postgresql.log"
else
    echo "PostgreSQL: no server answers on 127.0.0.1:5432, so the PostgreSQL run is SKIPPED; SQLite alone was tested."
fi
if [ "$SQLITE_STATUS" != 0 ] || [ "$PG_STATUS" != 0 ]; then
    echo "tests failed (SQLite: exit $SQLITE_STATUS, PostgreSQL: exit $PG_STATUS)"
    exit 1
fi

echo "== browser tests (Playwright + Debian Chromium), screenshots in test-artifacts/browser/"
env -u DATABASE_URL $RUN pytest -m browser -q -p no:cacheprovider
