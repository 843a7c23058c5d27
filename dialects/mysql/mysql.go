// Package mysql is the source dialect of MySQL and MariaDB (`driver:
// mysql`): xcetl reads from them (the `type: sql` source, `xcetl migrate`,
// `xcetl verify`) but has no loader for them. It connects through
// github.com/go-sql-driver/mysql.
//
// Every session is set up for unambiguous values: the client character set
// is utf8mb4 (the server converts latin1, gbk and other column character
// sets to it), the session time zone is UTC (timestamp values arrive as
// instants; datetime values are wall-clock times and are not converted),
// the text protocol is used for every statement (interpolateParams), and
// net_write_timeout is raised so that a slow target does not make the
// server drop a streaming result.
//
// Reading is streamed: go-sql-driver/mysql reads a result set row by row
// from the connection, so memory stays flat whatever the table size.
//
// Snapshots: one reader runs in START TRANSACTION WITH CONSISTENT SNAPSHOT,
// READ ONLY at REPEATABLE READ. Several readers of one table share a point
// in time through a coordinator session that holds LOCK TABLES … READ on
// the table while every reader starts its snapshot, then unlocks: writers
// of that table wait for those milliseconds (and LOCK TABLES first waits
// for open transactions that wrote to it, up to lock_wait_timeout), so
// every reader's snapshot holds the same committed rows of the table. This
// holds for InnoDB tables; MyISAM and Aria have no snapshots (see
// docs/dialects.md).
package mysql

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

func init() { dialects.RegisterSource(Dialect{}) }

// Dialect is the MySQL/MariaDB source dialect.
type Dialect struct{}

var _ dialects.SourceDialect = Dialect{}

// Driver implements dialects.SourceDialect.
func (Dialect) Driver() string { return "mysql" }

// Product implements dialects.SourceDialect.
func (Dialect) Product() string { return "MySQL/MariaDB" }

// Quote implements dialects.SourceDialect: backquotes, doubled inside.
func (Dialect) Quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

// Placeholder implements dialects.SourceDialect.
func (Dialect) Placeholder(int) string { return "?" }

// ParseTable implements dialects.SourceDialect: [database.]table, each part
// optionally in backquotes (or double quotes, as the other dialects write
// names). Names are used exactly as written: MySQL's name case rules
// depend on lower_case_table_names, which xcetl does not second-guess.
func (Dialect) ParseTable(s string) (dialects.Table, error) {
	t, err := dialects.SplitTable(strings.ReplaceAll(backquotesToDouble(s), "``", "`"))
	if err != nil {
		return t, err
	}
	t.SchemaQuoted, t.NameQuoted = t.Schema != "", true
	return t, nil
}

// backquotesToDouble rewrites `a`.`b` as "a"."b" for SplitTable (a double
// quote inside backquotes is doubled).
func backquotesToDouble(s string) string {
	if !strings.Contains(s, "`") {
		return s
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`' && in && i+1 < len(s) && s[i+1] == '`':
			b.WriteString("``")
			i++
		case c == '`':
			in = !in
			b.WriteByte('"')
		case c == '"' && in:
			b.WriteString(`""`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Subquery implements dialects.SourceDialect.
func (Dialect) Subquery(query string) string { return "(" + query + ") AS xcetl_q" }

// BoundarySQL implements dialects.SourceDialect.
func (Dialect) BoundarySQL(from, col, where, ph string, offset int64) string {
	return dialects.LimitOffsetBoundary(from, col, where, ph, offset)
}

// ParseDSN reads a DSN in go-sql-driver/mysql's form
// (user:password@tcp(host:3306)/database?param=value) or as a URL
// (mysql://user:password@host:3306/database?param=value), and sets what
// xcetl's reading relies on.
func ParseDSN(dsn string) (*gomysql.Config, error) {
	if strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("bad mysql:// dsn: %w", redactErr(err, dsn))
		}
		cfg := gomysql.NewConfig()
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net, cfg.Addr = "tcp", u.Host
		if u.Port() == "" {
			cfg.Addr = u.Hostname() + ":3306"
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if q := u.RawQuery; q != "" {
			if _, err := gomysql.ParseDSN("/?" + q); err != nil {
				return nil, fmt.Errorf("bad dsn parameters: %w", err)
			}
			c2, _ := gomysql.ParseDSN("/?" + q)
			c2.User, c2.Passwd, c2.Net, c2.Addr, c2.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
			cfg = c2
		}
		return force(cfg, u.RawQuery)
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("bad dsn (write user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database): %w", redactErr(err, dsn))
	}
	_, query, _ := strings.Cut(dsn[strings.LastIndex(dsn, "/")+1:], "?")
	return force(cfg, query)
}

// force sets the connection parameters the decoders depend on; a DSN that
// asks for others is refused rather than silently overridden.
func force(cfg *gomysql.Config, query string) (*gomysql.Config, error) {
	if cfg.ParseTime {
		return nil, fmt.Errorf("dsn parameter parseTime=true is not supported: xcetl reads dates and times itself (zero dates, time zones)")
	}
	params, _ := url.ParseQuery(query)
	if cs := params.Get("charset"); cs != "" && !strings.HasPrefix(cs, "utf8mb4") {
		return nil, fmt.Errorf("dsn parameter charset=%s is not supported: xcetl reads in utf8mb4, and the server converts every column's character set to it", cs)
	}
	if _, ok := cfg.Params["time_zone"]; ok {
		return nil, fmt.Errorf("dsn parameter time_zone is not supported: xcetl reads timestamps in UTC")
	}
	cfg.Collation = "utf8mb4_general_ci"
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC // time.Time arguments are written in UTC, the session's time zone
	cfg.MultiStatements = false
	return cfg, nil
}

// CheckDSN implements dialects.SourceDialect.
func (Dialect) CheckDSN(dsn string) error {
	_, err := ParseDSN(dsn)
	return err
}

// RedactDSN implements dialects.SourceDialect.
func (Dialect) RedactDSN(dsn string) string {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return xcetl.RedactDSN(dsn)
	}
	out := cfg.User
	if cfg.Passwd != "" {
		out += ":***"
	}
	return out + "@" + cfg.Net + "(" + cfg.Addr + ")/" + cfg.DBName
}

// redactErr removes the DSN's password from a parse error.
func redactErr(err error, dsn string) error {
	var sc xcetl.Scrubber
	sc.AddDSN(dsn)
	return sc.ScrubError(err)
}

// quoteString renders s as a MySQL string literal (for catalog defaults).
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
