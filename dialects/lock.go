package dialects

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
)

// Locker is implemented by dialects that can hold a named lock in (or next
// to) the database, so that two runs of one pipeline never load at the same
// time. The PostgreSQL family takes an advisory lock on a session of its
// own; SQLite takes a file lock next to the database file. The loader falls
// back to a lease row in an xcetl_locks table for dialects without it.
//
// A lock must never block forever when its holder crashed: the server (a
// session lock ends with its session) or the kernel (a file lock ends with
// its process) must release it.
type Locker interface {
	// Lock takes the lock called name without waiting. When another holder
	// has it, the error is a *LockedError (which is an xcetl.ErrLocked)
	// that says who holds it and since when, as far as the database tells.
	// h describes this process; it is what a loser is shown.
	Lock(ctx context.Context, ep Endpoint, env Env, name string, h LockHolder) (Lock, error)
	// LockStatements lists, without connecting, what Lock, the checks and
	// Release run, for `xcetl explain`.
	LockStatements(ep Endpoint, env Env, name string) []Statement
}

// Lock is a held lock.
type Lock interface {
	// Check reports an error when the lock may have been lost (its session
	// died). The loader calls it every LockCheckInterval while a run goes
	// on, and stops the run when it fails.
	Check(ctx context.Context) error
	// Release gives the lock up and closes what Lock opened. It is called
	// once.
	Release(ctx context.Context) error
}

// LockCheckInterval is how often a held lock is checked during a run.
const LockCheckInterval = 30 * time.Second

// Endpoint is where a dialect connects: the configured DSN, or a *sql.DB
// that the program embedding xcetl owns (see DBOpener).
type Endpoint struct {
	// DSN is the secret DSN as configured ("" when DB is set).
	DSN string
	// DB, when not nil, is the program's pool; a dialect takes a connection
	// from it and gives it back, and never closes DB.
	DB *sql.DB
}

// LockHolder describes the process holding (or asking for) a lock.
type LockHolder struct {
	Host  string
	PID   int
	Since time.Time
	// Detail is what the database says when host and pid are unknown
	// (another user's session whose details it hides, say).
	Detail string
}

// String renders the holder as "host db1 pid 4242 since 2024-05-01 02:00:03
// +08:00 (5m0s ago)".
func (h LockHolder) String() string {
	var parts []string
	if h.Host != "" {
		parts = append(parts, "host "+h.Host)
	}
	if h.PID > 0 {
		parts = append(parts, "pid "+strconv.Itoa(h.PID))
	}
	if !h.Since.IsZero() {
		ago := time.Since(h.Since).Round(time.Second)
		if ago < 0 {
			ago = 0
		}
		parts = append(parts, fmt.Sprintf("since %s (%s ago)", h.Since.Local().Format("2006-01-02 15:04:05 -07:00"), ago))
	}
	if h.Detail != "" {
		parts = append(parts, h.Detail)
	}
	if len(parts) == 0 {
		return "an unknown holder"
	}
	return strings.Join(parts, " ")
}

// LockedError is returned by Lock when another run holds the lock.
type LockedError struct {
	// Name is the lock's name (the pipeline's).
	Name   string
	Holder LockHolder
	// Where names the lock for the operator who wants to look at it or
	// clear it: "advisory lock 123 in database x", "file /data/a.db.xcetl-p.lock".
	Where string
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("pipeline %s is locked by another run: %s", e.Name, e.Holder)
	if e.Where != "" {
		msg += " (" + e.Where + ")"
	}
	return msg
}

// Unwrap makes a LockedError an xcetl.ErrLocked (exit code 3).
func (e *LockedError) Unwrap() error { return xcetl.ErrLocked }

// DBOpener is implemented by dialects that can work on a *sql.DB owned by
// the program embedding xcetl instead of opening connections from a DSN.
// OpenDB takes one connection from db for the run (db.Conn) and gives it
// back on Close; it never closes db. db must have been opened with the
// driver the dialect expects (pgx's "pgx" stdlib driver for the PostgreSQL
// family, modernc.org/sqlite's "sqlite" for SQLite); otherwise OpenDB says
// which driver it needs.
type DBOpener interface {
	OpenDB(ctx context.Context, db *sql.DB, env Env) (Conn, error)
}
