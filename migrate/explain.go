package migrate

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// Explain writes the plan: per table the column mapping, the DDL before
// and after the data, and how it is loaded; then the foreign keys and the
// warnings. Nothing is written anywhere else; no secret is printed.
func (p *Plan) Explain(w io.Writer) error {
	f := p.File
	fmt.Fprintf(w, "migration %s: %s (%s, schema %q) → %s (%s, schema %q)\n", f.Spec.Name, p.Source.Product(),
		p.Source.RedactDSN(f.Spec.Source.DSN.Reveal()), f.Spec.Source.Schema, p.Target.Name(), "dsn redacted", f.Spec.Target.Schema)
	fmt.Fprintf(w, "%d table(s), %d at once; tables with a key resume by chunk (commit batch), others start again (commit run); state in table xcetl_migrations\n", len(p.Tables), f.Spec.Tables.Parallel)
	for _, tp := range p.Tables {
		fmt.Fprintln(w)
		p.explainTable(w, tp)
	}
	before, in, after := p.foreignKeyStatements()
	fmt.Fprintf(w, "\nafter every table's data: the foreign keys\n")
	for _, s := range append(append(before, in...), after...) {
		fmt.Fprintf(w, "  %s;\n", s.SQL)
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w, "\nwarnings:")
		for _, s := range p.Warnings {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	return nil
}

func (p *Plan) explainTable(w io.Writer, tp *TablePlan) {
	def := p.Definition(tp, len(p.Tables))
	fmt.Fprintf(w, "table %s → %s (pipeline %s, mode %s, commit %s", tp.Source.Table.Name, tp.Target, tp.State, tp.Override.Mode, tp.Commit())
	if tp.Override.Where != "" {
		fmt.Fprintf(w, ", where %s", tp.Override.Where)
	}
	if tp.Source.RowEstimate >= 0 {
		fmt.Fprintf(w, ", about %d rows", tp.Source.RowEstimate)
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintln(w, "  columns:")
	for _, c := range tp.Columns {
		mark := ""
		if t, ok := tp.Protected[c.Source]; ok {
			mark = " [" + t + "]"
		}
		fmt.Fprintf(w, "    %-14s %-26s → %-14s %s (%s)%s\n", c.Source, c.NativeType, c.Target, c.Type, c.Mapping, mark)
	}
	if len(def.Transforms) > 0 {
		names := make([]string, len(def.Transforms))
		for i, t := range def.Transforms {
			names[i] = t.Type
		}
		fmt.Fprintf(w, "  transforms: %s\n", strings.Join(names, ", "))
	}
	writeStmts(w, "before the data", tp.DDL.Create)
	writeStmts(w, "after the data", tp.DDL.After)
}

func writeStmts(w io.Writer, when string, stmts []dialects.Statement) {
	fmt.Fprintf(w, "  %s:\n", when)
	if len(stmts) == 0 {
		fmt.Fprintln(w, "    (nothing)")
	}
	for _, s := range stmts {
		fmt.Fprintf(w, "    %s;\n", strings.ReplaceAll(s.SQL, "\n", "\n    "))
	}
}

// DDL renders every statement of the plan in the order a migration runs
// them (before the data, after each table's data, the foreign keys), for
// golden files.
func (p *Plan) DDL() string {
	var b strings.Builder
	for _, tp := range p.Tables {
		fmt.Fprintf(&b, "-- %s → %s\n", tp.Source.Table.Name, tp.Target)
		for _, s := range append(append([]dialects.Statement{}, tp.DDL.Create...), tp.DDL.After...) {
			fmt.Fprintf(&b, "-- %s\n%s;\n", s.When, s.SQL)
		}
		b.WriteString("\n")
	}
	b.WriteString("-- foreign keys, after every table's data\n")
	before, in, after := p.foreignKeyStatements()
	for _, s := range append(append(before, in...), after...) {
		fmt.Fprintf(&b, "%s;\n", s.SQL)
	}
	if len(p.Warnings) > 0 {
		b.WriteString("\n-- warnings\n")
		ws := append([]string(nil), p.Warnings...)
		sort.Strings(ws)
		for _, s := range ws {
			fmt.Fprintf(&b, "-- %s\n", s)
		}
	}
	return b.String()
}
