// Package csv is the `type: csv` source: delimited text files (one file or a
// glob) in UTF-8, GBK or GB18030, with exact line numbers for every row so
// that a reject report points at the line to fix.
//
// Bytes are decoded to UTF-8 before fields are split, because in GBK the
// second byte of a character can equal an ASCII delimiter such as '|'.
// Splitting is done by encoding/csv on the decoded stream.
package csv

import (
	"bytes"
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
	extract.Register("csv", New)
}

// sniffSize is how much of a file `encoding: auto` looks at. Large enough to
// catch the first non-ASCII text of almost any real export, small enough to
// cost nothing next to reading the file.
const sniffSize = 1 << 20

// Encoding names as DetectEncoding returns them.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF8BOM = "utf-8-bom"
	EncodingGB18030 = "gb18030"
	encodingGBK     = "gbk"
	encodingAuto    = "auto"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// DetectEncoding guesses the encoding of a file from its first bytes:
// "utf-8-bom" when it starts with a UTF-8 byte order mark, "utf-8" when the
// bytes are valid UTF-8 (a character cut off at the end of head is allowed,
// since head is usually a fixed-size prefix), and "gb18030" otherwise.
// GB18030 is a superset of GBK and GB2312, so it decodes files from any of
// them; it is what `encoding: auto` falls back to.
func DetectEncoding(head []byte) string {
	if bytes.HasPrefix(head, utf8BOM) {
		return EncodingUTF8BOM
	}
	if validUTF8Prefix(head) {
		return EncodingUTF8
	}
	return EncodingGB18030
}

// validUTF8Prefix reports whether b is valid UTF-8 up to a possibly
// incomplete last character.
func validUTF8Prefix(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		if !utf8.RuneStart(b[len(b)-k]) {
			continue
		}
		tail := b[len(b)-k:]
		if tail[0] < 0xC0 || utf8.FullRune(tail) {
			return false
		}
		return utf8.Valid(b[:len(b)-k])
	}
	return false
}

// spec is the YAML form of the source. With `header: true`, `columns`
// renames the header's columns by position (the file's own names are still
// used to match the files of a glob to each other); with `header: false` it
// names the fields.
type spec struct {
	Type       string   `yaml:"type"`
	Path       string   `yaml:"path,required"`
	Encoding   string   `yaml:"encoding"`
	Delimiter  *string  `yaml:"delimiter"`
	Header     *bool    `yaml:"header"`
	Columns    []string `yaml:"columns"`
	SkipRows   int      `yaml:"skip_rows"`
	NullValues []string `yaml:"null_values"`
	Quote      *string  `yaml:"quote"`
	TrimSpace  bool     `yaml:"trim_space"`
	// Incremental "files" skips files loaded by earlier runs (resume.go).
	Incremental string `yaml:"incremental"`
}

// settings is the checked configuration with defaults applied.
type settings struct {
	path       string // as written, relative to baseDir unless absolute
	baseDir    string
	encoding   string // auto | utf-8 | gbk | gb18030
	delim      rune
	quote      byte
	header     bool
	columns    []string
	skipRows   int
	nullEmpty  bool     // "" is a null value: the common case, checked without a loop
	nullOthers []string // the other null values
	trimSpace  bool
	manifest   bool // incremental: files — skip files loaded before
	position   bool // the target commits per batch: checkpoint the position reached
}

// New builds a csv source from its `source:` mapping. It checks the
// configuration only; files are looked at by Open.
func New(n *config.Node, env extract.Env) (extract.Extractor, error) {
	var sp spec
	errs := config.Decode(n, &sp)
	st := settings{
		path:      sp.Path,
		baseDir:   env.BaseDir,
		encoding:  encodingAuto,
		delim:     ',',
		quote:     '"',
		header:    true,
		columns:   sp.Columns,
		skipRows:  sp.SkipRows,
		nullEmpty: true,
		trimSpace: sp.TrimSpace,
		position:  env.CommitPerBatch,
	}
	at := func(key string) *config.Node {
		if v := n.Get(key); v != nil {
			return v
		}
		return n
	}

	if pn := n.Get("path"); pn != nil && pn.Kind == config.Scalar {
		if strings.TrimSpace(sp.Path) == "" {
			errs = append(errs, pn.Errorf("path must not be empty"))
		} else if _, err := filepath.Match(sp.Path, ""); err != nil {
			errs = append(errs, pn.Errorf("path %q is not a valid glob pattern: %v", sp.Path, err))
		}
	}
	if n.Get("encoding") != nil {
		enc, ok := normEncoding(sp.Encoding)
		if !ok {
			errs = append(errs, at("encoding").Errorf("unknown encoding %q%s; use one of: auto, utf-8, gbk, gb18030",
				sp.Encoding, xcetl.DidYouMean(sp.Encoding, []string{"auto", "utf-8", "gbk", "gb18030"})))
		}
		st.encoding = enc
	}
	if sp.Delimiter != nil {
		d, err := parseDelimiter(*sp.Delimiter)
		if err != nil {
			errs = append(errs, at("delimiter").Errorf("%v", err))
		}
		st.delim = d
	}
	if sp.Quote != nil {
		q := *sp.Quote
		switch {
		case len(q) != 1 || q[0] >= utf8.RuneSelf:
			errs = append(errs, at("quote").Errorf("quote must be a single ASCII character, got %q", q))
		case q[0] == '\r' || q[0] == '\n':
			errs = append(errs, at("quote").Errorf("quote cannot be a line break"))
		default:
			st.quote = q[0]
		}
	}
	if st.delim == rune(st.quote) {
		key := "delimiter"
		if sp.Quote != nil {
			key = "quote"
		}
		errs = append(errs, at(key).Errorf("delimiter and quote are both %s", strconv.Quote(string(st.delim))))
	}
	if sp.Header != nil {
		st.header = *sp.Header
	}
	if in := n.Get("incremental"); in != nil {
		switch {
		case in.Kind == config.Map:
			errs = append(errs, in.Errorf("incremental: {column: …} is for sources of rows (api); a csv source takes `incremental: files` (skip the files loaded by earlier runs)"))
		case sp.Incremental == "files":
			st.manifest = true
		default:
			errs = append(errs, in.Errorf("unknown incremental %q%s; a csv source takes `incremental: files` (skip the files loaded by earlier runs)",
				sp.Incremental, xcetl.DidYouMean(sp.Incremental, []string{"files"})))
		}
	}
	if sp.SkipRows < 0 {
		errs = append(errs, at("skip_rows").Errorf("skip_rows must be 0 or more, got %d", sp.SkipRows))
	}
	if cn := n.Get("columns"); cn != nil {
		errs = append(errs, extract.CheckColumns(cn, sp.Columns, "")...)
	} else if !st.header {
		errs = append(errs, at("header").Errorf("header: false needs `columns` to name the fields"))
	}
	if nn := n.Get("null_values"); nn != nil {
		switch {
		case nn.Kind == config.Null:
			errs = append(errs, nn.Errorf("null_values is empty; write a list of texts, e.g. [\"\", \"NULL\"] (quote NULL: unquoted it is YAML's null)"))
		case nn.Kind == config.List:
			for _, it := range nn.Items {
				if it.Kind == config.Null {
					errs = append(errs, it.Errorf("this item is YAML's null, not a text; quote it (\"NULL\") or write \"\" for empty cells"))
				}
			}
		}
		st.nullEmpty = false
		for _, v := range sp.NullValues {
			if v == "" {
				st.nullEmpty = true
			} else {
				st.nullOthers = append(st.nullOthers, v)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Extractor{st: st, log: log}, nil
}

// normEncoding maps the accepted spellings to auto | utf-8 | gbk | gb18030.
// GB2312 and CP936 are subsets of (or Microsoft's name for) GBK.
func normEncoding(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", encodingAuto:
		return encodingAuto, true
	case "utf-8", "utf8":
		return EncodingUTF8, true
	case encodingGBK, "gb2312", "cp936":
		return encodingGBK, true
	case EncodingGB18030:
		return EncodingGB18030, true
	}
	return "", false
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

// Describe returns one line for `xcetl explain`.
func (e *Extractor) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "csv %s (encoding %s, delimiter %s", e.st.path, e.st.encoding, strconv.Quote(string(e.st.delim)))
	if e.st.quote != '"' {
		fmt.Fprintf(&b, ", quote %s", strconv.Quote(string(rune(e.st.quote))))
	}
	if !e.st.header {
		fmt.Fprintf(&b, ", no header, columns %v", e.st.columns)
	} else if e.st.columns != nil {
		fmt.Fprintf(&b, ", header renamed to %v", e.st.columns)
	}
	if e.st.skipRows > 0 {
		fmt.Fprintf(&b, ", skip_rows %d", e.st.skipRows)
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
