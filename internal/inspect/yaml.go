package inspect

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// PipelineOptions tune the starter pipeline.
type PipelineOptions struct {
	// Dir is the directory the pipeline file will be saved in: the data
	// file's path is written relative to it (pipeline paths are relative
	// to the pipeline file). With "", a relative path is written relative
	// to the current directory and an absolute one stays absolute.
	Dir string
	// Target is the target type: sqlite (the default, a file next to the
	// pipeline), or postgres, opengauss, kingbase or dm8 with the DSN
	// taken from ${XCETL_DSN}.
	Target string
}

// Targets lists the target types a starter pipeline can have.
var Targets = []string{"sqlite", "postgres", "opengauss", "kingbase", "dm8"}

// Pipeline returns a starter pipeline for the file: the source as sniffed,
// a cast of every column whose type is not string, and a target; the
// findings as comments at the top.
func (r *Report) Pipeline(o PipelineOptions) (string, error) {
	if o.Target == "" {
		o.Target = "sqlite"
	}
	known := false
	for _, t := range Targets {
		known = known || t == o.Target
	}
	if !known {
		return "", fmt.Errorf("unknown target %q%s (targets: %s)", o.Target, xcetl.DidYouMean(o.Target, Targets), strings.Join(Targets, ", "))
	}
	dataPath, err := relPath(r.File, o.Dir)
	if err != nil {
		return "", err
	}
	name := pipelineName(r.File)
	table := strings.ReplaceAll(name, "-", "_")
	if table == "" || table[0] >= '0' && table[0] <= '9' {
		table = "t_" + table
	}

	var b strings.Builder
	b.WriteString(r.Summary())
	b.WriteString("#\n# Review the types (and rename columns if you like), then:\n")
	b.WriteString("#   xcetl validate FILE && xcetl run FILE\n")
	fmt.Fprintf(&b, "version: 1\nname: %s\ndescription: %s\n\n", name, yamlValue("starter pipeline for "+filepath.Base(r.File)+" (xcetl inspect)"))
	b.WriteString("source:\n")
	switch r.Format {
	case "csv":
		enc := "utf-8"
		if r.Encoding == "gb18030" {
			enc = "gb18030"
		}
		fmt.Fprintf(&b, "  type: csv\n  path: %s\n  encoding: %s\n  delimiter: %s\n  header: %t\n",
			yamlValue(dataPath), enc, yamlValue(string(r.Delimiter)), r.Header)
		if r.SkipRows > 0 {
			fmt.Fprintf(&b, "  skip_rows: %d                  # title lines above the header\n", r.SkipRows)
		}
		if !r.Header {
			names := make([]string, len(r.Columns))
			for i, c := range r.Columns {
				names[i] = yamlValue(c.Name)
			}
			fmt.Fprintf(&b, "  columns: [%s]   # the file has no header: name the fields\n", strings.Join(names, ", "))
		}
	case "xlsx":
		fmt.Fprintf(&b, "  type: excel\n  path: %s\n  sheet: %s\n  header_row: %d\n", yamlValue(dataPath), yamlValue(r.Sheet), r.HeaderRow)
		if r.HeaderRows == 2 {
			b.WriteString("  header_rows: 2                # two header rows, joined as 上级_下级\n  merged: fill\n")
		}
		if r.SkipFooter > 0 {
			fmt.Fprintf(&b, "  skip_footer: %d                # the totals line at the end\n", r.SkipFooter)
		}
		if r.ColumnNames != nil {
			fmt.Fprintf(&b, "  columns: %s   # the header repeats names\n", flowList(r.ColumnNames))
		}
	}
	casts := 0
	for _, c := range r.Columns {
		if c.Type.Kind != xcetl.KindString {
			casts++
		}
	}
	if casts > 0 {
		b.WriteString("\ntransforms:\n  - cast:\n")
		for _, c := range r.Columns {
			if c.Type.Kind == xcetl.KindString {
				continue
			}
			if c.Format != "" {
				fmt.Fprintf(&b, "      %s: {to: %s, format: %s}\n", yamlString(c.Name), c.Type, yamlValue(c.Format))
			} else {
				fmt.Fprintf(&b, "      %s: %s\n", yamlString(c.Name), yamlString(c.Type.String()))
			}
		}
	}
	b.WriteString("\ntarget:\n")
	fmt.Fprintf(&b, "  type: %s\n", o.Target)
	if o.Target == "sqlite" {
		fmt.Fprintf(&b, "  dsn: %s.db\n", name)
	} else {
		b.WriteString("  dsn: \"${XCETL_DSN}\"          # set XCETL_DSN, or --set XCETL_DSN=...\n")
	}
	fmt.Fprintf(&b, "  table: %s\n", table)
	b.WriteString("  mode: replace                 # each run leaves exactly this file's rows; or append, upsert (with key)\n")
	b.WriteString("  create: if_missing\n")
	fmt.Fprintf(&b, "\nerrors:\n  max_rejects: 0")
	if r.Rejected > 0 {
		fmt.Fprintf(&b, "                # %d row(s) of the sample cannot be read (see above): fix them, or allow rejects", r.Rejected)
	}
	fmt.Fprintf(&b, "\n  reject_file: %s-rejects.csv\n", name)
	return b.String(), nil
}

// Summary is the findings as YAML comment lines.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# xcetl inspect %s\n", r.File)
	switch r.Format {
	case "csv":
		fmt.Fprintf(&b, "#   format:    CSV, encoding %s (%s), delimiter %s\n", r.Encoding, r.EncodingNote, delimName(r.Delimiter))
		if r.Header {
			fmt.Fprintf(&b, "#   header:    line %d", r.SkipRows+1)
		} else {
			b.WriteString("#   header:    none (the first line looks like data)")
		}
		if r.SkipRows > 0 {
			fmt.Fprintf(&b, "; %d title line(s) above it are skipped", r.SkipRows)
		}
		b.WriteString("\n")
	case "xlsx":
		names := make([]string, len(r.Sheets))
		for i, s := range r.Sheets {
			names[i] = s.Name
			if s.Kind != "" {
				names[i] += " (" + s.Kind + ")"
			}
		}
		fmt.Fprintf(&b, "#   format:    .xlsx workbook, sheets: %s\n", strings.Join(names, ", "))
		fmt.Fprintf(&b, "#   sheet:     %s, header in row %d", r.Sheet, r.HeaderRow)
		if r.HeaderRows == 2 {
			fmt.Fprintf(&b, " and %d (joined)", r.HeaderRow+1)
		}
		b.WriteString("\n")
	}
	if r.RowsExact {
		fmt.Fprintf(&b, "#   rows:      %d data rows (counted)\n", r.Rows)
	} else {
		fmt.Fprintf(&b, "#   rows:      about %d data rows (estimated: %s)\n", r.Rows, r.Estimate)
	}
	if r.Rejected > 0 {
		fmt.Fprintf(&b, "#   unreadable rows: %d, e.g.\n", r.Rejected)
		for _, s := range r.Rejects {
			fmt.Fprintf(&b, "#     %s\n", oneLine(s))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "#   note:      %s\n", oneLine(n))
	}
	fmt.Fprintf(&b, "#   columns:   %d (types inferred from %d rows)\n", len(r.Columns), r.Sampled)
	w := 0
	for _, c := range r.Columns {
		w = max(w, width(c.Name))
	}
	for _, c := range r.Columns {
		t := c.Type.String()
		if c.Format != "" {
			t += " (format " + c.Format + ")"
		}
		fmt.Fprintf(&b, "#     %s%s  %-16s", oneLine(c.Name), strings.Repeat(" ", w-width(c.Name)), t)
		if c.Example != "" {
			fmt.Fprintf(&b, " e.g. %s", clip(oneLine(c.Example), 30))
		}
		if c.Empty > 0 {
			fmt.Fprintf(&b, "  (%d empty)", c.Empty)
		}
		if c.Note != "" {
			fmt.Fprintf(&b, "  [%s]", c.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func delimName(d rune) string {
	switch d {
	case '\t':
		return "TAB"
	case ',':
		return `","`
	}
	return strconv.QuoteRune(d)
}

// width is the display width of s: CJK characters take two columns.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (unicode.Is(unicode.Han, r) || r >= 0xFF00 && r <= 0xFFEF || r >= 0x3000 && r <= 0x303F) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// relPath writes the data file's path relative to dir, with forward
// slashes; with dir "", relative to the current directory, or absolute if
// it was given so.
func relPath(file, dir string) (string, error) {
	if dir == "" {
		if filepath.IsAbs(file) {
			return filepath.ToSlash(file), nil
		}
		dir = "."
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absDir, absFile)
	if err != nil {
		return filepath.ToSlash(absFile), nil
	}
	return filepath.ToSlash(rel), nil
}

// pipelineName makes a pipeline name ([a-z0-9_-]+) from the file's base
// name; names without such characters (台账.xlsx) become "starter".
func pipelineName(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	s := strings.Trim(b.String(), "_-")
	if s == "" {
		return "starter"
	}
	return s
}

// yamlValue writes s as a YAML value: like yamlString, with "${" written
// "$${" so that interpolation gives s back.
func yamlValue(s string) string { return yamlString(strings.ReplaceAll(s, "${", "$${")) }

// yamlString writes s as a YAML scalar: plain when that reads back as the
// same string, else double-quoted.
func yamlString(s string) string {
	if plainOK(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7F {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainOK reports whether s can be written as a plain YAML scalar and read
// back as the same string (not a number, bool or null; no indicator
// characters).
func plainOK(s string) bool {
	if s == "" || strings.TrimSpace(s) != s {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf", "-.inf":
		return false
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return false
	}
	if _, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
		return false
	}
	// Only a conservative set of characters is left plain: letters
	// (Chinese included), digits and a little punctuation, starting with a
	// letter, digit or underscore. Everything else is quoted, which is
	// always correct.
	for i, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '_':
		case i > 0 && strings.ContainsRune("-./()（）、 ", r):
		default:
			return false
		}
	}
	if strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
		return false
	}
	// Dates and times are read as timestamps by some YAML parsers.
	if len(s) >= 8 && allDigits(s[:4]) && (s[4] == '-' || s[4] == ':') {
		return false
	}
	return true
}
