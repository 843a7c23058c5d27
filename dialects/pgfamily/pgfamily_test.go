package pgfamily

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
)

func TestAppendCopyText(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		v    any
		k    xcetl.Kind
		want string
	}{
		{"null", nil, xcetl.KindString, `\N`},
		{"plain", "hello 世界", xcetl.KindString, "hello 世界"},
		{"empty", "", xcetl.KindString, ""},
		{"escapes", "a\tb\nc\rd\\e", xcetl.KindString, `a\tb\nc\rd\\e`},
		{"literal backslash N", `\N`, xcetl.KindString, `\\N`},
		{"end-of-data marker", `\.`, xcetl.KindString, `\\.`},
		{"other control bytes pass", "\x01\x0b\x0c", xcetl.KindString, "\x01\x0b\x0c"},
		{"int", int64(-9223372036854775808), xcetl.KindInt, "-9223372036854775808"},
		{"go int", 42, xcetl.KindInt, "42"},
		{"float", 0.1, xcetl.KindFloat, "0.1"},
		{"float exp", 1e21, xcetl.KindFloat, "1e+21"},
		{"nan", math.NaN(), xcetl.KindFloat, "NaN"},
		{"inf", math.Inf(1), xcetl.KindFloat, "Infinity"},
		{"-inf", math.Inf(-1), xcetl.KindFloat, "-Infinity"},
		{"decimal", xcetl.Decimal("-12.50"), xcetl.KindDecimal, "-12.50"},
		{"true", true, xcetl.KindBool, "t"},
		{"false", false, xcetl.KindBool, "f"},
		{"date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), xcetl.KindDate, "2024-02-29"},
		{"timestamp", time.Date(2024, 2, 29, 13, 14, 15, 120000000, time.UTC), xcetl.KindTimestamp, "2024-02-29 13:14:15.12"},
		{"timestamptz in UTC", time.Date(2024, 2, 29, 13, 14, 15, 0, cst), xcetl.KindTimestampTZ, "2024-02-29 05:14:15+00:00"},
		{"bytes", []byte{0, 0xab, '\\'}, xcetl.KindBytes, `\\x00ab5c`},
		{"empty bytes", []byte{}, xcetl.KindBytes, `\\x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendCopyText([]byte("prefix|"), tt.v, tt.k)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prefix|"+tt.want {
				t.Errorf("got %q, want %q", got, "prefix|"+tt.want)
			}
		})
	}
	if _, err := AppendCopyText(nil, struct{}{}, xcetl.KindString); err == nil {
		t.Error("a struct value was encoded")
	}
}

func TestAppendCopyTextDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 1024)
	// Values are boxed once, as they are in a batch.
	row := []any{"some text\twith a tab", int64(12345), xcetl.Decimal("1.50"), time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC), 3.5, []byte{1, 2}}
	kinds := []xcetl.Kind{xcetl.KindString, xcetl.KindInt, xcetl.KindDecimal, xcetl.KindTimestamp, xcetl.KindFloat, xcetl.KindBytes}
	allocs := testing.AllocsPerRun(100, func() {
		b := buf[:0]
		for j, v := range row {
			b, _ = AppendCopyText(b, v, kinds[j])
		}
	})
	if allocs > 0 {
		t.Errorf("%.0f allocations per row, want 0", allocs)
	}
}

func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "a\tb", `\N`, "x\r\n", "中文"} {
		f.Add(s)
	}
	f.Add("a\x00b")
	f.Add("bad \xff")
	f.Fuzz(func(t *testing.T, s string) {
		encb, ok := appendEscapedChecked(nil, s)
		if want := strings.IndexByte(s, 0) < 0 && utf8.ValidString(s); ok != want {
			t.Fatalf("storable(%q) = %v, want %v", s, ok, want)
		}
		enc := string(encb)
		if strings.ContainsAny(enc, "\t\n\r") {
			t.Fatalf("escaped %q still holds a delimiter: %q", s, enc)
		}
		if dec := unescape(enc); dec != s {
			t.Fatalf("round trip of %q gave %q", s, dec)
		}
	})
}

// unescape decodes COPY text escapes as the server does.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func TestCopyError(t *testing.T) {
	tests := []struct {
		where  string
		row    int
		column string
	}{
		{`COPY residents, line 3, column birth_date: "abc"`, 2, "birth_date"},
		{`COPY "weird, name", line 12`, 11, ""},
		{`COPY xcetl_stage_t, line 1, column 姓名: "x"`, 0, "姓名"},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			err := copyError(&pgconn.PgError{Message: "invalid input", Code: "22007", Where: tt.where})
			var re *dialects.RowError
			if !errors.As(err, &re) {
				t.Fatalf("%v is not a RowError", err)
			}
			if re.Row != tt.row || re.Column != tt.column {
				t.Errorf("row %d column %q, want %d %q", re.Row, re.Column, tt.row, tt.column)
			}
		})
	}
	if err := copyError(&pgconn.PgError{Message: "boom", Code: "XX000"}); errors.As(err, new(*dialects.RowError)) {
		t.Errorf("an error without line became a RowError: %v", err)
	}
}

var testDialect = New(Config{Name: "pgtest", Product: "PostgreSQL", Upsert: OnConflict})

func TestCheckIdent(t *testing.T) {
	tests := []struct {
		ident string
		ok    bool
	}{
		{"residents", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{strings.Repeat("列", 21), true}, // 63 bytes
		{strings.Repeat("列", 22), false},
		{"", false},
		{"a\x00b", false},
		{"\xff", false},
	}
	for _, tt := range tests {
		err := testDialect.CheckIdent(tt.ident)
		if (err == nil) != tt.ok {
			t.Errorf("CheckIdent(%q) = %v, want ok=%v", tt.ident, err, tt.ok)
		}
		if err != nil && len(tt.ident) > 63 && !strings.Contains(err.Error(), "at most 63 bytes") {
			t.Errorf("error %q does not explain the limit", err)
		}
	}
}

func TestStageName(t *testing.T) {
	if got := StageName("residents"); got != "xcetl_stage_residents" {
		t.Errorf("got %q", got)
	}
	long := StageName(strings.Repeat("表", 30))
	if len(long) > MaxIdentBytes || !strings.HasPrefix(long, "xcetl_stage_表") || strings.ContainsRune(long, 0xFFFD) {
		t.Errorf("long stage name %q (%d bytes)", long, len(long))
	}
}

func TestUpsertSQL(t *testing.T) {
	cols := []string{"id", "name", "score"}
	tests := []struct {
		style UpsertStyle
		key   []string
		cols  []string
		want  []string
		not   []string
	}{
		{OnConflict, []string{"id"}, cols, []string{`ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "score" = EXCLUDED."score"`}, []string{`"id" = EXCLUDED`}},
		{OnConflict, []string{"id", "name"}, []string{"id", "name"}, []string{`ON CONFLICT ("id", "name") DO NOTHING`}, []string{"DO UPDATE"}},
		{Merge, []string{"id"}, cols, []string{`ON (t."id" = s."id")`, `WHEN MATCHED THEN UPDATE SET "name" = s."name", "score" = s."score"`, `WHEN NOT MATCHED THEN INSERT ("id", "name", "score") VALUES (s."id", s."name", s."score")`}, []string{`SET "id"`, " AS "}},
		{Merge, []string{"id", "name"}, []string{"id", "name"}, []string{"WHEN NOT MATCHED"}, []string{"WHEN MATCHED THEN"}},
		{OnDuplicateKey, []string{"id"}, cols, []string{`ON DUPLICATE KEY UPDATE "name" = VALUES("name"), "score" = VALUES("score")`}, []string{`"id" = VALUES`}},
		{OnDuplicateKey, []string{"id"}, []string{"id"}, []string{"WHERE NOT EXISTS"}, []string{"ON DUPLICATE KEY"}},
	}
	for _, tt := range tests {
		t.Run(tt.style.String()+" "+strings.Join(tt.key, ","), func(t *testing.T) {
			got, err := upsertSQL(testDialect, tt.style, `"t"`, `"s"`, "", tt.cols, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s\ndoes not contain %s", got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("%s\ncontains %s", got, n)
				}
			}
		})
	}
	if _, err := upsertSQL(testDialect, OnConflict, `"t"`, `"s"`, "", cols, []string{"nope"}); err == nil {
		t.Error("a key that is not written was accepted")
	}
}

func TestCheckOption(t *testing.T) {
	bin := New(Config{Name: "b", Upsert: OnConflict, BinaryCopy: true, SwapReplace: true})
	for _, tt := range []struct {
		d     *Dialect
		key   string
		value string
		ok    bool
	}{
		{bin, "copy_format", "binary", true},
		{bin, "copy_format", "text", true},
		{bin, "copy_format", "csv", false},
		{testDialect, "copy_format", "binary", false},
		{testDialect, "nope", "x", false},
		{bin, "replace_method", "swap", true},
		{bin, "replace_method", "truncate", true},
		{bin, "replace_method", "rename", false},
		{testDialect, "replace_method", "swap", false},
		{testDialect, "replace_method", "truncate", true},
	} {
		if _, err := dialecttest.Options(tt.d, tt.key+": "+tt.value); (err == nil) != tt.ok {
			t.Errorf("%s option %s: %s: %v", tt.d.Name(), tt.key, tt.value, err)
		}
	}
}

// TestReplaceMethodNeedsReplace: replace_method with another mode is an
// error, not silently ignored.
func TestReplaceMethodNeedsReplace(t *testing.T) {
	bin := New(Config{Name: "b", Upsert: OnConflict, SwapReplace: true})
	tgt := dialects.Target{Table: dialects.Table{Name: "t"}, Columns: []dialects.Column{{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}}},
		Mode: dialects.Append, Options: &Options{ReplaceMethod: "swap"}}
	if _, err := bin.Explain(tgt); err == nil || !strings.Contains(err.Error(), "replace_method swap is for mode: replace") {
		t.Errorf("err = %v", err)
	}
	tgt.Mode = dialects.Replace
	stmts, err := bin.Explain(tgt)
	if err != nil || !strings.Contains(stmts[len(stmts)-1].SQL, `ALTER TABLE "xcetl_new_t" RENAME TO "t"`) {
		t.Errorf("swap statements %v (%v)", stmts, err)
	}
}

func TestColumnTypeCoversEveryKind(t *testing.T) {
	for k := xcetl.KindString; k <= xcetl.KindBytes; k++ {
		if _, err := testDialect.ColumnType(xcetl.Type{Kind: k, Precision: 10, Scale: 2}); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, err := testDialect.ColumnType(xcetl.Type{}); err == nil {
		t.Error("invalid kind mapped")
	}
	og := New(Config{Name: "og", Upsert: Merge, TextForVarchar: true})
	if got, _ := og.ColumnType(xcetl.Type{Kind: xcetl.KindString, Precision: 10}); got != "text" {
		t.Errorf("string(10) with TextForVarchar = %q, want text", got)
	}
}

func BenchmarkEncodeText(b *testing.B) {
	schema := &xcetl.Schema{}
	kinds := []xcetl.Kind{xcetl.KindInt, xcetl.KindString, xcetl.KindString, xcetl.KindString, xcetl.KindDate,
		xcetl.KindDecimal, xcetl.KindString, xcetl.KindTimestamp, xcetl.KindBool, xcetl.KindString}
	for i, k := range kinds {
		schema.Columns = append(schema.Columns, xcetl.Column{Name: "c" + string(rune('a'+i)), Type: xcetl.Type{Kind: k}})
	}
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = []any{int64(i), "110101199003077777", "张三丰", "13812345678", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC),
			xcetl.Decimal("1234.56"), "北京市东城区某某街道123号", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), true, "note"}
	}
	batch := &xcetl.Batch{Schema: schema, Rows: rows}
	w := &writer{p: &plan{}, kinds: kinds, names: schema.Names()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := w.Encode(batch, nil)
		if err != nil {
			b.Fatal(err)
		}
		bufPool.Put(p.(*copyPayload).buf)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

// TestAppendTimeMatchesAppendText checks the fast path against xcetl's
// reference formatting.
func TestAppendTimeMatchesAppendText(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("", -3*3600-1800), time.FixedZone("LMT", 8*3600+343)}
	r := uint64(42)
	next := func() uint64 { r ^= r << 13; r ^= r >> 7; r ^= r << 17; return r }
	for i := 0; i < 20000; i++ {
		sec := int64(next()%(400*365*86400)) - 200*365*86400 + 946684800
		ns := int64(next() % 1e9)
		if i%3 == 0 {
			ns = ns / 1e6 * 1e6
		}
		if i%5 == 0 {
			ns = 0
		}
		tm := time.Unix(sec, ns).In(zones[i%len(zones)])
		for _, k := range []xcetl.Kind{xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ} {
			ref := tm
			if k == xcetl.KindTimestampTZ {
				ref = tm.UTC()
			}
			want := string(xcetl.AppendText(nil, ref, k))
			if got := string(appendTime(nil, tm, k)); got != want {
				t.Fatalf("%v as %s: got %q, want %q", tm, k, got, want)
			}
		}
	}
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, want := string(appendTime(nil, far, xcetl.KindDate)), string(xcetl.AppendText(nil, far, xcetl.KindDate)); got != want {
		t.Errorf("year 10000: got %q, want %q", got, want)
	}
}

// TestGuardPlan: with Target.Guard a mode cdc plan stages the key hash and
// the version after the columns (before the op, as Encode writes them) and
// runs the guard statement after the COPY; a variant without ON CONFLICT,
// or a dialect not configured for it, refuses (the loader then guards).
func TestGuardPlan(t *testing.T) {
	g := &dialects.VersionGuard{Table: dialects.Table{Schema: "public", Name: "xcetl_cdc_key_versions"},
		KeyHash: "key_hash", Version: "version", Pipeline: "pipeline", UpdatedAt: "updated_at", PipelineName: "p"}
	tgt := dialects.Target{Table: dialects.Table{Schema: "public", Name: "t"}, Mode: dialects.CDC, Key: []string{"id"}, Guard: g,
		Columns: []dialects.Column{{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}}, {Name: "name", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true}}}
	d := New(Config{Name: "pgtest", Upsert: OnConflict, GuardCDC: true})
	p, err := d.plan(tgt, Variant{Upsert: OnConflict})
	if err != nil {
		t.Fatal(err)
	}
	if want := `("id", "name", "xcetl_key_hash", "xcetl_version", "xcetl_op")`; !strings.Contains(p.copy, want) {
		t.Errorf("copy %s, want the columns %s", p.copy, want)
	}
	for _, want := range []string{`ON CONFLICT ("key_hash") DO UPDATE`, `WHERE v."version" < EXCLUDED."version"`, `DELETE FROM "xcetl_stage_t" s`, `SELECT count(*) FROM stale`} {
		if !strings.Contains(p.guard, want) {
			t.Errorf("guard statement lacks %q:\n%s", want, p.guard)
		}
	}
	stmts := p.statements("")
	var order []string
	for _, s := range stmts {
		order = append(order, strings.Fields(s.SQL)[0])
	}
	if got := strings.Join(order, " "); got != "CREATE COPY WITH DELETE INSERT TRUNCATE" {
		t.Errorf("statements %s", got)
	}
	if _, err := d.plan(tgt, Variant{Upsert: Merge}); err == nil {
		t.Error("a MERGE variant accepted the guard")
	}
	if _, err := New(Config{Name: "other", Upsert: OnConflict}).plan(tgt, Variant{Upsert: OnConflict}); err == nil {
		t.Error("a dialect without GuardCDC accepted the guard")
	}
}
