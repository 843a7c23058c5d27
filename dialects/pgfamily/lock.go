package pgfamily

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The pipeline lock of the family is a session-level advisory lock
// (pg_try_advisory_lock) taken on a connection of its own that stays open
// for the whole run. The server releases it when that session ends, so a
// holder that crashed, was SIGKILLed or lost its network never blocks the
// next run for longer than the server needs to notice the dead session.
//
// Who holds it is told by the holder's session itself: its
// application_name is "xcetl <pid>@<host> <unix seconds>", which any session
// of the same database user reads from pg_stat_activity (joined to pg_locks
// by the server pid).

var _ dialects.Locker = (*Dialect)(nil)

// lockClass is the first word of the holder's application_name.
const lockClass = "xcetl"

// LockKey is the advisory lock key of the pipeline called name: the 64-bit
// FNV-1a hash of "xcetl/" + name.
func LockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("xcetl/" + name))
	return int64(h.Sum64())
}

const (
	lockSQL    = "SELECT pg_try_advisory_lock($1::bigint)"
	unlockSQL  = "SELECT pg_advisory_unlock($1::bigint)"
	checkSQL   = "SELECT 1"
	setAppSQL  = "SELECT set_config('application_name', $1, false)"
	resetAppSQ = "RESET application_name"
	// holderSQL finds the session holding the key: pg_locks shows a bigint
	// key as its high half in classid and low half in objid, objsubid 1.
	holderSQL = `SELECT l.pid, a.application_name, a.backend_start
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid::text = $1 AND l.objid::text = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`
)

// keyHalves returns the classid and objid pg_locks shows for key.
func keyHalves(key int64) (string, string) {
	u := uint64(key)
	return strconv.FormatUint(u>>32, 10), strconv.FormatUint(u&0xFFFFFFFF, 10)
}

// holderName is the application_name of a lock session (at most 63 bytes,
// the server's limit: the host is shortened to fit).
func holderName(h dialects.LockHolder) string {
	pre := lockClass + " " + strconv.Itoa(h.PID) + "@"
	suf := " " + strconv.FormatInt(h.Since.Unix(), 10)
	host := h.Host
	if room := MaxIdentBytes - len(pre) - len(suf); len(host) > room {
		host = host[:max(room, 0)]
	}
	return pre + host + suf
}

// parseHolder reads what holderName wrote; ok is false for another
// application's name.
func parseHolder(name string) (dialects.LockHolder, bool) {
	rest, ok := strings.CutPrefix(name, lockClass+" ")
	if !ok {
		return dialects.LockHolder{}, false
	}
	who, secs, ok := strings.Cut(rest, " ")
	if !ok {
		return dialects.LockHolder{}, false
	}
	pid, host, ok := strings.Cut(who, "@")
	if !ok {
		return dialects.LockHolder{}, false
	}
	p, err1 := strconv.Atoi(pid)
	s, err2 := strconv.ParseInt(secs, 10, 64)
	if err1 != nil || err2 != nil {
		return dialects.LockHolder{}, false
	}
	return dialects.LockHolder{Host: host, PID: p, Since: time.Unix(s, 0)}, true
}

// LockStatements implements dialects.Locker.
func (d *Dialect) LockStatements(_ dialects.Endpoint, _ dialects.Env, name string) []dialects.Statement {
	key := LockKey(name)
	k := strconv.FormatInt(key, 10)
	c, o := keyHalves(key)
	held := strings.NewReplacer("$1", "'"+c+"'", "$2", "'"+o+"'").Replace(holderSQL)
	return []dialects.Statement{
		{When: "once at start, on a session of its own kept open for the whole run (application_name 'xcetl <pid>@<host> <since>'; the server releases the lock when the session ends)",
			SQL: strings.Replace(lockSQL, "$1::bigint", k, 1)},
		{When: "only if the lock is taken: who holds it", SQL: held},
		{When: "every " + dialects.LockCheckInterval.String() + " during the run: is the lock session alive", SQL: checkSQL},
		{When: "at end, also after a failed run", SQL: strings.Replace(unlockSQL, "$1::bigint", k, 1)},
	}
}

// lockSession is the connection a lock lives on: a pgx connection of its
// own, or one taken from the program's *sql.DB.
type lockSession interface {
	queryRow(ctx context.Context, q string, args ...any) pgx.Row
	query(ctx context.Context, q string, args ...any) ([][]any, error)
	close(ctx context.Context) error
}

type pgxSession struct{ c *pgx.Conn }

func (s pgxSession) queryRow(ctx context.Context, q string, args ...any) pgx.Row {
	return s.c.QueryRow(ctx, q, args...)
}

func (s pgxSession) query(ctx context.Context, q string, args ...any) ([][]any, error) {
	rows, err := s.c.Query(ctx, q, append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		var r []any
		for _, v := range rows.RawValues() {
			if v == nil {
				r = append(r, nil)
			} else {
				r = append(r, string(v))
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s pgxSession) close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.c.Close(ctx)
}

// sqlSession is a lock session on a database/sql connection: taken from
// the program's pool (owned nil: given back, as found), or from a pool of
// its own opened with the dialect's database/sql driver (closed with it).
type sqlSession struct {
	c     *sql.Conn
	owned *sql.DB
}

func (s sqlSession) queryRow(ctx context.Context, q string, args ...any) pgx.Row {
	return s.c.QueryRowContext(ctx, q, args...)
}

func (s sqlSession) query(ctx context.Context, q string, args ...any) ([][]any, error) {
	rows, err := s.c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make([]any, len(cols))
		for i, v := range vals {
			if v.Valid {
				r[i] = v.String
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s sqlSession) close(ctx context.Context) error {
	if s.owned != nil {
		return errors.Join(s.c.Close(), s.owned.Close())
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// The connection goes back to the program's pool: leave it as found.
	_, err := s.c.ExecContext(ctx, resetAppSQ)
	return errors.Join(err, s.c.Close())
}

// openSQLSession opens the lock's session with the dialect's database/sql
// driver (a binary built with openGauss's own driver: the password method
// pgx cannot speak must work for the lock too).
func (d *Dialect) openSQLSession(ctx context.Context, full, app string) (sqlSession, error) {
	db, err := sql.Open(d.cfg.SQLDriver, full)
	if err != nil {
		return sqlSession{}, err
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return sqlSession{}, d.connectFailed(full, newScrubber(full), err)
	}
	s := sqlSession{c: c, owned: db}
	var ignored string
	if err := s.queryRow(ctx, setAppSQL, app).Scan(&ignored); err != nil {
		_ = s.close(ctx)
		return sqlSession{}, fmt.Errorf("set application_name: %w", describeError(err))
	}
	return s, nil
}

// Lock implements dialects.Locker.
func (d *Dialect) Lock(ctx context.Context, ep dialects.Endpoint, env dialects.Env, name string, h dialects.LockHolder) (dialects.Lock, error) {
	sc := newScrubber(ep.DSN)
	app := holderName(h)
	var s lockSession
	if ep.DB != nil {
		c, err := ep.DB.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: lock %s: take a connection from the program's pool: %w", d.cfg.Name, name, err)
		}
		s = sqlSession{c: c}
		var ignored string
		if err := s.queryRow(ctx, setAppSQL, app).Scan(&ignored); err != nil {
			_ = s.close(ctx)
			return nil, fmt.Errorf("%s: lock %s: set application_name: %w", d.cfg.Name, name, describeError(err))
		}
	} else if d.cfg.SQLDriver != "" {
		full := ApplyDSNDefaults(ep.DSN, d.cfg.DefaultPort, d.cfg.DefaultDatabase)
		ss, err := d.openSQLSession(ctx, full, app)
		if err != nil {
			var ce *dialects.ConnectError
			if errors.As(err, &ce) {
				return nil, err
			}
			return nil, scrubbed(sc, fmt.Errorf("%s: lock %s: connect to %s with driver %s: %w", d.cfg.Name, name, xcetl.RedactDSN(full), d.cfg.SQLDriver, err))
		}
		s = ss
	} else {
		full := ApplyDSNDefaults(ep.DSN, d.cfg.DefaultPort, d.cfg.DefaultDatabase)
		cfg, err := pgx.ParseConfig(full)
		if err != nil {
			return nil, d.badDSN(sc, err)
		}
		sc.Add(cfg.Password)
		cfg.RuntimeParams["application_name"] = app
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, d.connectError(full, sc, err)
		}
		s = pgxSession{c}
	}
	key := LockKey(name)
	var got bool
	if err := s.queryRow(ctx, lockSQL, key).Scan(&got); err != nil {
		_ = s.close(ctx)
		return nil, scrubbed(sc, fmt.Errorf("%s: lock %s: %w", d.cfg.Name, name, describeError(err)))
	}
	if got {
		return &advisoryLock{d: d, s: s, key: key, name: name, sc: sc}, nil
	}
	defer s.close(ctx)
	le := &dialects.LockedError{Name: name, Where: fmt.Sprintf("%s advisory lock %d; see pg_locks", d.cfg.Product, key)}
	c, o := keyHalves(key)
	rows, err := s.query(ctx, holderSQL, c, o)
	if err != nil {
		le.Holder.Detail = "holder unknown: " + scrubbed(sc, describeError(err)).Error()
		return nil, le
	}
	if len(rows) == 0 {
		// Released between our try and our look: say so rather than guess.
		le.Holder.Detail = "the holder released it a moment ago; run again"
		return nil, le
	}
	r := rows[0]
	app2, _ := r[1].(string)
	if hh, ok := parseHolder(app2); ok {
		le.Holder = hh
		return nil, le
	}
	pid, _ := r[0].(string)
	switch {
	case r[1] == nil:
		le.Holder.Detail = "server process " + pid + " (its details are hidden from this database user; see pg_stat_activity as a superuser)"
	default:
		le.Holder.Detail = fmt.Sprintf("server process %s, application %q", pid, app2)
		if since, ok := r[2].(string); ok {
			le.Holder.Detail += ", session started " + since
		}
	}
	return nil, le
}

// advisoryLock is a held advisory lock and its session.
type advisoryLock struct {
	d    *Dialect
	s    lockSession
	key  int64
	name string
	sc   *xcetl.Scrubber
}

// Check implements dialects.Lock: the lock lives as long as its session.
func (l *advisoryLock) Check(ctx context.Context) error {
	var one int
	if err := l.s.queryRow(ctx, checkSQL).Scan(&one); err != nil {
		return scrubbed(l.sc, fmt.Errorf("%s: the session holding the lock of %s failed; another run may take the lock: %w", l.d.cfg.Name, l.name, err))
	}
	return nil
}

// Release implements dialects.Lock.
func (l *advisoryLock) Release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var ok bool
	err := l.s.queryRow(ctx, unlockSQL, l.key).Scan(&ok)
	if err == nil && !ok {
		err = errors.New("the lock was not held any more")
	}
	if err != nil {
		err = scrubbed(l.sc, fmt.Errorf("%s: unlock %s: %w", l.d.cfg.Name, l.name, err))
	}
	return errors.Join(err, l.s.close(ctx))
}
