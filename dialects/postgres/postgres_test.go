package postgres_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/dialects/postgres"
	"github.com/xcetl/xcetl/dialects/sourcetest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/load"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestGolden(t *testing.T) {
	dialecttest.Golden(t, postgres.Dialect, dialecttest.GoldenOptions{
		DSN:    "postgres://loader:S3cret-pw@db.example:5432/app",
		Update: *update,
		Extra: []dialecttest.Case{
			{Name: "append_binary", Target: "table: residents\ncopy_format: binary"},
			{Name: "append_text", Target: "table: residents\ncopy_format: text"},
			{Name: "upsert_binary", Target: "table: residents\nmode: upsert\nkey: [id]\ncopy_format: binary"},
			{Name: "replace_swap", Target: "table: '\"My Schema\".\"订单\"'\nmode: replace\nreplace_method: swap\ncreate: never"},
		},
	})
}

// The default (auto) COPY format is binary wherever every column has a
// binary encoding; the suite runs on it, on forced binary, and on text.
func TestConformanceIntegration(t *testing.T) {
	dialecttest.Run(t, postgres.Dialect, pgtest.NewDatabase(t))
}

func TestBinaryCopyConformanceIntegration(t *testing.T) {
	dialecttest.Run(t, postgres.Dialect, pgtest.NewDatabase(t), "copy_format: binary")
}

func TestTextCopyConformanceIntegration(t *testing.T) {
	dialecttest.Run(t, postgres.Dialect, pgtest.NewDatabase(t), "copy_format: text")
}

// TestCopyErrorNamesRowAndColumnIntegration checks that a value the server
// refuses in the middle of a COPY is traced back to its source line and
// column, for both COPY formats.
func TestCopyErrorNamesRowAndColumnIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	c, err := postgres.Dialect.Open(ctx, dsn, dialects.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.Exec(ctx, `CREATE TABLE typed (id bigint, "数量" bigint)`); err != nil {
		t.Fatal(err)
	}
	schema := &xcetl.Schema{Columns: []xcetl.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}},
		{Name: "数量", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
	}}
	// A text value for a bigint column: text COPY lets the server parse
	// it; binary COPY has no encoding for it, so auto falls back to text
	// and an explicit binary is refused before any row is sent.
	for _, format := range []string{"text", "auto", "binary"} {
		t.Run(format, func(t *testing.T) {
			n, err := config.Parse("t.yaml", []byte("type: postgres\ndsn: '"+dsn+"'\ntable: typed\ncopy_format: "+format), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := load.NewSQL(postgres.Dialect, n, load.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close(ctx)
			err = l.Open(ctx, schema)
			if format == "binary" {
				if err == nil || !strings.Contains(err.Error(), `column 数量 (int8 from string) has no binary encoding`) {
					t.Fatalf("open: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b := &xcetl.Batch{Schema: schema,
				Rows:   [][]any{{int64(1), "12"}, {int64(2), "x3"}},
				Origin: []xcetl.Origin{{File: "in.csv", Line: 2}, {File: "in.csv", Line: 3}}}
			if err := l.Prepare(b); err != nil {
				t.Fatal(err)
			}
			_, err = l.Write(ctx, b)
			if err == nil {
				// commit: run streams the batches into one COPY: the verdict
				// on the first batch's row may come with a later batch or at
				// the end, and must still name that batch, row and line.
				b2 := &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(3), "4"}}, Origin: []xcetl.Origin{{File: "in.csv", Line: 4}}}
				if err = l.Prepare(b2); err != nil {
					t.Fatal(err)
				}
				if _, err = l.Write(ctx, b2); err == nil {
					err = l.Commit(ctx)
				}
			}
			_ = l.Rollback(ctx)
			if err == nil {
				t.Fatal("loading \"x3\" into a bigint column succeeded")
			}
			want := `load typed: batch 1 row 2 (file in.csv line 3): column "数量": invalid input syntax for type bigint: "x3"`
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
			}
		})
	}
}

// TestUnstorableTextIsRejectedIntegration: NUL bytes and invalid UTF-8
// cannot be stored in PostgreSQL text; such rows are rejected with the
// reason, the rest of the batch is loaded, and for upsert the last
// storable row of a key wins.
func TestUnstorableTextIsRejectedIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	schema := &xcetl.Schema{Columns: []xcetl.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}},
		{Name: "txt", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true, Source: 1},
	}}
	for _, format := range []string{"text", "binary"} {
		t.Run(format, func(t *testing.T) {
			table := "unstorable_" + format
			n, err := config.Parse("t.yaml", []byte("type: postgres\ndsn: '"+dsn+"'\ntable: "+table+"\nmode: upsert\nkey: [id]\ncopy_format: "+format), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := load.NewSQL(postgres.Dialect, n, load.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close(ctx)
			if err := l.Open(ctx, schema); err != nil {
				t.Fatal(err)
			}
			b := &xcetl.Batch{Schema: schema,
				Rows:   [][]any{{int64(1), "ok"}, {int64(2), "first"}, {int64(2), "nul\x00byte"}, {int64(3), "bad \xff utf8"}, {int64(4), "中文"}},
				Origin: []xcetl.Origin{{Line: 2}, {Line: 3}, {Line: 4}, {Line: 5}, {Line: 6}}}
			if err := l.Prepare(b); err != nil {
				t.Fatal(err)
			}
			if len(b.Rejects) != 2 || b.Rejects[0].Origin.Line != 4 || !strings.Contains(b.Rejects[0].Reason, "NUL byte") ||
				b.Rejects[1].Origin.Line != 5 || !strings.Contains(b.Rejects[1].Reason, "UTF-8") || b.Rejects[0].Field != 2 {
				t.Errorf("rejects = %+v", b.Rejects)
			}
			if _, err := l.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			c, err := postgres.Dialect.Open(ctx, dsn, dialects.Env{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			rows, err := c.Query(ctx, "SELECT id, txt FROM "+table+" ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(rows); got != "[[1 ok] [2 first] [4 中文]]" {
				t.Errorf("table holds %s", got)
			}
		})
	}
}

func TestSourceConformanceIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	sourcetest.Run(t, postgres.Dialect, dsn, func(t testing.TB, stmts ...string) {
		t.Helper()
		ctx := context.Background()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		for _, s := range stmts {
			if _, err := c.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	})
}

func TestSourceGolden(t *testing.T) {
	sourcetest.GoldenCatalog(t, postgres.Dialect)
	sourcetest.GoldenTypes(t, postgres.Dialect, []string{"smallint", "integer", "bigint", "oid", "numeric(20,5)", "numeric", "money", "real",
		"double precision", "boolean", "date", "timestamp without time zone", "timestamp(3) without time zone", "timestamp with time zone",
		"timestamp(6) with time zone", "time without time zone", "interval", "character varying(64)", "character(6)", "text", "uuid", "json",
		"jsonb", "xml", "inet", "bytea", "integer[]", "text[]", "enum mood", "point", "tsvector", "int4range"})
}
