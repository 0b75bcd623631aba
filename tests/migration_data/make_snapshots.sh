#!/usr/bin/env bash
# Regenerate the snapshots that tests/test_migrations_keep_data.py migrates: the demo, with every poll
# closed, in a database made by the OLD code (commit ec24456, before the apps were split), on SQLite and on
# PostgreSQL, and a manifest of each written by that same old code.
#
# Needs a worktree of the old commit and a virtualenv where it is installed, e.g.:
#   git worktree add --detach /work/wt-old ec24456
#   python3 -m venv /work/venv-old && /work/venv-old/bin/pip install -q -e '/work/wt-old[test]'
#   OLD_TREE=/work/wt-old OLD_PYTHON=/work/venv-old/bin/python tests/migration_data/make_snapshots.sh
# and a PostgreSQL server where PG_USER may create databases (psql, createdb, dropdb, pg_dump on PATH).
# SKIP_POSTGRES=1 makes the SQLite snapshot only.
#
# Writes into OUT (default: this script's directory): old-demo.sqlite3.gz, old-demo.pg.sql.gz,
# manifest-sqlite.json, manifest-postgres.json. Each manifest is computed from the snapshot as the test will
# see it (the gunzipped SQLite file; the dump loaded into a fresh database), not from the database it was
# taken from.
set -euo pipefail

OLD_TREE=${OLD_TREE:-/work/wt-old}
OLD_PYTHON=${OLD_PYTHON:-/work/venv-old/bin/python}
OUT=${OUT:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
EXPECTED_COMMIT=${EXPECTED_COMMIT:-ec24456}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_DB=${PG_DB:-deliberate_oldsnap}
PG_CHECK_DB=${PG_CHECK_DB:-${PG_DB}_check}
SKIP_POSTGRES=${SKIP_POSTGRES:-0}

# The keys the snapshots are made with. The test pins the same ones (it reads them from the manifests):
# the board key signs the boards and derives the roll-call keys, so verify_poll needs exactly this one.
# Test-only keys, published on purpose: never use them for a real assembly.
BOARD_KEY=${BOARD_KEY:-board-20261207-8d80:uVn0FHHRyHtd-pDSRd5Azql1zltTqlAw9JouabbSDaA}
SECRET_KEY_VALUE=${SECRET_KEY_VALUE:-deliberate-migration-snapshot-test-only-secret-key-not-for-production}

OLD_TREE=$(cd "$OLD_TREE" && pwd)
COMMIT=$(git -C "$OLD_TREE" rev-parse HEAD)
case "$COMMIT" in
  "$EXPECTED_COMMIT"*) ;;
  *) echo "$OLD_TREE is at $COMMIT, not $EXPECTED_COMMIT (set EXPECTED_COMMIT to make snapshots of another commit)" >&2
     exit 1 ;;
esac
if [ -n "$(git -C "$OLD_TREE" status --porcelain --untracked-files=no)" ]; then
  echo "$OLD_TREE has uncommitted changes: the snapshots must be made by the commit as it is" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deliberate-snapshots.XXXXXX")
cleanup() {
  rm -rf "$WORK"
  if [ "$SKIP_POSTGRES" != 1 ]; then
    dropdb --if-exists -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_DB" 2>/dev/null || true
    dropdb --if-exists -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_CHECK_DB" 2>/dev/null || true
  fi
}
trap cleanup EXIT
mkdir -p "$WORK/var" "$OUT"

# The old code's manage.py with the snapshot's environment: no Redis (the in-memory channel layer), the
# pinned keys, and a var/ directory of its own (nothing generated into the worktree).
old_manage() {
  local url=$1; shift
  (cd "$OLD_TREE" && env -u REDIS_URL -u DJANGO_SETTINGS_MODULE -u DEBUG \
     DATABASE_URL="$url" DELIBERATE_BOARD_KEY="$BOARD_KEY" SECRET_KEY="$SECRET_KEY_VALUE" \
     DELIBERATE_VAR_DIR="$WORK/var" LOG_LEVEL=WARNING "$OLD_PYTHON" manage.py "$@")
}

# Close every poll still open through the old services, at a moment after the last closing time (so that
# close_due_polls closes them as cron would). Draft polls stay drafts.
CLOSE_ALL='
from datetime import timedelta
from django.test.utils import override_settings
from polls import services
from polls.models import Poll
still_open = list(Poll.objects.filter(status=Poll.Status.OPEN))
if still_open:
    now = max(poll.closes_at for poll in still_open).replace(microsecond=0) + timedelta(minutes=1)
    # As in load_demo: the notifications stay in the site, their emails are neither printed nor sent.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        closed = services.close_due_polls(now=now)
    assert len(closed) == len(still_open), (closed, still_open)
assert not Poll.objects.filter(status=Poll.Status.OPEN).exists()
print("closed", len(still_open), "poll(s);", dict((s, Poll.objects.filter(status=s).count()) for s in Poll.Status.values))
'

make_demo() {
  local url=$1
  old_manage "$url" migrate --noinput -v 0
  old_manage "$url" load_demo
  old_manage "$url" shell -c "$CLOSE_ALL"
}

# The manifest: every poll (public id, status, head, sha256 of its exported board, verify_poll), the
# verify_roadmap and verify_audit results, and the rows of every table, all from the old code.
cat > "$WORK/manifest.py" <<'PYTHON'
import hashlib, json, os, sqlite3, subprocess, sys, tempfile

engine, url, target, tree, python, commit = sys.argv[1:7]
env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
env.update(DATABASE_URL=url, DELIBERATE_BOARD_KEY=os.environ["BOARD_KEY"], SECRET_KEY=os.environ["SECRET_KEY_VALUE"],
           DELIBERATE_VAR_DIR=os.environ["WORK"] + "/var", LOG_LEVEL="WARNING")

def manage(*args):
    return subprocess.run([python, "manage.py", *args], cwd=tree, env=env, capture_output=True, timeout=600)

def text(process):
    return process.stdout.decode("utf-8")

def result(process, ok_marker):
    out = text(process)
    return {"returncode": process.returncode, "stdout": out, "ok": process.returncode == 0 and ok_marker in out}

listing = manage("shell", "-c", (
    "import json; from polls.models import Poll; "
    "print(json.dumps([dict(public_id=p.public_id, status=p.status, head=p.head, title=p.title, "
    "ballot_count=p.ballot_count, last_seq=p.last_seq) for p in Poll.objects.order_by('created_at', 'pk')]))"))
assert listing.returncode == 0, listing.stderr.decode()
polls = json.loads(text(listing).strip().splitlines()[-1])
assert polls and all(p["status"] in ("closed", "draft") for p in polls), polls

with tempfile.TemporaryDirectory() as scratch:
    for poll in polls:
        board = os.path.join(scratch, poll["public_id"] + ".jsonl")
        exported = manage("export_board", poll["public_id"], "-o", board)
        assert exported.returncode == 0, exported.stderr.decode()
        data = open(board, "rb").read()
        poll["board_sha256"] = hashlib.sha256(data).hexdigest()
        poll["board_bytes"] = len(data)
        poll["board_lines"] = data.count(b"\n")
        marker = "is a draft" if poll["status"] == "draft" else f"{poll['public_id']}: VALID (closed;"
        poll["verify_poll"] = result(manage("verify_poll", poll["public_id"]), marker)
        assert poll["verify_poll"]["ok"], (poll, manage("verify_poll", poll["public_id"]).stderr.decode())
        if poll["status"] == "closed":
            assert f"head {poll['head']})" in poll["verify_poll"]["stdout"], poll

verify_roadmap = result(manage("verify_roadmap"), "versions verify.")
verify_audit = result(manage("verify_audit"), "moderation entries verify.")
assert verify_roadmap["ok"] and verify_audit["ok"], (verify_roadmap, verify_audit)

if engine == "sqlite":
    path = url[len("sqlite:///"):]
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        tables = {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    db.close()
else:
    def psql(sql):
        return subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                              check=True, capture_output=True, text=True).stdout.split()
    names = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = {name: int(psql(f'SELECT count(*) FROM "{name}"')[0]) for name in names}

versions = subprocess.run([python, "-c", "import django, sys; print(django.get_version(), sys.version.split()[0])"],
                          capture_output=True, text=True, check=True).stdout.split()
manifest = {
    "made_by": {"commit": commit, "script": "tests/migration_data/make_snapshots.sh", "django": versions[0],
                "python": versions[1], "engine": engine},
    "env": {"DELIBERATE_BOARD_KEY": os.environ["BOARD_KEY"], "SECRET_KEY": os.environ["SECRET_KEY_VALUE"]},
    "polls": polls,
    "verify_roadmap": verify_roadmap,
    "verify_audit": verify_audit,
    "tables": tables,
}
with open(target, "w", encoding="utf-8") as handle:
    json.dump(manifest, handle, indent=2, ensure_ascii=False, sort_keys=False)
    handle.write("\n")
print(f"{target}: {len(polls)} polls, {len(tables)} tables, {sum(tables.values())} rows")
PYTHON
export BOARD_KEY SECRET_KEY_VALUE WORK

# SQLite ---------------------------------------------------------------------------------------------
echo "== SQLite"
make_demo "sqlite:///$WORK/demo.sqlite3"
# One self-contained file (the WAL folded in, journal mode DELETE, vacuumed), then gzip without a name or
# time stamp so that the same database gives the same bytes.
"$OLD_PYTHON" - "$WORK/demo.sqlite3" "$WORK/snapshot.sqlite3" <<'PYTHON'
import re, sqlite3, sys
source = sqlite3.connect(sys.argv[1])
source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
target = sqlite3.connect(sys.argv[2])
source.backup(target)
source.close()
target.execute("PRAGMA journal_mode=DELETE")
# Django's SQLite backend provides REGEXP (a constraint of the schema uses it); VACUUM rebuilds with it.
target.create_function("REGEXP", 2, lambda pattern, value: value is not None and bool(re.search(pattern, str(value))),
                       deterministic=True)
target.execute("VACUUM")
target.close()
PYTHON
gzip -9 -n -c "$WORK/snapshot.sqlite3" > "$OUT/old-demo.sqlite3.gz"
gunzip -c "$OUT/old-demo.sqlite3.gz" > "$WORK/check.sqlite3"
"$OLD_PYTHON" "$WORK/manifest.py" sqlite "sqlite:///$WORK/check.sqlite3" "$OUT/manifest-sqlite.json" \
  "$OLD_TREE" "$OLD_PYTHON" "$COMMIT"

# PostgreSQL -----------------------------------------------------------------------------------------
if [ "$SKIP_POSTGRES" != 1 ]; then
  echo "== PostgreSQL"
  PG="-h $PG_HOST -p $PG_PORT -U $PG_USER"
  dropdb --if-exists $PG "$PG_DB"
  createdb $PG "$PG_DB"
  make_demo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
  # pg_dump since 17.6/16.10/15.14/14.19/13.22 wraps the dump in `\restrict KEY` ... `\unrestrict KEY` (a random
  # KEY), psql meta-commands that an older psql refuses (with ON_ERROR_STOP, the load fails). They only guard
  # against a hostile server's dump; this one is ours, so they are removed: any psql loads it.
  pg_dump $PG --no-owner --no-privileges --format=plain "$PG_DB" > "$WORK/dump.sql"
  awk 'key == "" && NR <= 20 && /^\\restrict [A-Za-z0-9]+$/ { key = $2; next }
       key != "" && $0 == "\\unrestrict " key { next }
       { print }' "$WORK/dump.sql" > "$WORK/dump-plain.sql"
  if grep -q '^\\\(un\)\?restrict ' "$WORK/dump-plain.sql"; then
    echo "a \\restrict line is left in the dump" >&2; exit 1
  fi
  gzip -9 -n -c "$WORK/dump-plain.sql" > "$OUT/old-demo.pg.sql.gz"
  dropdb $PG "$PG_DB"
  dropdb --if-exists $PG "$PG_CHECK_DB"
  createdb $PG "$PG_CHECK_DB"
  gunzip -c "$OUT/old-demo.pg.sql.gz" | psql -X -q -v ON_ERROR_STOP=1 $PG -d "$PG_CHECK_DB" >/dev/null
  "$OLD_PYTHON" "$WORK/manifest.py" postgres "postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_CHECK_DB" \
    "$OUT/manifest-postgres.json" "$OLD_TREE" "$OLD_PYTHON" "$COMMIT"
  dropdb $PG "$PG_CHECK_DB"
fi
ls -l "$OUT"
