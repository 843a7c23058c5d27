// Package csv is the `type: csv` source: delimited text files (one file or a
// glob) in UTF-8, GBK, GB18030, Big5, windows-1252 or UTF-16, in the CSV
// dialects other programs write (RFC 4180 quotes, MySQL's backslash
// escapes, PostgreSQL's COPY text format), with exact line numbers for
// every row so that a reject report points at the line to fix.
//
// Bytes are decoded to UTF-8 before fields are split, because in GBK the
// second byte of a character can equal an ASCII delimiter such as '|'.
// Fields are split by the splitter in split.go, which keeps what
// encoding/csv loses: whether a field was quoted (`""` is the empty string,
// an empty unquoted field is matched against null_values) and the bytes
// inside quotes as written.
package csv

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.RegisterSpec("csv", config.Doc{
		Summary: "delimited text files (one file or a glob): CSV, MySQL's INTO OUTFILE / mysqldump --tab files, PostgreSQL's COPY text format; UTF-8, GBK, GB18030, Big5, windows-1252, UTF-16",
		Example: "type: csv\npath: data/residents-*.csv\nencoding: auto\nnull_values: [\"\", \"NULL\"]",
	}, New)
}

// Formats of `format:`.
const (
	formatCSV      = "csv"
	formatMySQL    = "mysql"
	formatPostgres = "postgres"
)

// DefaultMaxFieldSize is max_field_size when it is not set.
const DefaultMaxFieldSize = "16MiB"

// Spec is the configuration of a csv source. With `header: true`,
// `columns` renames the header's columns by position (the file's own names
// are still used to match the files of a glob to each other); with
// `header: false` it names the fields.
type Spec struct {
	Path     string `yaml:"path,required" doc:"a file, or a glob (*, ?, [a-z]), relative to the pipeline file's directory; files are read in lexical order" example:"data/residents-*.csv"`
	Format   string `yaml:"format" default:"csv" enum:"csv,mysql,postgres" doc:"csv: quotes as RFC 4180; mysql: SELECT … INTO OUTFILE and mysqldump --tab (TAB, backslash escapes, \\N is NULL); postgres: COPY … TO in text format (TAB, backslash escapes, \\N is NULL)"`
	Encoding string `yaml:"encoding" default:"auto" enum:"auto,utf-8,gbk,gb18030,big5,windows-1252,iso-8859-1,utf-16le,utf-16be,utf-16" enumalias:"utf8=utf-8,gb2312=gbk,cp936=gbk,cp950=big5,latin1=windows-1252,latin-1=windows-1252,cp1252=windows-1252,iso8859-1=iso-8859-1,iso-8859-1=iso-8859-1,utf16le=utf-16le,utf16be=utf-16be,utf16=utf-16,unicode=utf-16" doc:"auto decides per file from evidence (byte order mark, valid UTF-8, plausibly Chinese GB18030) or refuses the file; latin1 is windows-1252, as in MySQL and browsers; utf-16 takes the byte order from the byte order mark"`
	// Delimiter is "," (format csv) or TAB (mysql, postgres) when nil.
	Delimiter  *string  `yaml:"delimiter" doc:"one character; tab, \\t or \"\\t\" for TAB (default , for format csv, TAB for mysql and postgres)" example:"\"|\""`
	Header     *bool    `yaml:"header" default:"true" doc:"the first line (after skip_rows) names the columns; false: every line is data and columns names the fields"`
	Columns    []string `yaml:"columns" doc:"names of the fields with header: false; with header: true, renames the header's columns by position"`
	SkipRows   int      `yaml:"skip_rows" min:"0" doc:"physical lines to skip before the header (titles above the table)"`
	NullValues []string `yaml:"null_values" doctype:"list of strings" doc:"unquoted field texts that become NULL (default [\"\"] for format csv, [] for mysql and postgres, where \\N is NULL); a quoted field is never NULL unless quoted_nulls"`
	// nullValuesSet: null_values was written (an empty list is not the
	// default).
	QuotedNulls    bool   `yaml:"quoted_nulls" doc:"match quoted fields against null_values too (for programs that write NULL as \"\")"`
	Quote          string `yaml:"quote" doc:"the character that quotes fields, or none (default \" for format csv, none for mysql and postgres)" example:"\"'\""`
	QuotedNewlines string `yaml:"quoted_newlines" default:"keep" enum:"keep,lf" doc:"line breaks inside quoted fields: keep them as written (CRLF stays CRLF), or lf: CRLF becomes LF"`
	TrimSpace      bool   `yaml:"trim_space" doc:"remove white space around unquoted fields and around quotes; never inside quotes"`
	LazyQuotes     bool   `yaml:"lazy_quotes" doc:"a quote character inside an unquoted field, or not followed by a delimiter after a quoted one, is data (37°36'37.8\"N) instead of a reject"`
	Escape         string `yaml:"escape" doc:"format csv: a character that keeps the character after it (\\\" for a quote inside quotes, as PHP and Python's escapechar write); formats mysql and postgres always escape with \\" example:"'\\'"`
	Comment        string `yaml:"comment" doc:"lines starting with this character are skipped (not inside quoted fields)" example:"\"#\""`
	MissingFields  string `yaml:"missing_fields" default:"reject" enum:"reject,null" doc:"a row with fewer fields than the header: reject it, or null: fill the missing trailing fields with NULL (counted in the report as short_rows_filled)"`
	ExtraFields    string `yaml:"extra_fields" default:"reject" enum:"reject,drop_empty,drop" doc:"a row with more fields than the header: reject it; drop_empty: drop extra fields that are empty (a trailing delimiter), reject the row otherwise; drop: drop them whatever they hold (counted in the report as long_rows_cut)"`
	MaxFieldSize   string `yaml:"max_field_size" default:"16MiB" doc:"the longest field accepted, in bytes (KiB, MiB, GiB allowed); a longer field rejects its row naming file and line, and a record may be at most four times as long"`
	// Incremental "files" skips files loaded by earlier runs (resume.go).
	Incremental *config.Node `yaml:"incremental" doctype:"string" enum:"files" doc:"files: keep a manifest of the files loaded and skip them in later runs"`
}

// Check checks what tags cannot: the path, the characters, the columns.
func (sp *Spec) Check(c *config.Check) {
	if c.Has("path") || c.Self() == nil {
		if strings.TrimSpace(sp.Path) == "" {
			c.Errorf("path", "path must not be empty")
		} else if _, err := filepath.Match(sp.Path, ""); err != nil {
			c.Errorf("path", "path %q is not a valid glob pattern: %v", sp.Path, err)
		}
	}
	d := sp.delimiter()
	if sp.Delimiter != nil {
		if _, err := parseDelimiter(*sp.Delimiter); err != nil {
			c.Errorf("delimiter", "%v", err)
		} else if d == '\\' && sp.Format != formatCSV {
			c.Errorf("delimiter", "delimiter cannot be \\, the escape character of format %s", sp.Format)
		}
	}
	if c.Has("quote") && sp.Quote == "" {
		c.Errorf("quote", "quote is empty; write one character, or none for fields that are never quoted")
	}
	q, err := sp.quote()
	if err != nil {
		c.Errorf("quote", "%v", err)
	} else if q != 0 && d == rune(q) {
		key := "delimiter"
		if sp.Quote != "" {
			key = "quote"
		}
		c.Errorf(key, "delimiter and quote are both %s", strconv.Quote(string(d)))
	}
	if sp.Format == formatPostgres && q != 0 {
		c.Errorf("quote", "format postgres is COPY's text format, which has no quotes; for files written by COPY … (FORMAT csv) use format: csv")
	}
	if sp.Comment != "" {
		if len(sp.Comment) != 1 || sp.Comment[0] >= utf8.RuneSelf || sp.Comment[0] == '\n' || sp.Comment[0] == '\r' {
			c.Errorf("comment", "comment must be one ASCII character such as \"#\", got %q", sp.Comment)
		} else if rune(sp.Comment[0]) == d || sp.Comment[0] == q {
			c.Errorf("comment", "comment %q is also the delimiter or the quote", sp.Comment)
		}
	}
	if sp.Escape != "" {
		e := sp.Escape
		switch {
		case sp.Format != formatCSV && e != `\`:
			c.Errorf("escape", "format %s escapes with \\; escape is for format csv", sp.Format)
		case len(e) != 1 || e[0] >= utf8.RuneSelf || e[0] == '\n' || e[0] == '\r':
			c.Errorf("escape", "escape must be one ASCII character such as \\, got %q", e)
		case rune(e[0]) == d || e[0] == q:
			c.Errorf("escape", "escape %q is also the delimiter or the quote", e)
		}
	}
	if _, err := parseSize(sp.MaxFieldSize); err != nil {
		c.Errorf("max_field_size", "max_field_size %v", err)
	}
	sp.checkIncremental(c)
	sp.checkColumns(c)
	if nn := c.Node("null_values"); nn != nil && nn.Kind == config.Null {
		c.Errorf("null_values", "null_values is empty; write a list of texts, e.g. [\"\", \"NULL\"], or [] for none")
	}
}

func (sp *Spec) checkIncremental(c *config.Check) {
	in := sp.Incremental
	switch {
	case in == nil:
	case in.Kind == config.Map:
		c.Errorf("incremental", "incremental: {column: …} is for sources of rows (api); a csv source takes `incremental: files` (skip the files loaded by earlier runs)")
	case in.Kind == config.Scalar && in.Value == "files":
	default:
		c.Errorf("incremental", "unknown incremental %q%s; a csv source takes `incremental: files` (skip the files loaded by earlier runs)",
			in.Value, xcetl.DidYouMean(in.Value, []string{"files"}))
	}
}

func (sp *Spec) checkColumns(c *config.Check) {
	header := sp.Header == nil || *sp.Header
	if !c.Has("columns") {
		if !header {
			c.Errorf("header", "header: false needs `columns` to name the fields")
		}
		return
	}
	if len(sp.Columns) == 0 {
		c.Errorf("columns", "columns must list at least one name")
		return
	}
	seen := map[string]int{}
	for i, name := range sp.Columns {
		at := c.Item("columns", i)
		if strings.TrimSpace(name) == "" {
			c.ErrorfAt(at, "column name must not be empty")
			continue
		}
		if first, dup := seen[name]; dup {
			c.ErrorfAt(at, "duplicate column name %q (also columns[%d])", name, first)
			continue
		}
		seen[name] = i
	}
}

// delimiter is the configured delimiter, or the format's.
func (sp *Spec) delimiter() rune {
	if sp.Delimiter != nil {
		d, err := parseDelimiter(*sp.Delimiter)
		if err == nil {
			return d
		}
	}
	if sp.Format == formatMySQL || sp.Format == formatPostgres {
		return '\t'
	}
	return ','
}

// quote is the configured quote character (0 for none), or the format's.
func (sp *Spec) quote() (byte, error) {
	q := sp.Quote
	switch {
	case q == "" && sp.Format != formatMySQL && sp.Format != formatPostgres:
		return '"', nil
	case q == "" || strings.EqualFold(q, "none"):
		return 0, nil
	case len(q) != 1 || q[0] >= utf8.RuneSelf:
		return 0, fmt.Errorf("quote must be a single ASCII character or none, got %q", q)
	case q[0] == '\r' || q[0] == '\n':
		return 0, fmt.Errorf("quote cannot be a line break")
	case q[0] == '\\' && sp.Format != formatCSV:
		return 0, fmt.Errorf("quote cannot be the escape character \\")
	}
	return q[0], nil
}

// settings is the checked configuration with defaults applied.
type settings struct {
	path        string // as written, relative to baseDir unless absolute
	baseDir     string
	format      string
	encoding    string // auto or one of the Encoding names
	delim       rune
	split       splitConf
	header      bool
	columns     []string
	skipRows    int
	nullEmpty   bool     // "" is a null value: the common case, checked without a loop
	nullOthers  []string // the other null values
	quotedNulls bool
	fillMissing bool   // missing_fields: null
	extra       string // extra_fields
	manifest    bool   // incremental: files — skip files loaded before
	position    bool   // the target commits per batch: checkpoint the position reached
}

// New builds a csv source from its checked spec. Files are looked at by
// Open.
func New(sp *Spec, env extract.Env) (extract.Extractor, error) {
	st := settings{
		path:        sp.Path,
		baseDir:     env.BaseDir,
		format:      sp.Format,
		encoding:    sp.Encoding,
		delim:       sp.delimiter(),
		header:      sp.Header == nil || *sp.Header,
		columns:     sp.Columns,
		skipRows:    sp.SkipRows,
		quotedNulls: sp.QuotedNulls,
		fillMissing: sp.MissingFields == "null",
		extra:       sp.ExtraFields,
		manifest:    sp.Incremental != nil,
		position:    env.CommitPerBatch,
	}
	q, _ := sp.quote()
	maxField, _ := parseSize(sp.MaxFieldSize)
	st.split = splitConf{
		delim:      []byte(string(st.delim)),
		quote:      q,
		lazy:       sp.LazyQuotes,
		trim:       sp.TrimSpace,
		lfInQuotes: sp.QuotedNewlines == "lf",
		crlf:       sp.Format != formatMySQL,
		maxField:   int(maxField),
		maxRecord:  int(min(maxField*recordSizeFactor, 1<<40)),
		maxFields:  maxFieldsPerRecord,
	}
	if sp.Comment != "" {
		st.split.comment = sp.Comment[0]
	}
	switch {
	case sp.Format == formatMySQL:
		st.split.escapes, st.split.esc = mysqlEscapes, '\\'
	case sp.Format == formatPostgres:
		st.split.escapes, st.split.esc = postgresEscapes, '\\'
	case sp.Escape != "":
		st.split.escapes, st.split.esc = literalEscapes, sp.Escape[0]
	}
	nulls := sp.NullValues
	if nulls == nil && sp.Format == formatCSV {
		// null_values: [] decodes to an empty list, not to nil.
		nulls = []string{""}
	}
	for _, v := range nulls {
		if v == "" {
			st.nullEmpty = true
		} else {
			st.nullOthers = append(st.nullOthers, v)
		}
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Extractor{st: st, log: log}, nil
}

// parseDelimiter accepts one character, or `\t` / "tab" for TAB (YAML only
// turns "\t" into a TAB inside double quotes; people also write it bare).
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case `\t`, "tab":
		return '\t', nil
	}
	if utf8.RuneCountInString(s) != 1 {
		return ',', fmt.Errorf("delimiter must be a single character, got %q", s)
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '\r', '\n':
		return ',', fmt.Errorf("delimiter cannot be a line break")
	case utf8.RuneError, 0:
		return ',', fmt.Errorf("delimiter %q is not a usable character", s)
	}
	return r, nil
}

// Describe returns one line for `xcetl explain` and the report; after Open
// it says which encoding each file was read in and why.
func (e *Extractor) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "csv %s (", e.st.path)
	if e.st.format != formatCSV {
		fmt.Fprintf(&b, "format %s, ", e.st.format)
	}
	fmt.Fprintf(&b, "encoding %s, delimiter %s", e.encodingText(), strconv.Quote(string(e.st.delim)))
	switch q := e.st.split.quote; {
	case q == 0 && e.st.format == formatCSV:
		b.WriteString(", quote none")
	case q != 0 && q != '"':
		fmt.Fprintf(&b, ", quote %s", strconv.Quote(string(rune(q))))
	case q == '"' && e.st.format == formatMySQL:
		b.WriteString(`, quote "`)
	}
	if !e.st.header {
		fmt.Fprintf(&b, ", no header, columns %v", e.st.columns)
	} else if e.st.columns != nil {
		fmt.Fprintf(&b, ", header renamed to %v", e.st.columns)
	}
	if e.st.skipRows > 0 {
		fmt.Fprintf(&b, ", skip_rows %d", e.st.skipRows)
	}
	if e.st.quotedNulls {
		b.WriteString(", quoted fields may be NULL")
	}
	if e.st.fillMissing {
		b.WriteString(", missing trailing fields are NULL")
	}
	if e.st.extra != "reject" {
		fmt.Fprintf(&b, ", extra fields: %s", e.st.extra)
	}
	if e.st.manifest {
		b.WriteString(", incremental: files already loaded are skipped")
	}
	if e.st.position {
		b.WriteString(", resumable: a killed run continues after its last committed batch")
	}
	b.WriteByte(')')
	return b.String()
}

// encodingText is the configured encoding, and for auto what was decided.
func (e *Extractor) encodingText() string {
	if e.st.encoding != encodingAuto || len(e.decided) == 0 {
		return e.st.encoding
	}
	parts := make([]string, 0, len(e.decided))
	for i, d := range e.decided {
		if i == 3 && len(e.decided) > 4 {
			parts = append(parts, fmt.Sprintf("%d more files", len(e.decided)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s for %s: %s", d.Encoding, d.file, d.Reason))
	}
	return "auto → " + strings.Join(parts, "; ")
}

// encodingFixed reports whether the configured encoding is the one every
// file is read in (not decided per file: auto, or utf-16 by its byte order
// mark).
func (st *settings) encodingFixed() bool {
	return st.encoding != encodingAuto && st.encoding != encodingUTF16
}
