package xcetl

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the logical type of a column. It is what the pipeline author
// writes in `cast` and what dialects map to their own column types.
type Kind uint8

// The kinds xcetl knows. KindInvalid is the zero value and never valid in a
// schema.
const (
	KindInvalid Kind = iota
	KindString
	KindInt
	KindFloat
	KindDecimal
	KindBool
	KindDate
	KindTimestamp
	KindTimestampTZ
	KindBytes
)

var kindNames = [...]string{
	KindInvalid:     "invalid",
	KindString:      "string",
	KindInt:         "int",
	KindFloat:       "float",
	KindDecimal:     "decimal",
	KindBool:        "bool",
	KindDate:        "date",
	KindTimestamp:   "timestamp",
	KindTimestampTZ: "timestamptz",
	KindBytes:       "bytes",
}

// String returns the kind's name as written in pipeline files.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// TypeNames lists the type names accepted by ParseType, for error messages
// and suggestions.
var TypeNames = []string{"string", "int", "float", "decimal(p,s)", "bool", "date", "timestamp", "timestamptz", "bytes"}

// MaxDecimalPrecision is the largest precision accepted for decimal(p,s).
// 38 is the common ceiling of DM8, Oracle-compatible modes and SQL Server;
// PostgreSQL accepts more but a pipeline should load anywhere.
const MaxDecimalPrecision = 38

// Type is a column type: a kind plus, for decimals, precision and scale.
// For strings, Precision is an optional maximum length in characters
// (0 = unbounded).
type Type struct {
	Kind      Kind
	Precision int
	Scale     int
}

// String returns the type as written in pipeline files, e.g. "decimal(10,2)".
func (t Type) String() string {
	if t.Kind == KindDecimal {
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	}
	if t.Kind == KindString && t.Precision > 0 {
		return fmt.Sprintf("string(%d)", t.Precision)
	}
	return t.Kind.String()
}

// ParseType parses a type name as written in a pipeline: string, string(n),
// int, float, decimal(p,s), decimal(p), bool, date, timestamp, timestamptz,
// bytes. A few common aliases are accepted (integer, bigint, text, varchar,
// numeric, boolean, datetime, double).
func ParseType(s string) (Type, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	args := ""
	if i := strings.IndexByte(name, '('); i >= 0 {
		if !strings.HasSuffix(name, ")") {
			return Type{}, fmt.Errorf("type %q: missing \")\"", s)
		}
		args = strings.TrimSpace(name[i+1 : len(name)-1])
		name = strings.TrimSpace(name[:i])
	}
	var t Type
	switch name {
	case "string", "text", "varchar":
		t.Kind = KindString
	case "int", "integer", "bigint", "int64":
		t.Kind = KindInt
	case "float", "double", "float64", "real":
		t.Kind = KindFloat
	case "decimal", "numeric", "number":
		t.Kind = KindDecimal
	case "bool", "boolean":
		t.Kind = KindBool
	case "date":
		t.Kind = KindDate
	case "timestamp", "datetime":
		t.Kind = KindTimestamp
	case "timestamptz":
		t.Kind = KindTimestampTZ
	case "bytes", "blob", "bytea":
		t.Kind = KindBytes
	default:
		return Type{}, fmt.Errorf("unknown type %q (types: %s)", s, strings.Join(TypeNames, ", "))
	}
	if args == "" {
		if t.Kind == KindDecimal {
			// decimal without arguments: the widest portable decimal with a
			// scale that keeps money and measurements exact.
			t.Precision, t.Scale = MaxDecimalPrecision, 10
		}
		return t, nil
	}
	parts := strings.Split(args, ",")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return Type{}, fmt.Errorf("type %q: %q is not a non-negative whole number", s, strings.TrimSpace(p))
		}
		nums[i] = n
	}
	switch t.Kind {
	case KindDecimal:
		if len(nums) > 2 {
			return Type{}, fmt.Errorf("type %q: decimal takes (precision) or (precision,scale)", s)
		}
		t.Precision = nums[0]
		if len(nums) == 2 {
			t.Scale = nums[1]
		}
		if t.Precision < 1 || t.Precision > MaxDecimalPrecision {
			return Type{}, fmt.Errorf("type %q: precision must be 1..%d", s, MaxDecimalPrecision)
		}
		if t.Scale > t.Precision {
			return Type{}, fmt.Errorf("type %q: scale %d is larger than precision %d", s, t.Scale, t.Precision)
		}
	case KindString:
		if len(nums) != 1 || nums[0] < 1 {
			return Type{}, fmt.Errorf("type %q: string takes one positive length", s)
		}
		t.Precision = nums[0]
	default:
		return Type{}, fmt.Errorf("type %q: %s takes no arguments", s, t.Kind)
	}
	return t, nil
}

// Column is one column of a schema.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
	// Source is the 0-based position of the source field this column came
	// from (CSV field, sheet column), kept through renames and casts so a
	// reject can name the column of the input file. -1 for derived columns.
	Source int
}

// Schema describes every row of a batch. It is shared, never copied per row.
// A Schema must not be modified after a batch using it was sent on.
type Schema struct {
	Columns []Column
}

// NewStringSchema returns a schema of nullable string columns, one per name,
// with Source set to the position. Extractors of text sources use it.
func NewStringSchema(names []string) *Schema {
	s := &Schema{Columns: make([]Column, len(names))}
	for i, n := range names {
		s.Columns[i] = Column{Name: n, Type: Type{Kind: KindString}, Nullable: true, Source: i}
	}
	return s
}

// Index returns the position of the column called name, or -1.
func (s *Schema) Index(name string) int {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Clone returns a deep copy that can be modified freely.
func (s *Schema) Clone() *Schema {
	c := &Schema{Columns: make([]Column, len(s.Columns))}
	copy(c.Columns, s.Columns)
	return c
}

// StatKind says how a Stat behaves over time, as Prometheus sees it.
type StatKind uint8

// The stat kinds.
const (
	// Counter only grows during a run (events applied, duplicates skipped).
	Counter StatKind = iota
	// Gauge goes up and down (consumer lag, apply latency).
	Gauge
)

// Stat is one measurement a plugin reports beyond the engine's row counts:
// CDC events skipped as duplicates, Kafka consumer lag, API pages fetched.
type Stat struct {
	// Name is snake_case without a prefix (the report and the metrics add
	// their own): "events_skipped", "consumer_lag".
	Name string
	// Help is one line for the metrics' HELP text.
	Help  string
	Kind  StatKind
	Value float64
}

// Statser is implemented by sources, transforms and loaders that report
// stats. The engine collects them into the report at the end of a run, and
// a metrics endpoint may call Stats at any time while the run goes on, from
// another goroutine: implementations must be safe for that (atomics).
type Statser interface {
	Stats() []Stat
}
