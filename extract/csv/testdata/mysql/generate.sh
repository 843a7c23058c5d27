#!/bin/sh
# Regenerates the files of this directory with a real MariaDB server: a
# throwaway mariadbd in a temporary directory (no network, no system
# service), the table of rows.sql, then
#   SELECT … INTO OUTFILE with the default options    → outfile-default.txt
#   SELECT … INTO OUTFILE, CSV-like options            → outfile-csv.txt
#   mariadb-dump --tab (default options)               → dump-tab/residents.txt
#   mariadb-dump --tab --fields-enclosed-by='"' …      → dump-tab-enclosed/residents.txt
#   the rows as JSON, written by the server            → expected.json
# Run from anywhere: sh extract/csv/testdata/mysql/generate.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/out" "$tmp/data"
chmod 777 "$tmp/out"
mariadb-install-db --no-defaults --datadir="$tmp/data" --user="$(id -un)" --auth-root-authentication-method=normal >/dev/null
/usr/sbin/mariadbd --no-defaults --datadir="$tmp/data" --socket="$tmp/sock" --skip-networking \
	--user="$(id -un)" --secure-file-priv="$tmp/out" --character-set-server=utf8mb4 >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$tmp/sock" ] && break; sleep 0.2; done
m() { mariadb --no-defaults --socket="$tmp/sock" -uroot --default-character-set=utf8mb4 "$@"; }
m -e 'CREATE DATABASE t'
m t < "$here/rows.sql"
cols='id, name, note, amount'
m t -e "SELECT $cols FROM residents ORDER BY id INTO OUTFILE '$tmp/out/outfile-default.txt'"
m t -e "SELECT $cols FROM residents ORDER BY id INTO OUTFILE '$tmp/out/outfile-csv.txt' FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\n'"
mkdir -p "$tmp/out/dump-tab" "$tmp/out/dump-tab-enclosed"
chmod 777 "$tmp/out/dump-tab" "$tmp/out/dump-tab-enclosed"
mariadb-dump --no-defaults --socket="$tmp/sock" -uroot --default-character-set=utf8mb4 --tab="$tmp/out/dump-tab" t residents
mariadb-dump --no-defaults --socket="$tmp/sock" -uroot --default-character-set=utf8mb4 --tab="$tmp/out/dump-tab-enclosed" \
	--fields-terminated-by=, --fields-enclosed-by='"' t residents
m -N -B --raw t -e "SELECT JSON_ARRAYAGG(JSON_ARRAY($cols)) FROM (SELECT $cols FROM residents ORDER BY id) r" > "$tmp/out/expected.json"
cp "$tmp/out/outfile-default.txt" "$tmp/out/outfile-csv.txt" "$tmp/out/expected.json" "$here/"
mkdir -p "$here/dump-tab" "$here/dump-tab-enclosed"
cp "$tmp/out/dump-tab/residents.txt" "$here/dump-tab/"
cp "$tmp/out/dump-tab-enclosed/residents.txt" "$here/dump-tab-enclosed/"
m -N -B -e 'SELECT VERSION()' > "$here/VERSION"
echo "regenerated in $here with MariaDB $(cat "$here/VERSION")"
