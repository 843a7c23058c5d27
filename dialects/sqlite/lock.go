package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl/dialects"
)

// The pipeline lock of SQLite is a file lock (flock, exclusive, never
// waiting) on "<database file>.xcetl-<pipeline>.lock" next to the database
// file. The kernel releases it when the holding process ends, however it
// ends, so a crashed run never blocks the next one. The file holds the
// holder's host, pid and start time for a run that finds it taken; it is
// left in place after the run (removing it could race with a new holder).
// An in-memory database needs no lock: no other process can reach it.

var _ dialects.Locker = dialect{}

// LockFile returns the lock file of the pipeline called name for the
// database file dbFile.
func LockFile(dbFile, name string) string {
	return dbFile + ".xcetl-" + name + ".lock"
}

// LockStatements implements dialects.Locker: there is no SQL, only a file.
func (d dialect) LockStatements(ep dialects.Endpoint, env dialects.Env, name string) []dialects.Statement {
	file := "<database file>"
	if ep.DB == nil {
		if _, f, err := ResolvePath(ep.DSN, env.BaseDir); err == nil {
			if f == "" {
				return []dialects.Statement{{When: "no lock: an in-memory database cannot be shared with another run", SQL: "-- none"}}
			}
			file = f
		}
	}
	return []dialects.Statement{{
		When: "once at start, held for the whole run (not SQL: an exclusive flock next to the database file, released by the kernel when xcetl ends)",
		SQL:  "-- flock(LOCK_EX|LOCK_NB) " + LockFile(file, name),
	}}
}

// Lock implements dialects.Locker.
func (d dialect) Lock(ctx context.Context, ep dialects.Endpoint, env dialects.Env, name string, h dialects.LockHolder) (dialects.Lock, error) {
	var file string
	if ep.DB != nil {
		f, err := mainFile(ctx, ep.DB)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
		}
		file = f
	} else {
		_, f, err := ResolvePath(ep.DSN, env.BaseDir)
		if err != nil {
			return nil, fmt.Errorf("sqlite: dsn: %w", err)
		}
		file = f
	}
	if file == "" {
		return noLock{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: create the directory of %s: %w", name, file, err)
	}
	return lockFile(LockFile(file, name), name, h)
}

// mainFile asks a database for the file of its main schema ("" in memory).
func mainFile(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA database_list")
	if err != nil {
		return "", fmt.Errorf("find the database file: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var schema, file sql.NullString
		if err := rows.Scan(&seq, &schema, &file); err != nil {
			return "", fmt.Errorf("find the database file: %w", err)
		}
		if schema.String == "main" {
			return file.String, nil
		}
	}
	return "", rows.Err()
}

// holderText is what a lock file holds.
func holderText(h dialects.LockHolder) string {
	return fmt.Sprintf("host=%s\npid=%d\nsince=%s\n", h.Host, h.PID, h.Since.Format(time.RFC3339Nano))
}

func parseHolderText(s string) dialects.LockHolder {
	var h dialects.LockHolder
	for _, line := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "host":
			h.Host = v
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "since":
			h.Since, _ = time.Parse(time.RFC3339Nano, v)
		}
	}
	if h.Host == "" && h.PID == 0 {
		h.Detail = "holder unknown (it has just taken the lock)"
	}
	return h
}

type noLock struct{}

func (noLock) Check(context.Context) error   { return nil }
func (noLock) Release(context.Context) error { return nil }
