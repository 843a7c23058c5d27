package dialects

import (
	"strconv"
	"strings"
)

// The SQL a source reads with, assembled from a dialect's quoting and
// placeholders. The statements are the same on every database that has
// LIMIT … OFFSET (MySQL, the PostgreSQL family, SQLite, DM8); a dialect
// whose syntax differs (Oracle) renders its own BoundarySQL.

// Select builds one SELECT with bind arguments numbered by a dialect's
// placeholders, in the order they are added.
type Select struct {
	d     SourceDialect
	args  []any
	conds []string
}

// NewSelect starts a SELECT for dialect d.
func NewSelect(d SourceDialect) *Select { return &Select{d: d} }

// Arg adds a bind argument and returns its placeholder.
func (q *Select) Arg(v any) string {
	q.args = append(q.args, v)
	return q.d.Placeholder(len(q.args))
}

// Where adds a condition (ANDed with the others). A condition written by
// the user goes in parentheses so that its OR cannot escape.
func (q *Select) Where(cond string) { q.conds = append(q.conds, "("+cond+")") }

// Args returns the bind arguments.
func (q *Select) Args() []any { return q.args }

// WhereSQL renders the conditions, "" without any.
func (q *Select) WhereSQL() string { return strings.Join(q.conds, " AND ") }

// SQL renders SELECT exprs FROM from WHERE … ORDER BY orderBy (each a
// quoted column).
func (q *Select) SQL(exprs []string, from string, orderBy []string) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(strings.Join(exprs, ", "))
	b.WriteString(" FROM ")
	b.WriteString(from)
	if len(q.conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(q.WhereSQL())
	}
	if len(orderBy) > 0 {
		b.WriteString(" ORDER BY ")
		b.WriteString(strings.Join(orderBy, ", "))
	}
	return b.String()
}

// KeyAfter returns the condition "(cols) > (vals)" in lexicographic order,
// written out as (c1 > v1) OR (c1 = v1 AND c2 > v2) … so that it works on
// databases without row comparison (Oracle, DM8). cols are quoted.
func (q *Select) KeyAfter(cols []string, vals []any) string {
	var or []string
	for i := range cols {
		var and []string
		for j := 0; j < i; j++ {
			and = append(and, cols[j]+" = "+q.Arg(vals[j]))
		}
		and = append(and, cols[i]+" > "+q.Arg(vals[i]))
		or = append(or, strings.Join(and, " AND "))
	}
	if len(or) == 1 {
		return or[0]
	}
	return "(" + strings.Join(or, ") OR (") + ")"
}

// MinMaxSQL returns SELECT MIN(col), MAX(col) FROM from [WHERE where].
func MinMaxSQL(from, col, where string) string {
	s := "SELECT MIN(" + col + "), MAX(" + col + ") FROM " + from
	if where != "" {
		s += " WHERE " + where
	}
	return s
}

// LimitOffsetBoundary is BoundarySQL for databases with LIMIT … OFFSET:
// the value of col offset rows after the argument (placeholder ph).
func LimitOffsetBoundary(from, col, where, ph string, offset int64) string {
	cond := col + " > " + ph
	if where != "" {
		cond += " AND " + where
	}
	return "SELECT " + col + " FROM " + from + " WHERE " + cond + " ORDER BY " + col +
		" LIMIT 1 OFFSET " + strconv.FormatInt(offset, 10)
}

// QualifiedSourceName renders t with d's quoting: `schema`.`table` or `table`.
func QualifiedSourceName(d SourceDialect, t Table) string {
	if t.Schema == "" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

// The conditions of chunks and watermarks, on a quoted column.

// After adds col > v (col >= v with inclusive).
func (q *Select) After(col string, v any, inclusive bool) {
	op := " > "
	if inclusive {
		op = " >= "
	}
	q.Where(col + op + q.Arg(v))
}

// AtMost adds col <= v.
func (q *Select) AtMost(col string, v any) { q.Where(col + " <= " + q.Arg(v)) }

// Null adds col IS NULL, or col IS NOT NULL.
func (q *Select) Null(col string, null bool) {
	if null {
		q.Where(col + " IS NULL")
	} else {
		q.Where(col + " IS NOT NULL")
	}
}
