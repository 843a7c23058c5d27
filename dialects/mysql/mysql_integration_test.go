package mysql

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
	"github.com/xcetl/xcetl/internal/mytest"
)

func TestMain(m *testing.M) { mytest.Main(m) }

func open(t *testing.T, dsn string) dialects.SourceConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dialect{}.OpenSource(ctx, dsn, dialects.SourceEnv{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// TestReadGridIntegration reads every table of the shared grid schema through the catalog
// and the type mapping and compares value by value.
func TestReadGridIntegration(t *testing.T) {
	dsn := mytest.LoadGrid(t)
	c := open(t, dsn)
	ctx := context.Background()
	for _, want := range mytest.Grid() {
		t.Run(want.Name, func(t *testing.T) {
			st, err := c.DescribeSource(ctx, dialects.Table{Name: want.Name})
			if err != nil || st == nil {
				t.Fatalf("describe: %v %v", st, err)
			}
			var exprs []string
			var reads []dialects.ColumnRead
			for _, col := range st.Columns {
				r, err := Dialect{}.ReadColumn(st.Table, col, dialects.ReadOptions{ZeroDates: dialects.ZeroDateNull})
				if err != nil {
					t.Fatal(err)
				}
				exprs = append(exprs, r.Expr)
				reads = append(reads, r)
			}
			q := dialects.NewSelect(Dialect{})
			order := []string{}
			for _, k := range st.PrimaryKey {
				order = append(order, Dialect{}.Quote(k))
			}
			rows, err := c.Stream(ctx, q.SQL(exprs, qualified(st.Table), order), q.Args()...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got [][]any
			for rows.Next() {
				vals := rows.Values()
				row := make([]any, len(vals))
				for i, v := range vals {
					if v == nil {
						continue
					}
					if row[i], err = reads[i].Decode(v); err != nil {
						t.Fatalf("column %s: %v", st.Columns[i].Name, err)
					}
				}
				got = append(got, row)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, col := range st.Columns {
				names = append(names, col.Name)
			}
			if !reflect.DeepEqual(names, want.Columns) {
				t.Fatalf("columns %v, want %v", names, want.Columns)
			}
			if len(got) != len(want.Rows) {
				t.Fatalf("%d rows, want %d", len(got), len(want.Rows))
			}
			for i := range got {
				for j := range got[i] {
					if !reflect.DeepEqual(got[i][j], want.Rows[i][j]) {
						t.Errorf("row %d column %s: got %#v, want %#v", i+1, names[j], got[i][j], want.Rows[i][j])
					}
				}
			}
		})
	}
}

// TestDescribeGridIntegration checks what migrate relies on: keys, indexes, foreign keys,
// identity, defaults, comments, character sets, MariaDB's JSON.
func TestDescribeGridIntegration(t *testing.T) {
	dsn := mytest.LoadGrid(t)
	c := open(t, dsn)
	ctx := context.Background()
	desc := func(name string) *dialects.SourceTable {
		st, err := c.DescribeSource(ctx, dialects.Table{Name: name})
		if err != nil || st == nil {
			t.Fatalf("describe %s: %v %v", name, st, err)
		}
		return st
	}
	res := desc("residents")
	if !reflect.DeepEqual(res.PrimaryKey, []string{"id"}) || !res.Columns[0].Identity || res.Engine != "InnoDB" || res.Charset != "utf8mb4" {
		t.Errorf("residents: pk %v identity %v engine %q charset %q", res.PrimaryKey, res.Columns[0].Identity, res.Engine, res.Charset)
	}
	wantIdx := []dialects.SourceIndex{{Name: "idx_district_name", Columns: []string{"district", "name"}}, {Name: "uk_id_card", Columns: []string{"id_card"}, Unique: true}}
	if !reflect.DeepEqual(res.Indexes, wantIdx) {
		t.Errorf("indexes %+v, want %+v", res.Indexes, wantIdx)
	}
	if len(res.ForeignKeys) != 1 || res.ForeignKeys[0].Name != "fk_residents_district" || res.ForeignKeys[0].RefTable.Name != "districts" ||
		!reflect.DeepEqual(res.ForeignKeys[0].RefColumns, []string{"code"}) || res.ForeignKeys[0].OnUpdate != "CASCADE" {
		t.Errorf("foreign keys %+v", res.ForeignKeys)
	}
	if d := res.Column("updated_at").Default; d == nil || *d != "current_timestamp()" {
		t.Errorf("updated_at default %v", d)
	}
	hm := desc("household_members")
	if !reflect.DeepEqual(hm.PrimaryKey, []string{"household_id", "member_no"}) || hm.ForeignKeys[0].OnDelete != "CASCADE" {
		t.Errorf("household_members: pk %v fks %+v", hm.PrimaryKey, hm.ForeignKeys)
	}
	if vl := desc("visit_log"); vl.PrimaryKey != nil || len(vl.Indexes) != 0 {
		t.Errorf("visit_log: pk %v indexes %v", vl.PrimaryKey, vl.Indexes)
	}
	at := desc("all_types")
	if at.Comment != "每种类型" || at.Column("name").Comment != "姓名" || at.Column("doc").NativeType != "json" ||
		at.Column("flag").NativeType != "tinyint(1)" || at.Column("ubig").NativeType != "bigint(20) unsigned" {
		t.Errorf("all_types: comment %q, name comment %q, doc %q, flag %q, ubig %q", at.Comment, at.Column("name").Comment,
			at.Column("doc").NativeType, at.Column("flag").NativeType, at.Column("ubig").NativeType)
	}
	if d := at.Column("code").Default; d == nil || *d != "'x'" || at.Column("code").Nullable {
		t.Errorf("code: default %v nullable %v", d, at.Column("code").Nullable)
	}
	if at.Column("name").Default != nil {
		t.Errorf("name has default %q, want none", *at.Column("name").Default)
	}
	if g := desc("residents_gbk"); g.Charset != "gbk" || g.Column("name").Charset != "gbk" {
		t.Errorf("residents_gbk charset %q / %q", g.Charset, g.Column("name").Charset)
	}
	if st, err := c.DescribeSource(ctx, dialects.Table{Name: "no_such_table"}); st != nil || err != nil {
		t.Errorf("missing table: %v %v", st, err)
	}
	tables, err := c.Tables(ctx, "")
	if err != nil || len(tables) != len(mytest.Grid()) {
		t.Errorf("tables %v %v", tables, err)
	}
}

func TestSourceConformanceIntegration(t *testing.T) {
	dsn := mytest.NewDatabase(t)
	sourcetest.Run(t, Dialect{}, dsn, func(t testing.TB, stmts ...string) { mytest.Exec(t, dsn, stmts...) })
}
