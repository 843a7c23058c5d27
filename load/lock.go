package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// Locker is implemented by loaders that keep two runs of one pipeline from
// loading at the same time. The engine calls Lock before it opens the
// source or the target, and releases the lock after the run, also a failed
// one.
type Locker interface {
	// Lock takes the pipeline's lock without waiting. When another run
	// holds it the error wraps xcetl.ErrLocked (a *dialects.LockedError)
	// and says who holds it and since when. h describes this run.
	Lock(ctx context.Context, h dialects.LockHolder) (Lock, error)
}

// Lock is a held pipeline lock.
type Lock interface {
	// Lost receives an error if the lock is lost while the run goes on (its
	// database session died, its lease was taken over); the engine then
	// stops the run.
	Lost() <-chan error
	// Release gives the lock up. It is called once.
	Release(ctx context.Context) error
}

// RunStatementer is implemented by loaders that run statements around a
// run besides loading — the lock, the run history — for `xcetl explain`.
type RunStatementer interface {
	RunStatements() []Statement
}

var (
	_ Locker         = (*SQL)(nil)
	_ RunStatementer = (*SQL)(nil)
)

// Lease timing of the lock fallback (variables for tests).
var (
	// leaseTTL is how long a lease row stays valid without renewal: a
	// crashed holder blocks the pipeline for at most this long.
	leaseTTL = 2 * time.Minute
	// leaseRenew is how often a holder renews its lease.
	leaseRenew = dialects.LockCheckInterval
)

// Lock implements Locker. It uses the dialect's own lock (dialects.Locker:
// an advisory lock on the PostgreSQL family, a file lock for SQLite), and
// otherwise a lease row in the xcetl_locks table of the target's schema
// (DM8): a row per pipeline naming its holder and when the lease expires,
// renewed every 30 s and taken over by the next run once expired.
func (l *SQL) Lock(ctx context.Context, h dialects.LockHolder) (Lock, error) {
	name := l.env.Pipeline
	if name == "" {
		return nil, l.errorf("lock: the pipeline has no name")
	}
	var (
		dl  dialects.Lock
		err error
	)
	if lk, ok := l.d.(dialects.Locker); ok {
		dl, err = lk.Lock(ctx, l.endpoint(), l.dialectEnv(), name, h)
	} else {
		dl, err = l.lease(ctx, h)
	}
	if err != nil {
		var le *dialects.LockedError
		if errors.As(err, &le) || errors.Is(err, xcetl.ErrConnect) {
			// The root cause, as it is: who holds the lock, or why the
			// server could not be reached.
			return nil, err
		}
		return nil, l.errorf("lock: %w", err)
	}
	hl := &heldLock{dl: dl, lost: make(chan error, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go hl.watch(l.lockInterval())
	return hl, nil
}

func (l *SQL) lockInterval() time.Duration {
	if _, ok := l.d.(dialects.Locker); ok {
		return dialects.LockCheckInterval
	}
	return leaseRenew
}

// endpoint is where the dialect connects.
func (l *SQL) endpoint() dialects.Endpoint {
	if l.env.DB != nil {
		return dialects.Endpoint{DB: l.env.DB}
	}
	return dialects.Endpoint{DSN: l.s.dsn.Reveal()}
}

func (l *SQL) dialectEnv() dialects.Env {
	return dialects.Env{BaseDir: l.env.BaseDir, Logger: l.log, Options: l.s.options}
}

// connect opens a connection of the dialect: from the program's *sql.DB
// when one was given (dialects.DBOpener), else from the DSN.
func (l *SQL) connect(ctx context.Context) (dialects.Conn, error) {
	if l.env.DB != nil {
		o, ok := l.d.(dialects.DBOpener)
		if !ok {
			return nil, fmt.Errorf("the %s dialect cannot use a *sql.DB given by the program; give the target a dsn instead", l.d.Name())
		}
		return o.OpenDB(ctx, l.env.DB, l.dialectEnv())
	}
	return l.d.Open(ctx, l.s.dsn.Reveal(), l.dialectEnv())
}

// heldLock checks a dialect lock while the run goes on.
type heldLock struct {
	dl   dialects.Lock
	lost chan error
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func (h *heldLock) watch(every time.Duration) {
	defer close(h.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := h.dl.Check(ctx)
			cancel()
			if err != nil {
				h.lost <- fmt.Errorf("lost the pipeline lock: %w", err)
				return
			}
		}
	}
}

// Lost implements Lock.
func (h *heldLock) Lost() <-chan error { return h.lost }

// Release implements Lock.
func (h *heldLock) Release(ctx context.Context) error {
	var err error
	h.once.Do(func() {
		close(h.stop)
		<-h.done
		err = h.dl.Release(ctx)
	})
	return err
}

// The lease table: one row per pipeline holding its lock.
//
//	xcetl_locks(pipeline, holder, host, pid, since, expires_ms), primary key (pipeline)
//
// holder is a random token per run; expires_ms is the lease's end in Unix
// milliseconds by the holder's clock (hosts sharing a target need clocks
// within a fraction of the 2-minute lease of each other, as NTP keeps them).
const lockTableName = "xcetl_locks"

var lockColumnNames = [...]string{"pipeline", "holder", "host", "pid", "since", "expires_ms"}

type leaseSQL struct {
	create, sel, ins, takeover, renew, del string
}

func (l *SQL) lockTarget() (dialects.Table, []dialects.Column, []string) {
	t := dialects.Table{Schema: l.foldTable().Schema, Name: l.d.Fold(lockTableName)}
	types := [...]xcetl.Type{
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindString, Precision: 64},
		{Kind: xcetl.KindString, Precision: 255},
		{Kind: xcetl.KindInt},
		{Kind: xcetl.KindString, Precision: 64},
		{Kind: xcetl.KindInt},
	}
	cols := make([]dialects.Column, len(lockColumnNames))
	for i, n := range lockColumnNames {
		cols[i] = dialects.Column{Name: l.d.Fold(n), Type: types[i]}
	}
	return t, cols, []string{cols[0].Name}
}

func (l *SQL) leaseStatements() (leaseSQL, error) {
	var s leaseSQL
	t, cols, key := l.lockTarget()
	var err error
	if s.create, err = l.d.CreateTable(t, cols, key); err != nil {
		return s, err
	}
	name := dialects.QualifiedName(l.d, t)
	q := func(i int) string { return l.d.Quote(cols[i].Name) }
	ph := l.d.Placeholder
	s.sel = fmt.Sprintf("SELECT %s, %s, %s, %s, %s FROM %s WHERE %s = %s", q(1), q(2), q(3), q(4), q(5), name, q(0), ph(1))
	s.ins = fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s, %s, %s) VALUES (%s, %s, %s, %s, %s, %s)", name,
		q(0), q(1), q(2), q(3), q(4), q(5), ph(1), ph(2), ph(3), ph(4), ph(5), ph(6))
	s.takeover = fmt.Sprintf("UPDATE %s SET %s = %s, %s = %s, %s = %s, %s = %s, %s = %s WHERE %s = %s AND %s = %s", name,
		q(1), ph(1), q(2), ph(2), q(3), ph(3), q(4), ph(4), q(5), ph(5), q(0), ph(6), q(1), ph(7))
	s.renew = fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = %s AND %s = %s", name, q(5), ph(1), q(0), ph(2), q(1), ph(3))
	s.del = fmt.Sprintf("DELETE FROM %s WHERE %s = %s AND %s = %s", name, q(0), ph(1), q(1), ph(2))
	return s, nil
}

// RunStatements implements RunStatementer: the lock's statements (the
// dialect's, or the lease's) and the run history's.
func (l *SQL) RunStatements() []Statement {
	var out []Statement
	if lk, ok := l.d.(dialects.Locker); ok {
		for _, s := range lk.LockStatements(l.endpoint(), l.dialectEnv(), l.env.Pipeline) {
			out = append(out, Statement{When: "lock: " + s.When, SQL: s.SQL})
		}
	} else if s, err := l.leaseStatements(); err == nil {
		every := leaseRenew.String()
		out = append(out,
			Statement{When: "lock: once at start, on a connection of its own, if the lock table does not exist", SQL: s.create},
			Statement{When: "lock: once at start: the current lease, if any", SQL: s.sel},
			Statement{When: "lock: once at start, when there is no lease", SQL: s.ins},
			Statement{When: "lock: once at start, when the lease expired (its holder crashed): take it over, then read it back", SQL: s.takeover},
			Statement{When: "lock: every " + every + " during the run: renew the lease (" + leaseTTL.String() + "), then read it back", SQL: s.renew},
			Statement{When: "lock: at end, also after a failed run", SQL: s.del})
	}
	return append(out, l.runStatements()...)
}

// lease takes the lease row of the pipeline.
func (l *SQL) lease(ctx context.Context, h dialects.LockHolder) (dialects.Lock, error) {
	s, err := l.leaseStatements()
	if err != nil {
		return nil, err
	}
	c, err := l.connect(ctx)
	if err != nil {
		return nil, err
	}
	t, _, _ := l.lockTarget()
	ok := false
	defer func() {
		if !ok {
			_ = c.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := ensureTable(ctx, c, t, s.create); err != nil {
		return nil, fmt.Errorf("lock table %s: %w", t, err)
	}
	var tok [12]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	lk := &leaseLock{c: c, s: s, pipeline: l.env.Pipeline, token: hex.EncodeToString(tok[:]), table: t.String()}
	host := h.Host
	if len(host) > 255 {
		host = host[:255]
	}
	since := h.Since.UTC().Format(time.RFC3339)
	expires := func() int64 { return time.Now().Add(leaseTTL).UnixMilli() }
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := lk.read(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case cur == nil:
			// Two runs may insert at once: the primary key lets one win;
			// the loser reads the winner's row on the next attempt.
			if err := c.Exec(ctx, s.ins, lk.pipeline, lk.token, host, int64(h.PID), since, expires()); err != nil {
				if again, rerr := lk.read(ctx); rerr == nil && again != nil {
					continue
				}
				return nil, fmt.Errorf("insert lease: %w", err)
			}
		case cur.expiresMS > time.Now().UnixMilli():
			return nil, &dialects.LockedError{Name: lk.pipeline, Holder: cur.holder,
				Where: fmt.Sprintf("lease row in %s, valid until %s", t, time.UnixMilli(cur.expiresMS).Local().Format("15:04:05"))}
		default:
			l.log.Warn("taking over the lock of a run whose lease expired (it crashed or hangs)", "pipeline", lk.pipeline, "holder", cur.holder.String())
			if err := c.Exec(ctx, s.takeover, lk.token, host, int64(h.PID), since, expires(), lk.pipeline, cur.token); err != nil {
				return nil, fmt.Errorf("take over lease: %w", err)
			}
		}
		mine, err := lk.read(ctx)
		if err != nil {
			return nil, err
		}
		if mine != nil && mine.token == lk.token {
			ok = true
			return lk, nil
		}
		// Another run won the race; look again (it holds it now).
	}
	return nil, fmt.Errorf("could not take the lease in %s: other runs keep changing it", t)
}

// ensureTable creates a bookkeeping table if it does not exist.
func ensureTable(ctx context.Context, c dialects.Conn, t dialects.Table, create string) error {
	info, err := c.Describe(ctx, t)
	if err != nil || info != nil {
		return err
	}
	if cerr := c.Exec(ctx, create); cerr != nil {
		// Another run may have created it at the same moment.
		if info, err = c.Describe(ctx, t); err == nil && info != nil {
			return nil
		}
		return cerr
	}
	return nil
}

// leaseLock is a held lease row.
type leaseLock struct {
	c        dialects.Conn
	s        leaseSQL
	pipeline string
	token    string
	table    string
}

type leaseRow struct {
	token     string
	holder    dialects.LockHolder
	expiresMS int64
}

func (lk *leaseLock) read(ctx context.Context) (*leaseRow, error) {
	rows, err := lk.c.Query(ctx, lk.s.sel, lk.pipeline)
	if err != nil {
		return nil, fmt.Errorf("read lease: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	if len(r) != 5 {
		return nil, fmt.Errorf("read lease: got %d columns, want 5", len(r))
	}
	out := &leaseRow{token: textOf(r[0])}
	out.holder.Host = textOf(r[1])
	pid, _ := strconv.ParseInt(strings.TrimSpace(textOf(r[2])), 10, 64)
	out.holder.PID = int(pid)
	out.holder.Since, _ = time.Parse(time.RFC3339, textOf(r[3]))
	out.expiresMS, err = strconv.ParseInt(strings.TrimSpace(textOf(r[4])), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("read lease: expires_ms %q: %w", textOf(r[4]), err)
	}
	return out, nil
}

// Check implements dialects.Lock: renew the lease and make sure it is
// still ours.
func (lk *leaseLock) Check(ctx context.Context) error {
	if err := lk.c.Exec(ctx, lk.s.renew, time.Now().Add(leaseTTL).UnixMilli(), lk.pipeline, lk.token); err != nil {
		return fmt.Errorf("renew the lease in %s: %w", lk.table, err)
	}
	cur, err := lk.read(ctx)
	if err != nil {
		return err
	}
	if cur == nil || cur.token != lk.token {
		return fmt.Errorf("the lease in %s was taken over by another run (this run did not renew it in time)", lk.table)
	}
	return nil
}

// Release implements dialects.Lock.
func (lk *leaseLock) Release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := lk.c.Exec(ctx, lk.s.del, lk.pipeline, lk.token)
	if err != nil {
		err = fmt.Errorf("release the lease in %s: %w", lk.table, err)
	}
	return errors.Join(err, lk.c.Close(ctx))
}

// LockHolder describes the process holding (or asking for) a lock.
type LockHolder = dialects.LockHolder
