package csv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/text/transform"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// FuzzReader feeds arbitrary bytes through Open and Next under settings
// chosen by opts. Nothing may panic or hang, and every record of the file
// must come out exactly once, as a row or as a reject (the rows_read
// invariant of the run report depends on it).
func FuzzReader(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n",
		"a,b\r\n1,\"x\r\ny\"\r\n2,3",
		"a,b\n1,\"open\n2,3\n",
		"a,b\n1,x\"y\n\"\"\n,\n",
		"\xEF\xBB\xBFa|b\n\x83\x7c|2\n",
		"a\n\xff\xfe\x81\n",
		"a,a\n1,2\n",
		"\n\n\na\n\n1\n",
		"a;b\n 'x;y' ; z\n",
		"",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint16(i*37), uint8(i))
	}
	dir := f.TempDir()
	nodes := map[string]*config.Node{}
	f.Fuzz(func(t *testing.T, data []byte, opts uint16, more uint8) {
		// A hang is a failure too: crash with every stack so the fuzzer
		// keeps the input.
		watchdog := time.AfterFunc(20*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic(fmt.Sprintf("FuzzReader: input of %d bytes, opts %d, still running after 20s\n%s", len(data), opts, buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		encs := []string{"auto", "utf-8", "gbk", "gb18030", "big5", "windows-1252", "utf-16le", "auto"}
		delims := []string{",", "|", "tab", ";"}
		enc := encs[int(opts&3)+4*int(more&1)]
		delim := delims[(opts>>2)&3]
		header := opts&16 == 0
		trim := opts&32 != 0
		quote := byte('"')
		if opts&64 != 0 {
			quote = '\''
		}
		skip := int(opts>>7) % 3
		max := int(opts>>9)%7 + 1

		format := []string{"csv", "csv", "mysql", "postgres"}[(more>>1)&3]
		q := fmt.Sprintf("%q", string(quote))
		if format == "postgres" || more&8 != 0 {
			q = "none"
		}
		cfg := fmt.Sprintf("type: csv\npath: in.csv\nformat: %s\nencoding: %s\ndelimiter: %q\nheader: %t\ntrim_space: %t\nskip_rows: %d\nquote: %s\nlazy_quotes: %t\nmissing_fields: %s\nextra_fields: %s",
			format, enc, delim, header, trim, skip, q, more&16 != 0, []string{"reject", "'null'"}[(more>>5)&1], []string{"reject", "drop_empty"}[(more>>6)&1])
		if more&128 != 0 {
			cfg += "\ncomment: '#'"
		}
		if !header {
			cfg += "\ncolumns: [a, b, c]"
		}
		// One directory and one parsed config per setting for the whole
		// worker process: executions are sequential within a worker, and
		// fewer system calls per input means more inputs tried.
		if err := os.WriteFile(filepath.Join(dir, "in.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		node, ok := nodes[cfg]
		if !ok {
			root, err := config.Parse("p.yaml", []byte(cfg), nil)
			if err != nil {
				t.Fatalf("YAML of the test is wrong: %v", err)
			}
			node, nodes[cfg] = root, root
		}
		ext, err := extract.New(node, extract.Env{BaseDir: dir})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ex := ext.(*Extractor)
		ctx := context.Background()
		s, err := ex.Open(ctx)
		if err != nil {
			return // an unreadable header is an error, not a crash
		}
		defer ex.Close()
		var records []int64
		lastLine := 0
		for calls := 0; ; calls++ {
			if calls > len(data)+2 {
				t.Fatalf("Next called %d times on %d bytes without io.EOF", calls, len(data))
			}
			b, err := ex.Next(ctx, max)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			checkBatch(t, b, s, max)
			for _, o := range b.Origin {
				records = append(records, o.Record)
				if o.Line < lastLine || o.Line < 1 {
					t.Fatalf("row line %d after %d", o.Line, lastLine)
				}
				lastLine = o.Line
			}
			for _, r := range b.Rejects {
				records = append(records, r.Origin.Record)
				if r.Origin.Line < 1 || r.Reason == "" {
					t.Fatalf("reject %+v", r)
				}
			}
		}
		seen := make([]bool, len(records)+1)
		for _, r := range records {
			if r < 1 || r > int64(len(records)) || seen[r] {
				t.Fatalf("record numbers %v are not 1..%d", records, len(records))
			}
			seen[r] = true
		}
		if want := referenceCount(t, data, ex.st); len(records) != want {
			t.Fatalf("%d rows and rejects, the file has %d records", len(records), want)
		}
	})
}

// referenceCount counts the data records of data the simple way: the whole
// file decoded at once, then split by refSplit.
func referenceCount(t *testing.T, data []byte, st settings) int {
	enc := st.encoding
	if enc == encodingAuto {
		enc = Sniff(data[:min(len(data), sniffSize)], len(data) <= sniffSize).Encoding
	}
	if dec := decoderFor(enc); dec != nil {
		data, _, _ = transform.Bytes(dec, data)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	data = bytes.TrimPrefix(data, utf8BOM)
	br := bufio.NewReader(bytes.NewReader(data))
	for range st.skipRows {
		if _, err := br.ReadBytes('\n'); err != nil {
			break
		}
	}
	rest, _ := io.ReadAll(br)
	n := len(refSplit(rest, &st.split))
	if st.header {
		n--
	}
	return n
}
