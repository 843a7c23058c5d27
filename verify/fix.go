package verify

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// fixData is what WriteFixSQL needs of a table: the target's dialect and
// columns, and the source's values of the rows to write.
type fixData struct {
	d     dialects.SourceDialect
	cs    dialects.Checksummer
	table string
	cols  []string // target names of the compared columns
	types []xcetl.Type
	key   []int
	// omit are the compared columns not written (hidden); notWritten
	// the target columns not compared, for the comment.
	omit       []bool
	notWritten []string
	inserts    [][]*string
	updates    []fixUpdate
	deletes    [][]string
}

type fixUpdate struct {
	key  []string
	cols []int
	vals []*string
}

func (c *comparer) fix() *fixData {
	if c.tr.fix == nil {
		f := &fixData{d: c.dst.d, cs: c.dst.cs, table: c.dst.q.From, cols: c.pl.tcols, types: c.dst.types, key: c.pl.key}
		for i, n := range c.pl.cols {
			f.omit = append(f.omit, slices.Contains(c.p.Hidden, n))
			if f.omit[i] {
				f.notWritten = append(f.notWritten, c.pl.tcols[i])
			}
		}
		f.notWritten = append(f.notWritten, c.pl.skipped...)
		slices.Sort(f.notWritten)
		c.tr.fix = f
	}
	return c.tr.fix
}

// WriteFixSQL writes the statements that would make each target table
// hold its source's rows, as far as verify found them (up to MaxDiffs
// per table): DELETE of extra keys, INSERT of missing rows, UPDATE of the
// differing columns, in the target's SQL with its quoting. Columns not
// compared or hidden are not written (a comment names them: a missing
// row gets their default; rerun the pipeline for those rows to fill
// them). Timestamps are UTC.
func (r *Result) WriteFixSQL(w io.Writer) error {
	var b strings.Builder
	b.WriteString("-- xcetl verify: statements that make the target tables match their sources\n")
	for _, t := range r.Tables {
		f := t.fix
		if f == nil {
			continue
		}
		fmt.Fprintf(&b, "\n-- %s: %d missing, %d extra, %d different", t.Name, len(t.Missing), len(t.Extra), len(t.Different))
		if t.Truncated {
			b.WriteString(" (more differences exist: raise --max-diffs)")
		}
		b.WriteString("\n")
		if len(f.notWritten) > 0 {
			fmt.Fprintf(&b, "-- not written (not compared or hidden): %s\n", strings.Join(f.notWritten, ", "))
		}
		if f.hiddenKey() {
			b.WriteString("-- a key column is hidden: no statements (they would show its values)\n")
			continue
		}
		for _, k := range f.deletes {
			fmt.Fprintf(&b, "DELETE FROM %s WHERE %s;\n", f.table, f.where(k))
		}
		for _, vals := range f.inserts {
			var cols, lits []string
			for i, v := range vals {
				if !f.omit[i] {
					cols, lits = append(cols, f.d.Quote(f.cols[i])), append(lits, f.literal(v, i))
				}
			}
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s);\n", f.table, strings.Join(cols, ", "), strings.Join(lits, ", "))
		}
		for _, u := range f.updates {
			var set []string
			for _, i := range u.cols {
				if !f.omit[i] {
					set = append(set, f.d.Quote(f.cols[i])+" = "+f.literal(u.vals[i], i))
				}
			}
			if len(set) > 0 {
				fmt.Fprintf(&b, "UPDATE %s SET %s WHERE %s;\n", f.table, strings.Join(set, ", "), f.where(u.key))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (f *fixData) literal(v *string, i int) string {
	if v == nil {
		return "NULL"
	}
	return f.cs.Literal(*v, f.types[i])
}

func (f *fixData) where(key []string) string {
	conds := make([]string, len(f.key))
	for j, i := range f.key {
		conds[j] = f.d.Quote(f.cols[i]) + " = " + f.cs.Literal(key[j], f.types[i])
	}
	return strings.Join(conds, " AND ")
}

func (f *fixData) hiddenKey() bool {
	for _, i := range f.key {
		if f.omit[i] {
			return true
		}
	}
	return false
}
