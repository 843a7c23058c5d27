package pipetest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl/config"
)

// diff compares what a case made with what it wants and returns every
// difference, one line each: a row or field that differs, a row missing or
// unexpected, a reject or the filtered count.
func diff(want *Want, got *Output) []string {
	var out []string
	for i := 0; i < max(len(want.Rows), len(got.Rows)); i++ {
		switch {
		case i >= len(got.Rows):
			out = append(out, fmt.Sprintf("rows[%d]: missing; want %s", i, rawText(want.Rows[i])))
		case i >= len(want.Rows):
			out = append(out, fmt.Sprintf("rows[%d]: unexpected %s", i, rowYAML(got.Columns, got.Rows[i])))
		default:
			out = append(out, diffRow(i, want.Rows[i], got.Columns, got.Rows[i])...)
		}
	}
	for i := 0; i < max(len(want.Rejects), len(got.Rejects)); i++ {
		switch {
		case i >= len(got.Rejects):
			out = append(out, fmt.Sprintf("rejects[%d]: missing; want %s", i, rejectYAML(want.Rejects[i])))
		case i >= len(want.Rejects):
			out = append(out, fmt.Sprintf("rejects[%d]: unexpected %s", i, rejectYAML(got.Rejects[i])))
		case want.Rejects[i] != got.Rejects[i]:
			out = append(out, fmt.Sprintf("rejects[%d]: want %s\n  got %s", i, rejectYAML(want.Rejects[i]), rejectYAML(got.Rejects[i])))
		}
	}
	if want.Filtered != got.Filtered {
		out = append(out, fmt.Sprintf("filtered: want %d, got %d", want.Filtered, got.Filtered))
	}
	return out
}

func diffRow(i int, want *config.Node, cols []string, got []*string) []string {
	var out []string
	if want.Kind != config.Map {
		return []string{fmt.Sprintf("rows[%d]: want a mapping of column: value, got a %s", i, want.Kind)}
	}
	seen := map[string]bool{}
	for _, e := range want.Entries {
		seen[e.Key] = true
		j := indexOf(cols, e.Key)
		if j < 0 {
			out = append(out, fmt.Sprintf("rows[%d].%s: no such column; the columns are %s", i, e.Key, strings.Join(cols, ", ")))
			continue
		}
		var w *string
		if e.Value.Kind != config.Null {
			v := e.Value.Value
			w = &v
		}
		if !same(w, got[j]) {
			out = append(out, fmt.Sprintf("rows[%d].%s: want %s, got %s", i, e.Key, show(w), show(got[j])))
		}
	}
	for j, c := range cols {
		if !seen[c] {
			out = append(out, fmt.Sprintf("rows[%d].%s: not in the test, got %s", i, c, show(got[j])))
		}
	}
	return out
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func same(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return strconv.Quote(*s)
}

// rowYAML writes a row as a flow mapping of a test file.
func rowYAML(cols []string, row []*string) string {
	parts := make([]string, len(cols))
	for j, c := range cols {
		v := "null"
		if row[j] != nil {
			v = scalar(*row[j])
		}
		parts[j] = scalar(c) + ": " + v
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func rejectYAML(r Reject) string {
	var parts []string
	if r.Line > 0 {
		parts = append(parts, "line: "+strconv.Itoa(r.Line))
	}
	if r.Record > 0 {
		parts = append(parts, "record: "+strconv.FormatInt(r.Record, 10))
	}
	if r.Column != "" {
		parts = append(parts, "column: "+scalar(r.Column))
	}
	parts = append(parts, "reason: "+scalar(r.Reason))
	return "{" + strings.Join(parts, ", ") + "}"
}

// scalar writes s plain when YAML reads it back as the same text, else
// double-quoted.
func scalar(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, ":#,[]{}&*!|>'\"%@`\\\n\t") || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "?") {
		return strconv.Quote(s)
	}
	switch strings.ToLower(s) {
	case "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n":
		return strconv.Quote(s)
	}
	return s
}

// rawText writes a node of the test file back in flow style.
func rawText(n *config.Node) string {
	switch n.Kind {
	case config.Null:
		return "null"
	case config.Scalar:
		return scalar(n.Value)
	case config.List:
		parts := make([]string, len(n.Items))
		for i, it := range n.Items {
			parts[i] = rawText(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	parts := make([]string, len(n.Entries))
	for i, e := range n.Entries {
		parts[i] = scalar(e.Key) + ": " + rawText(e.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// wantYAML writes what a case made as its `want:` block.
func wantYAML(got *Output, indent string) string {
	var b strings.Builder
	if len(got.Rows) == 0 {
		b.WriteString(indent + "rows: []\n")
	} else {
		b.WriteString(indent + "rows:\n")
		for _, r := range got.Rows {
			b.WriteString(indent + "  - " + rowYAML(got.Columns, r) + "\n")
		}
	}
	if len(got.Rejects) > 0 {
		b.WriteString(indent + "rejects:\n")
		for _, r := range got.Rejects {
			b.WriteString(indent + "  - " + rejectYAML(r) + "\n")
		}
	}
	if got.Filtered > 0 {
		fmt.Fprintf(&b, "%sfiltered: %d\n", indent, got.Filtered)
	}
	return b.String()
}
