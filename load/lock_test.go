package load_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	_ "github.com/xcetl/xcetl/dialects/postgres"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/load"
)

// plainDialect hides a dialect's optional capabilities (its own lock), so
// that the loader falls back to the lease row, as for DM8.
type plainDialect struct{ dialects.Dialect }

type lockCase struct {
	name, typ, dsn string
	lease          bool
}

func lockCases(t *testing.T) []lockCase {
	lite := filepath.Join(t.TempDir(), "lock.db")
	pg := pgtest.NewDatabase(t)
	return []lockCase{
		{"sqlite flock", "sqlite", lite, false},
		{"postgres advisory", "postgres", pg, false},
		{"sqlite lease", "sqlite", lite, true},
		{"postgres lease", "postgres", pg, true},
	}
}

func newLocker(t *testing.T, c lockCase, pipeline string) *load.SQL {
	t.Helper()
	d, ok := dialects.Lookup(c.typ)
	if !ok {
		t.Fatalf("dialect %s not registered", c.typ)
	}
	if c.lease {
		d = plainDialect{d}
	}
	l, err := load.NewSQL(d, parse(t, "type: "+c.typ+"\ndsn: "+c.dsn+"\ntable: t"), load.Env{Pipeline: pipeline})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLockIntegration: one holder at a time per pipeline name, the loser
// learns who holds it and since when, other pipelines are not blocked, and
// a released lock can be taken again.
func TestLockIntegration(t *testing.T) {
	for _, c := range lockCases(t) {
		t.Run(c.name, func(t *testing.T) {
			since := time.Now().Add(-90 * time.Second).Truncate(time.Second)
			a, err := newLocker(t, c, "p1").Lock(ctx, load.LockHolder{Host: "node-a", PID: 4242, Since: since})
			if err != nil {
				t.Fatal(err)
			}
			_, err = newLocker(t, c, "p1").Lock(ctx, load.LockHolder{Host: "node-b", PID: 7, Since: time.Now()})
			if !errors.Is(err, xcetl.ErrLocked) {
				t.Fatalf("second Lock: err = %v, want ErrLocked", err)
			}
			var le *dialects.LockedError
			if !errors.As(err, &le) || le.Holder.Host != "node-a" || le.Holder.PID != 4242 || !le.Holder.Since.Equal(since) {
				t.Errorf("holder = %+v (%v)", le, err)
			}
			for _, want := range []string{"pipeline p1 is locked by another run: host node-a pid 4242 since ", "1m3"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
			other, err := newLocker(t, c, "p2").Lock(ctx, load.LockHolder{Host: "node-b", PID: 7, Since: time.Now()})
			if err != nil {
				t.Fatalf("another pipeline is blocked: %v", err)
			}
			if err := other.Release(ctx); err != nil {
				t.Error(err)
			}
			if err := a.Release(ctx); err != nil {
				t.Fatal(err)
			}
			b, err := newLocker(t, c, "p1").Lock(ctx, load.LockHolder{Host: "node-b", PID: 7, Since: time.Now()})
			if err != nil {
				t.Fatalf("after release: %v", err)
			}
			select {
			case err := <-b.Lost():
				t.Fatalf("lock lost: %v", err)
			default:
			}
			if err := b.Release(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLeaseTakeoverIntegration: a lease whose holder stopped renewing it
// (crashed) is taken over once it expires, and the old holder, if it was
// only stuck, learns that it lost the lock.
func TestLeaseTakeoverIntegration(t *testing.T) {
	defer load.SetLeaseTiming(time.Second, time.Hour)()
	for _, c := range lockCases(t) {
		if !c.lease {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			stuck, err := newLocker(t, c, "p3").Lock(ctx, load.LockHolder{Host: "old", PID: 1, Since: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			defer stuck.Release(ctx)
			if _, err := newLocker(t, c, "p3").Lock(ctx, load.LockHolder{Host: "new", PID: 2, Since: time.Now()}); !errors.Is(err, xcetl.ErrLocked) {
				t.Fatalf("lease still valid: err = %v", err)
			}
			time.Sleep(1200 * time.Millisecond)
			next, err := newLocker(t, c, "p3").Lock(ctx, load.LockHolder{Host: "new", PID: 2, Since: time.Now()})
			if err != nil {
				t.Fatalf("expired lease not taken over: %v", err)
			}
			defer next.Release(ctx)
			// The old holder's next renewal finds the lease gone.
			defer load.SetLeaseTiming(time.Minute, 50*time.Millisecond)()
			again, err := newLocker(t, c, "p4").Lock(ctx, load.LockHolder{Host: "x", PID: 3, Since: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Release(ctx)
			select {
			case err := <-again.Lost():
				t.Fatalf("a renewed lease was lost: %v", err)
			case <-time.After(300 * time.Millisecond):
			}
		})
	}
}

// TestLeaseLostIntegration: a holder whose lease was taken over is told so
// by its next renewal.
func TestLeaseLostIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	c := lockCase{"postgres lease", "postgres", dsn, true}
	defer load.SetLeaseTiming(time.Second, 300*time.Millisecond)()
	a, err := newLocker(t, c, "p5").Lock(ctx, load.LockHolder{Host: "a", PID: 1, Since: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	// Another process steals the row, as a run that saw the lease expire
	// would.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "UPDATE xcetl_locks SET holder = 'someone-else' WHERE pipeline = 'p5'"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.Lost():
		if !strings.Contains(err.Error(), "taken over by another run") {
			t.Errorf("lost: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the holder did not notice that its lease was taken over")
	}
}

// TestRunStatements: explain lists the lock and run history statements.
func TestRunStatements(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []lockCase{{"sqlite", "sqlite", filepath.Join(dir, "x.db"), false}, {"sqlite lease", "sqlite", filepath.Join(dir, "x.db"), true}} {
		var sb strings.Builder
		for _, s := range newLocker(t, c, "p").RunStatements() {
			sb.WriteString(s.When + "\n" + s.SQL + "\n")
		}
		got := sb.String()
		want := []string{"flock(LOCK_EX|LOCK_NB) " + filepath.Join(dir, "x.db") + ".xcetl-p.lock", `INSERT INTO "xcetl_runs"`}
		if c.lease {
			want = []string{`CREATE TABLE "xcetl_locks"`, `UPDATE "xcetl_locks" SET "expires_ms" = ?`, `DELETE FROM "xcetl_locks"`, `INSERT INTO "xcetl_runs"`}
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: statements lack %q:\n%s", c.name, w, got)
			}
		}
	}
	_ = os.Remove(filepath.Join(dir, "x.db"))
}
