package dm8

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"sync"
)

// recorder is a database/sql driver that records what the dm8 dialect
// sends and answers catalog queries from a script. It checks what needs
// no DM8 server — statement order, transactions, placeholder counts,
// bound values — and nothing about how DM8 would execute them.
type recorder struct {
	mu  sync.Mutex
	log []string // statements, BEGIN/COMMIT/ROLLBACK, PREPARE
	// args of every Exec, in order.
	args [][]any
	// answer returns the rows for a query (nil, nil: no rows).
	answer func(query string, args []any) ([]string, [][]driver.Value, error)
	// fail returns an error for an Exec that must fail.
	fail func(query string, args []any) error
}

var (
	recordersMu sync.Mutex
	recorders   = map[string]*recorder{}
)

func init() { sql.Register("dm8rec", recDriver{}) }

type recDriver struct{}

func (recDriver) Open(dsn string) (driver.Conn, error) {
	recordersMu.Lock()
	defer recordersMu.Unlock()
	host := dsn[strings.Index(dsn, "@")+1:]
	host = strings.SplitN(host, ":", 2)[0]
	r, ok := recorders[host]
	if !ok {
		return nil, fmt.Errorf("no recorder for host %q", host)
	}
	return &recConn{r: r}, nil
}

func (r *recorder) add(s string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
	r.args = append(r.args, args)
}

// statements returns the log without the catalog queries.
func (r *recorder) statements() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.log {
		if !strings.HasPrefix(s, "SELECT") {
			out = append(out, s)
		}
	}
	return out
}

type recConn struct{ r *recorder }

func placeholders(q string) int {
	n, inStr := 0, false
	for _, c := range q {
		switch {
		case c == '\'':
			inStr = !inStr
		case c == '?' && !inStr:
			n++
		}
	}
	return n
}

func values(nv []driver.NamedValue) []any {
	out := make([]any, len(nv))
	for i, v := range nv {
		out[i] = v.Value
	}
	return out
}

func (c *recConn) check(q string, args []any) error {
	if n := placeholders(q); n != len(args) {
		return fmt.Errorf("recorder: %d placeholders, %d arguments in %s", n, len(args), q)
	}
	if len(args) > MaxParams {
		return fmt.Errorf("recorder: %d arguments, more than %d", len(args), MaxParams)
	}
	return nil
}

func (c *recConn) ExecContext(_ context.Context, q string, nv []driver.NamedValue) (driver.Result, error) {
	args := values(nv)
	if err := c.check(q, args); err != nil {
		return nil, err
	}
	c.r.add(q, args)
	if c.r.fail != nil {
		if err := c.r.fail(q, args); err != nil {
			return nil, err
		}
	}
	return driver.RowsAffected(1), nil
}

func (c *recConn) QueryContext(_ context.Context, q string, nv []driver.NamedValue) (driver.Rows, error) {
	args := values(nv)
	if err := c.check(q, args); err != nil {
		return nil, err
	}
	c.r.add(q, args)
	cols, rows, err := c.r.answer(q, args)
	if err != nil {
		return nil, err
	}
	if cols == nil {
		cols = []string{"X"}
		if len(rows) > 0 {
			cols = make([]string, len(rows[0]))
			for i := range cols {
				cols[i] = fmt.Sprintf("C%d", i+1)
			}
		}
	}
	return &recRows{cols: cols, rows: rows}, nil
}

func (c *recConn) Prepare(q string) (driver.Stmt, error) {
	c.r.add("PREPARE "+q, nil)
	return &recStmt{c: c, q: q}, nil
}
func (c *recConn) Close() error { return nil }
func (c *recConn) Begin() (driver.Tx, error) {
	c.r.add("BEGIN", nil)
	return recTx{c.r}, nil
}

type recTx struct{ r *recorder }

func (t recTx) Commit() error   { t.r.add("COMMIT", nil); return nil }
func (t recTx) Rollback() error { t.r.add("ROLLBACK", nil); return nil }

type recStmt struct {
	c *recConn
	q string
}

func (s *recStmt) Close() error  { return nil }
func (s *recStmt) NumInput() int { return placeholders(s.q) }
func (s *recStmt) Exec(args []driver.Value) (driver.Result, error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return s.c.ExecContext(context.Background(), "EXEC "+s.q, nv)
}
func (s *recStmt) Query(args []driver.Value) (driver.Rows, error) {
	return nil, fmt.Errorf("recorder: query through a prepared statement")
}

type recRows struct {
	cols []string
	rows [][]driver.Value
	i    int
}

func (r *recRows) Columns() []string { return r.cols }
func (r *recRows) Close() error      { return nil }
func (r *recRows) Next(dest []driver.Value) error {
	if r.i >= len(r.rows) {
		return io.EOF
	}
	copy(dest, r.rows[r.i])
	r.i++
	return nil
}
