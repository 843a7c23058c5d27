package opengauss_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/dialects/opengauss"
	"github.com/xcetl/xcetl/dialects/pgfamily"
	"github.com/xcetl/xcetl/internal/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/lib/pq"                // database/sql driver "postgres"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestGolden(t *testing.T) {
	dialecttest.Golden(t, opengauss.Dialect, dialecttest.GoldenOptions{
		DSN:    "postgres://gaussdb:S3cret-pw@og.example:5432/postgres",
		Update: *update,
	})
}

// TestConformanceIntegration runs the suite against PostgreSQL 15 as a
// stand-in for openGauss: the MERGE from a staging table and text COPY
// it uses are valid there. Nothing here proves openGauss itself.
func TestConformanceIntegration(t *testing.T) {
	dialecttest.Run(t, opengauss.Dialect, pgtest.NewDatabase(t))
}

// sqlDrivers are the database/sql drivers that run pgfamily's database/sql
// transport here — the transport a binary built with the opengauss tag
// uses with openGauss's own driver: pgx's (COPY data streamed through its
// pgx connection) and lib/pq, of which openGauss's driver is a fork that
// keeps the COPY statement protocol (pq.CopyIn: Prepare, one Exec per row,
// a final Exec) and the *pq.Error type.
var sqlDrivers = []string{"pgx", "postgres"}

// TestSQLDriverConformanceIntegration runs the suite on PostgreSQL 15
// through the database/sql transport. It proves the transport (database/sql
// transactions, COPY rows as statement arguments, errors read from
// *pq.Error, values turned back into text), not openGauss's driver itself,
// which cannot be downloaded here.
func TestSQLDriverConformanceIntegration(t *testing.T) {
	for _, drv := range sqlDrivers {
		t.Run(drv, func(t *testing.T) {
			d := opengauss.Dialect.WithSQLDriver(drv)
			dsn := pgtest.NewDatabase(t)
			c, err := d.Open(context.Background(), dsn, dialects.Env{})
			if err != nil {
				t.Fatal(err)
			}
			if typ := fmt.Sprintf("%T", c); typ != "*pgfamily.sqlConn" {
				t.Errorf("Open with driver %s made a %s, not the database/sql transport", drv, typ)
			}
			if v := c.(interface{ Variant() pgfamily.Variant }).Variant(); v.Upsert != pgfamily.Merge || v.EmptyIsNull != "" {
				t.Errorf("variant %+v, want MERGE with '' kept (PostgreSQL has no DBCOMPATIBILITY)", v)
			}
			if err := c.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			dialecttest.Run(t, d, dsn)
		})
	}
}

func TestSQLDriverErrorsIntegration(t *testing.T) {
	ctx := context.Background()
	for _, drv := range sqlDrivers {
		t.Run(drv, func(t *testing.T) {
			d := opengauss.Dialect.WithSQLDriver(drv)
			dsn := pgtest.NewDatabase(t)
			c, err := d.Open(ctx, dsn, dialects.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			// A server error keeps its SQLSTATE, detail and hint.
			err = c.Exec(ctx, "SELECT 1/0")
			if err == nil || !strings.Contains(err.Error(), "division by zero") || !strings.Contains(err.Error(), "SQLSTATE 22012") {
				t.Errorf("Exec(1/0) = %v, want the server's message with its SQLSTATE", err)
			}
			// COMMIT of a failed transaction is an error, not a silent ROLLBACK.
			if err := c.Exec(ctx, "CREATE TABLE og_tx (id bigint PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			if err := c.Begin(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Exec(ctx, "INSERT INTO og_tx VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			if err := c.Exec(ctx, "INSERT INTO og_tx VALUES (1)"); err == nil {
				t.Fatal("duplicate key accepted")
			}
			if err := c.Commit(ctx); err == nil {
				t.Error("COMMIT of a failed transaction reported success")
			}
			if err := c.Rollback(ctx); err != nil {
				t.Errorf("Rollback after the failed commit: %v", err)
			}
			rows, err := c.Query(ctx, "SELECT count(*) FROM og_tx")
			if err != nil || fmt.Sprint(rows) != "[[0]]" {
				t.Errorf("og_tx holds %v (%v), want nothing", rows, err)
			}
			// A context cancelled before Rollback still rolls back.
			if err := c.Begin(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Exec(ctx, "INSERT INTO og_tx VALUES (2)"); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := c.Rollback(cctx); err != nil {
				t.Errorf("Rollback with a cancelled context: %v", err)
			}
			rows, err = c.Query(ctx, "SELECT count(*) FROM og_tx")
			if err != nil || fmt.Sprint(rows) != "[[0]]" {
				t.Errorf("og_tx holds %v (%v) after the rollback, want nothing", rows, err)
			}
		})
	}
}

func TestSQLDriverConnectErrorHidesPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	for _, drv := range sqlDrivers {
		t.Run(drv, func(t *testing.T) {
			dsn := "postgres://omm:Very$ecretPass@" + addr + "/db?connect_timeout=2&sslmode=disable"
			_, err := opengauss.Dialect.WithSQLDriver(drv).Open(context.Background(), dsn, dialects.Env{})
			if err == nil {
				t.Fatal("connected to a closed port")
			}
			if strings.Contains(err.Error(), "Very$ecretPass") {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), "driver "+drv) {
				t.Errorf("error does not name the driver: %v", err)
			}
		})
	}
	_, err = opengauss.Dialect.WithSQLDriver("no-such-driver").Open(context.Background(), "postgres://u:Very$ecretPass@"+addr+"/db", dialects.Env{})
	if err == nil || !strings.Contains(err.Error(), `"no-such-driver"`) || strings.Contains(err.Error(), "Very$ecretPass") {
		t.Errorf("unknown driver: %v", err)
	}
}

func TestBinaryCopyRefused(t *testing.T) {
	_, err := dialecttest.Options(opengauss.Dialect, "copy_format: binary")
	if err == nil || !strings.Contains(err.Error(), "use text") {
		t.Fatalf("copy_format: binary: %v, want a refusal that says to use text", err)
	}
	if _, err := dialecttest.Options(opengauss.Dialect, "copy_format: text"); err != nil {
		t.Fatalf("copy_format text: %v", err)
	}
}

// fakeOpenGauss accepts one connection, reads the startup message and
// answers as openGauss does for a user whose password is stored with
// SHA256: an 'R' message with auth code 10 followed by openGauss's payload
// (password_stored_method, 64-byte random code, 8-byte token, iteration
// count) instead of PostgreSQL's list of SASL mechanisms.
func fakeOpenGauss(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				var hdr [8]byte
				if _, err := io.ReadFull(c, hdr[:]); err != nil {
					return
				}
				n := binary.BigEndian.Uint32(hdr[:4])
				if code := binary.BigEndian.Uint32(hdr[4:]); code == 80877103 { // SSLRequest: refuse
					_, _ = c.Write([]byte{'N'})
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					n = binary.BigEndian.Uint32(hdr[:4])
				}
				if _, err := io.CopyN(io.Discard, c, int64(n)-8); err != nil {
					return
				}
				payload := binary.BigEndian.AppendUint32(nil, 10)   // openGauss SHA256 (PostgreSQL: SASL)
				payload = binary.BigEndian.AppendUint32(payload, 2) // password_stored_method: sha256
				payload = append(payload, []byte(strings.Repeat("a1b2c3d4", 8))...)
				payload = append(payload, []byte("e5f6a7b8")...)
				payload = binary.BigEndian.AppendUint32(payload, 10000)
				msg := []byte{'R'}
				msg = binary.BigEndian.AppendUint32(msg, uint32(4+len(payload)))
				_, _ = c.Write(append(msg, payload...))
				_, _ = io.Copy(io.Discard, c)
			}(c)
		}
	}()
	return ln.Addr().String()
}

func TestSHA256AuthExplained(t *testing.T) {
	if opengauss.SQLDriver != "" {
		t.Skip("built with the opengauss tag: openGauss's driver speaks the SHA256 method")
	}
	addr := fakeOpenGauss(t)
	host, port, _ := net.SplitHostPort(addr)
	password := "Gauss-S3cret-pw"
	dsn := "postgres://omm:" + password + "@" + host + ":" + port + "/postgres?sslmode=disable&connect_timeout=5"
	_, err := opengauss.Dialect.Open(context.Background(), dsn, dialects.Env{})
	if err == nil {
		t.Fatal("connecting to the fake openGauss succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"SASL", "openGauss", "password_encryption_type=1", "ALTER USER", "md5", "pg_hba.conf"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, password) || strings.Contains(msg, "S3cret") {
		t.Errorf("error shows the password:\n%s", msg)
	}
}

func TestConnectErrorHidesPassword(t *testing.T) {
	t.Run("unescaped @ in the password", func(t *testing.T) {
		addr := fakeOpenGauss(t)
		_, err := opengauss.Dialect.Open(context.Background(), "postgres://omm:Gauss@S3cret-pw@"+addr+"/db?connect_timeout=2", dialects.Env{})
		if err == nil {
			t.Fatal("connected")
		}
		if strings.Contains(err.Error(), "S3cret") {
			t.Errorf("error shows part of the password: %v", err)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	dsn := "postgres://omm:Very$ecretPass@" + addr + "/db?connect_timeout=2"
	_, err = opengauss.Dialect.Open(context.Background(), dsn, dialects.Env{})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if strings.Contains(err.Error(), "Very$ecretPass") {
		t.Errorf("error shows the password: %v", err)
	}
	if strings.Contains(err.Error(), "SASL") || strings.Contains(err.Error(), "ALTER USER") {
		t.Errorf("a refused connection got the SHA256 explanation: %v", err)
	}
}

// TestDetectOnPostgreSQLIntegration: PostgreSQL has no sql_compatibility,
// so the dialect keeps the empty string apart from NULL and uses MERGE.
func TestDetectOnPostgreSQLIntegration(t *testing.T) {
	c, err := opengauss.Dialect.Open(context.Background(), pgtest.DSN(t), dialects.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	// The opengauss build tag swaps the transport: database/sql with
	// openGauss's driver instead of pgx.
	want := "*pgfamily.conn"
	if opengauss.SQLDriver != "" {
		want = "*pgfamily.sqlConn"
	}
	if typ := fmt.Sprintf("%T", c); typ != want {
		t.Errorf("Open made a %s, want %s (SQLDriver %q)", typ, want, opengauss.SQLDriver)
	}
	v := c.(interface{ Variant() pgfamily.Variant }).Variant()
	if v.Upsert != pgfamily.Merge || v.EmptyIsNull != "" {
		t.Errorf("variant %+v, want MERGE with '' kept", v)
	}
}

// TestCompatibilityModesIntegration runs what the A/B compatibility modes
// change on PostgreSQL 15 with the mode forced (PostgreSQL has neither):
// string(n) created as varchar(4n), and text that is not a number
// rejected before it reaches a numeric column (B mode would store 0).
func TestCompatibilityModesIntegration(t *testing.T) {
	for _, drv := range append([]string{""}, sqlDrivers...) {
		name := drv
		if name == "" {
			name = "pgx conn"
		}
		t.Run(name, func(t *testing.T) { testCompatibilityModes(t, drv) })
	}
}

func testCompatibilityModes(t *testing.T, drv string) {
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	d := opengauss.Dialect.WithVariant(pgfamily.Variant{Upsert: pgfamily.Merge, Label: "datcompatibility=B (forced)",
		VarcharBytes: true, StrictNumericText: "openGauss in B (MySQL) compatibility would store it as 0"}).WithSQLDriver(drv)
	c, err := d.Open(ctx, dsn, dialects.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	ddl, err := c.(dialects.TableCreator).CreateTable(dialects.Table{Name: "og_b"}, []dialects.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}},
		{Name: "name", Type: xcetl.Type{Kind: xcetl.KindString, Precision: 10}, Nullable: true},
		{Name: "qty", Type: xcetl.Type{Kind: xcetl.KindInt}, Nullable: true},
	}, []string{"id"})
	if err != nil || !strings.Contains(ddl, `"name" varchar(40)`) {
		t.Fatalf("create: %v\n%s", err, ddl)
	}
	if err := c.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	if err := c.Begin(ctx); err != nil { // COPY through lib/pq needs one, as every load has
		t.Fatal(err)
	}
	defer c.Rollback(ctx)
	// The pipeline loads qty as text (no cast): xcetl must check it.
	w, err := c.NewWriter(ctx, dialects.Target{Table: dialects.Table{Name: "og_b"}, Mode: dialects.Append, Columns: []dialects.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}, Base: "int8"},
		{Name: "name", Type: xcetl.Type{Kind: xcetl.KindString}, Base: "varchar", Nullable: true},
		{Name: "qty", Type: xcetl.Type{Kind: xcetl.KindString}, Base: "int8", Nullable: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	schema := &xcetl.Schema{Columns: []xcetl.Column{{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}}, {Name: "name", Type: xcetl.Type{Kind: xcetl.KindString}}, {Name: "qty", Type: xcetl.Type{Kind: xcetl.KindString}}}}
	b := &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(1), "一二三四五六七八九十", " 12 "}, {int64(2), "b", "12abc"}, {int64(3), "c", nil}}, Origin: make([]xcetl.Origin, 3)}
	if _, err := w.Encode(b, nil); !errors.Is(err, dialects.ErrCheckRows) {
		t.Fatalf("Encode = %v, want ErrCheckRows", err)
	}
	w.(dialects.RowChecker).CheckRows(b)
	b.Compact()
	if len(b.Rejects) != 1 || b.Rejects[0].Column != "qty" || !strings.Contains(b.Rejects[0].Reason, "would store it as 0") {
		t.Fatalf("rejects %+v", b.Rejects)
	}
	p, err := w.Encode(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, `SELECT count(*), sum(qty) FROM og_b`)
	if err != nil || fmt.Sprint(rows) != "[[2 12]]" {
		t.Errorf("table holds %v, %v; want 2 rows, qty sum 12", rows, err)
	}
}

// BenchmarkTransportIntegration loads 100k rows × 6 columns through the
// dialect's Writer on each transport (pgx; database/sql with pgx's driver;
// database/sql with lib/pq, the COPY protocol openGauss's driver keeps):
//
//	go run ./internal/pgtest/cmd/withpg -- go test ./dialects/opengauss -run '^$' -bench Transport -benchtime 3x
func BenchmarkTransportIntegration(b *testing.B) {
	const rows, per = 100_000, 5000
	dsn := pgtest.NewDatabase(b)
	ctx := context.Background()
	schema := &xcetl.Schema{}
	var cols []dialects.Column
	for i, k := range []string{"int", "string", "string", "decimal(10,2)", "timestamp", "bool"} {
		ty, _ := xcetl.ParseType(k)
		schema.Columns = append(schema.Columns, xcetl.Column{Name: fmt.Sprint("c", i), Type: ty, Nullable: i > 0})
		cols = append(cols, dialects.Column{Name: fmt.Sprint("c", i), Type: ty, Nullable: i > 0})
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var batches []*xcetl.Batch
	for start := 0; start < rows; start += per {
		bt := &xcetl.Batch{Schema: schema}
		for i := start; i < start+per; i++ {
			bt.Rows = append(bt.Rows, []any{int64(i), "张三", "北京市东城区景山前街4号\t乙", xcetl.Decimal("12.50"), base.Add(time.Duration(i) * time.Second), i%2 == 0})
		}
		batches = append(batches, bt)
	}
	for _, drv := range append([]string{""}, sqlDrivers...) {
		name := drv
		if name == "" {
			name = "pgx-conn"
		}
		b.Run(name, func(b *testing.B) {
			c, err := opengauss.Dialect.WithSQLDriver(drv).Open(ctx, dsn, dialects.Env{})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ctx)
			ddl, err := opengauss.Dialect.CreateTable(dialects.Table{Name: "bench_" + name}, cols, []string{"c0"})
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Exec(ctx, "DROP TABLE IF EXISTS "+dialects.QuoteDouble("bench_"+name)); err != nil {
				b.Fatal(err)
			}
			if err := c.Exec(ctx, strings.Replace(ddl, "CREATE TABLE", "CREATE UNLOGGED TABLE", 1)); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.Begin(ctx); err != nil {
					b.Fatal(err)
				}
				w, err := c.NewWriter(ctx, dialects.Target{Table: dialects.Table{Name: "bench_" + name}, Columns: cols, Mode: dialects.Append})
				if err != nil {
					b.Fatal(err)
				}
				for _, bt := range batches {
					p, err := w.Encode(bt, nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := w.Write(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
				if err := c.Rollback(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestSQLDriverLockIntegration: with a database/sql driver (openGauss's own
// in a tagged binary; lib/pq and pgx's stdlib stand in here) the pipeline
// lock connects through that driver too, so a password method only the
// driver speaks works for the lock as for the load. A second holder is
// refused with the first one's host and pid, and gets it once released.
func TestSQLDriverLockIntegration(t *testing.T) {
	for _, drv := range append(sqlDrivers, countingDriverName) {
		t.Run(drv, func(t *testing.T) {
			opens := countingOpens.Load()
			d := opengauss.Dialect.WithSQLDriver(drv)
			ep := dialects.Endpoint{DSN: pgtest.NewDatabase(t)}
			ctx := context.Background()
			first := dialects.LockHolder{Host: "host-a", PID: 4242, Since: time.Unix(1_700_000_000, 0)}
			l, err := d.Lock(ctx, ep, dialects.Env{}, "og-lock", first)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Check(ctx); err != nil {
				t.Fatal(err)
			}
			_, err = d.Lock(ctx, ep, dialects.Env{}, "og-lock", dialects.LockHolder{Host: "host-b", PID: 1, Since: time.Now()})
			var le *dialects.LockedError
			if !errors.As(err, &le) || le.Holder.Host != "host-a" || le.Holder.PID != 4242 {
				t.Fatalf("second lock: %v (holder %+v), want locked by host-a pid 4242", err, le)
			}
			if err := l.Release(ctx); err != nil {
				t.Fatal(err)
			}
			l2, err := d.Lock(ctx, ep, dialects.Env{}, "og-lock", first)
			if err != nil {
				t.Fatalf("after release: %v", err)
			}
			if err := l2.Release(ctx); err != nil {
				t.Fatal(err)
			}
			if drv == countingDriverName && countingOpens.Load() == opens {
				t.Error("the lock never connected through the dialect's database/sql driver")
			}
		})
	}
}

// countingDriver is lib/pq under another name, counting its connections:
// it shows which driver a session was opened with.
type countingDriver struct{ pq.Driver }

const countingDriverName = "xcetl-counting-pq"

var countingOpens atomic.Int64

func (d countingDriver) Open(name string) (driver.Conn, error) {
	countingOpens.Add(1)
	return d.Driver.Open(name)
}

func init() { sql.Register(countingDriverName, countingDriver{}) }
