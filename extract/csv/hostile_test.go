package csv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/hostile"
)

// hostileCase is a crafted file: make writes it (streaming: the writer's
// memory does not count against the reader) and cfg configures the source.
type hostileCase struct {
	name string
	cfg  string
	make func(w *bufio.Writer)
	lim  hostile.Limits
	// wantRejects, when >= 0, is how many rejects reading must give.
	wantRejects int
	// limited: the rejects are of a field past max_field_size at line 2.
	limited bool
}

const tenMB = 10 << 20

func repeat(w *bufio.Writer, s string, total int) {
	for n := 0; n < total; n += len(s) {
		w.WriteString(s)
	}
}

// TestHostileFiles: issue 11, section 2. Every crafted file under 10 MB is
// read or refused within 300 MB peak RSS and 30 s (hostile.Check runs each
// in a child process), a field past max_field_size is one reject naming
// file and line, and memory stays a small multiple of that limit however
// long the field is.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10 MB files and reads each in a child process; run by make test")
	}
	cases := []hostileCase{
		{name: "unclosed quote", make: func(w *bufio.Writer) { w.WriteString("a,b\n1,\""); repeat(w, "xxxxxxx,\n", tenMB-20) }, wantRejects: 1},
		{name: "one line without a break", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "yyyyyyyy", tenMB-10) }, wantRejects: 0},
		{name: "a line of delimiters", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, ",", tenMB-10) }, wantRejects: 1},
		{name: "rows of 16000 fields", make: func(w *bufio.Writer) {
			w.WriteString("a\n")
			row := strings.Repeat(",", 16000) + "\n"
			repeat(w, row, tenMB-len(row))
		}, wantRejects: -1},
		{name: "doubled quotes", make: func(w *bufio.Writer) { w.WriteString("a\n\""); repeat(w, `""`, tenMB-10); w.WriteString("\"\n") }, wantRejects: 0},
		{name: "quote storm", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "\"\n", tenMB-10) }, wantRejects: -1},
		{name: "byte order marks", make: func(w *bufio.Writer) { repeat(w, "\uFEFF", tenMB-10) }, wantRejects: 0},
		{name: "tiny records", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "1\n", tenMB-10) }, wantRejects: 0},
		{name: "blank lines", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "\r\n", tenMB-10) }, wantRejects: 0},
		{name: "comment lines", cfg: "comment: '#'", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "#\n", tenMB-10) }, wantRejects: 0},
		{name: "invalid GB18030", cfg: "encoding: gb18030", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "\x81\x30\xff,\n", tenMB-10) }, wantRejects: -1},
		{name: "UTF-8 rows in a GBK file", cfg: "encoding: gbk", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "张三李四王五\n", tenMB-10) }, wantRejects: -1},
		{name: "unpaired UTF-16 surrogates", cfg: "encoding: utf-16le", make: func(w *bufio.Writer) {
			w.WriteString("\xFF\xFEa\x00\n\x00")
			repeat(w, "\x00\xD8", tenMB-10)
		}, wantRejects: -1},
		{name: "MySQL escapes at every byte", cfg: "format: mysql", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, "\\\n", tenMB-10) }, wantRejects: 0},
		{name: "PostgreSQL octal escapes", cfg: "format: postgres", make: func(w *bufio.Writer) { w.WriteString("a\n"); repeat(w, `\377`, tenMB-10) }, wantRejects: 1},
		{name: "auto on random high bytes", make: func(w *bufio.Writer) {
			w.WriteString("a\n")
			for i := 0; i < tenMB-10; i++ {
				w.WriteByte(byte(0x80 + (i*131)%127))
			}
		}, lim: hostile.Limits{Want: "cannot tell the encoding"}, wantRejects: -1},
		// A field far past max_field_size (issue 11: an unbounded field cost
		// 6.5 times its size): one reject, memory a small multiple of the
		// limit, not of the field.
		{name: "40 MB quoted field, 1 MiB limit", cfg: "max_field_size: 1MiB", make: func(w *bufio.Writer) {
			w.WriteString("a,b\n1,\"")
			repeat(w, "zzzzzzz\n", 40<<20)
			w.WriteString("\"\n2,ok\n")
		}, lim: hostile.Limits{MaxRSS: 80 << 20}, wantRejects: 1, limited: true},
		{name: "40 MB unquoted line, 1 MiB limit", cfg: "max_field_size: 1MiB", make: func(w *bufio.Writer) {
			w.WriteString("a,b\n1,")
			repeat(w, "zzzzzzzz", 40<<20)
			w.WriteString("\n2,ok\n")
		}, lim: hostile.Limits{MaxRSS: 80 << 20}, wantRejects: 1, limited: true},
	}
	for _, c := range cases {
		hostile.Check(t, c.name, c.lim, func() error { return readHostile(c) })
	}
}

// readHostile writes the case's file and reads it to the end.
func readHostile(c hostileCase) error {
	dir, err := os.MkdirTemp("", "xcetl-hostile-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	f, err := os.Create(filepath.Join(dir, "in.csv"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	c.make(w)
	if err := w.Flush(); err != nil {
		return err
	}
	f.Close()
	cfg := "type: csv\npath: in.csv\n" + c.cfg
	if strings.Contains(c.name, "byte order marks") {
		cfg += "\nheader: false\ncolumns: [a]"
	}
	root, err := config.Parse("p.yaml", []byte(cfg), nil)
	if err != nil {
		return err
	}
	ex, err := extract.New(root, extract.Env{BaseDir: dir})
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		return err
	}
	defer ex.Close()
	rejects := 0
	for {
		b, err := ex.Next(ctx, 4096)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for _, r := range b.Rejects {
			// A broken promise panics: the child crashes and the parent
			// fails (an error would pass as a refusal).
			if r.Origin.File != "in.csv" || r.Origin.Line < 1 || r.Reason == "" {
				panic(fmt.Sprintf("reject without a location: %+v", r.Origin))
			}
			if c.limited && (r.Origin.Line != 2 || !strings.Contains(r.Reason, "field 2 is longer than max_field_size (1 MiB)")) {
				panic(fmt.Sprintf("reject at line %d: %q", r.Origin.Line, r.Reason))
			}
		}
		rejects += len(b.Rejects)
	}
	if c.wantRejects >= 0 && rejects != c.wantRejects {
		panic(fmt.Sprintf("%d rejects, want %d", rejects, c.wantRejects))
	}
	return nil
}
