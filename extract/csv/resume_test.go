package csv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// memState is a target's state store in memory: checkpoints applied in
// batch order, as a target commits them.
type memState map[string][]byte

func (m memState) ReadCheckpoints(_ context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

func (m memState) apply(cps []xcetl.Checkpoint) {
	for _, cp := range cps {
		m[cp.Key] = cp.Value
	}
}

func (m memState) clone() memState { return maps.Clone(m) }

// buildResumable is build with the target committing per batch.
func buildResumable(t testing.TB, dir, cfg string, perBatch bool) *Extractor {
	t.Helper()
	var b strings.Builder
	b.WriteString("source:\n  type: csv\n")
	for _, l := range strings.Split(strings.TrimRight(cfg, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	root, err := config.Parse("p.yaml", []byte(b.String()), nil)
	if err != nil {
		t.Fatalf("YAML of the test is wrong: %v", err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{BaseDir: dir, CommitPerBatch: perBatch,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return ex.(*Extractor)
}

// item is one row or reject as a comparable string.
func items(b *xcetl.Batch) []string {
	var out []string
	for i, r := range b.Rows {
		out = append(out, fmt.Sprintf("%s rec %d: %q", b.Origin[i], b.Origin[i].Record, r))
	}
	for _, r := range b.Rejects {
		out = append(out, fmt.Sprintf("%s rec %d: reject %s", r.Origin, r.Origin.Record, r.Reason))
	}
	return out
}

// resumedRun opens a source, resumes it from state and reads it to the
// end; it returns the items and the checkpoints of every batch.
func resumedRun(t testing.TB, ex *Extractor, state memState, max int) (its [][]string, cps [][]xcetl.Checkpoint) {
	t.Helper()
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer ex.Close()
	if err := ex.Resume(ctx, state); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	for {
		b, err := ex.Next(ctx, max)
		if err == io.EOF {
			return its, cps
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if len(b.Checkpoints) == 0 {
			t.Fatal("a batch of a resumable source carries no checkpoint")
		}
		its = append(its, items(b))
		cps = append(cps, b.Checkpoints)
	}
}

func flat(its [][]string) []string {
	var out []string
	for _, b := range its {
		out = append(out, b...)
	}
	return out
}

// TestResumeEveryBatch kills a run after every batch, in effect, and
// resumes it from the checkpoints committed so far: the rows before plus
// the rows after must be exactly the rows of an uninterrupted run, with the
// same line and record numbers.
func TestResumeEveryBatch(t *testing.T) {
	quoted := "id,name,note\r\n1,张三,\"多行\r\n备注, with comma\"\r\n\r\n2,李四,plain\r\n3,\"王\"\"五\",x\r\n4,bad\r\n5,ok,\"a\nb\nc\"\r\n6,x\"y,z\r\n7,last,row"
	cases := []struct {
		name  string
		files map[string]string
		cfg   string
	}{
		{"utf-8", map[string]string{"a.csv": "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n7,g\n"}, "path: a.csv"},
		{"utf-8 BOM CRLF multi-line quoted rejects no final newline", map[string]string{"a.csv": "\uFEFF" + quoted}, "path: a.csv"},
		{"gbk multi-line skip_rows delimiter |", map[string]string{"a.csv": gbk(t, "导出说明\n第二行\n编号|名称|备注\n1|億元|\"跨\n行\"\n2|丨|x\n3|\"億|億\"|y\n\n4|末|z\n")},
			"path: a.csv\nencoding: gbk\ndelimiter: \"|\"\nskip_rows: 2"},
		{"gb18030 BOM 4-byte characters", map[string]string{"a.csv": gb18030(t, "\uFEFF编号,名称\n1,𠀀𠀁\n2,€\n3,\"𠀂\n𠀃\"\n4,㐀\n")}, "path: a.csv\nencoding: gb18030"},
		{"gbk bad bytes", map[string]string{"a.csv": "id,name\n1,\x81\n2,ok\n3,\xff\xfe\n4,end\n"}, "path: a.csv\nencoding: gbk"},
		{"glob mixed encodings and orders", map[string]string{
			"d/x-1.csv": "id,name\n1,a\n2,b\n3,c\n",
			"d/x-2.csv": gbk(t, "name,id\n张,4\n李,5\n"),
			"d/x-3.csv": "\uFEFFid,name\n6,f\n7,\"g\ng\"\n8,h",
		}, "path: d/x-*.csv"},
		{"quote character", map[string]string{"a.csv": "id;name\n1;'a;b'\n2;'c\nd'\n3;\"e\"\n4;f\n"}, "path: a.csv\ndelimiter: \";\"\nquote: \"'\""},
		{"no header", map[string]string{"a.csv": "1,a\n2,b\n3,c\n4,d\n"}, "path: a.csv\nheader: false\ncolumns: [id, name]"},
		{"utf-16le Excel Unicode text", map[string]string{"a.txt": utf16le("\uFEFF编号\t名称\r\n1\t张\r\n2\t\"跨\r\n行\"\r\n3\t\u0a0d\u0a00\r\n4\t末")}, "path: a.txt\ndelimiter: tab"},
		{"utf-16be", map[string]string{"a.txt": utf16be("\uFEFFid,n\n1,\u0a0a\n2,\u0aff\n3,x\n")}, "path: a.txt\nencoding: utf-16"},
		{"big5", map[string]string{"a.csv": big5(t, "編號,名稱\n1,許功蓋\n2,\"臺\n北\"\n3,x\n")}, "path: a.csv\nencoding: big5"},
		{"windows-1252", map[string]string{"a.csv": "id,name\n1,h\xe9h\xe9\xb6\n2,\x80\n3,\x81\n4,end\n"}, "path: a.csv\nencoding: latin1"},
		{"gbk with UTF-8 rows", map[string]string{"a.csv": gbk(t, "id,name\n1,张三\n") + "2,李四\n" + gbk(t, "3,王五\n")}, "path: a.csv\nencoding: gbk"},
		{"format mysql", map[string]string{"a.txt": "1\ta\\\nb\t\\N\n2\tc\r\n3\t\\\\\t\n"}, "path: a.txt\nformat: mysql\nheader: false\ncolumns: [id, a, b]\nmissing_fields: 'null'"},
		{"format postgres", map[string]string{"a.txt": "id\tv\n1\t\\n\n2\t\\N\n\\.\nnot data\n"}, "path: a.txt\nformat: postgres"},
		{"comments and ragged rows", map[string]string{"a.csv": "# export\nid,a,b\n1,x\n# mid\n2,x,y,\n3,x,y,z\n4,x,y\n"}, "path: a.csv\ncomment: '#'\nmissing_fields: 'null'\nextra_fields: drop_empty"},
	}
	for _, tc := range cases {
		for _, max := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/batch %d", tc.name, max), func(t *testing.T) {
				dir := t.TempDir()
				writeFiles(t, dir, tc.files)
				whole, cps := resumedRun(t, buildResumable(t, dir, tc.cfg, true), memState{}, max)
				want := flat(whole)
				if len(want) == 0 {
					t.Fatal("nothing read")
				}
				state := memState{}
				for k := 0; k <= len(whole); k++ {
					got := flat(whole[:k])
					rest, _ := resumedRun(t, buildResumable(t, dir, tc.cfg, true), state.clone(), max)
					if k == len(whole) {
						// The run completed (killed after its last commit,
						// or run again): the unchanged files are not read
						// again.
						if got := flat(rest); len(got) != 0 {
							t.Fatalf("after a complete run the next one read\n%s\nwant nothing", strings.Join(got, "\n"))
						}
						break
					}
					got = append(got, flat(rest)...)
					if !slices.Equal(got, want) {
						t.Fatalf("killed after batch %d of %d and resumed:\n got %s\nwant %s", k, len(whole),
							strings.Join(got, "\n    "), strings.Join(want, "\n    "))
					}
					state.apply(cps[k])
				}
			})
		}
	}
}

// TestResumeChangedFile: a file changed before the offset since the killed
// run is read again from the start; one that only grew after it is not.
func TestResumeChangedFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.csv": "id,name\n1,a\n2,b\n3,c\n4,d\n"})
	cfg := "path: a.csv"
	_, cps := resumedRun(t, buildResumable(t, dir, cfg, true), memState{}, 2)
	state := memState{}
	state.apply(cps[0]) // killed after the first batch (rows 1, 2)

	writeFiles(t, dir, map[string]string{"a.csv": "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n"})
	rest, _ := resumedRun(t, buildResumable(t, dir, cfg, true), state.clone(), 10)
	if got := flat(rest); len(got) != 3 || !strings.Contains(got[0], `"3"`) || !strings.Contains(got[2], "line 6") {
		t.Errorf("grown after the offset: resumed with %q, want rows 3 to 5", got)
	}

	writeFiles(t, dir, map[string]string{"a.csv": "id,name\n1,A\n2,b\n3,c\n4,d\n"})
	rest, _ = resumedRun(t, buildResumable(t, dir, cfg, true), state.clone(), 10)
	if got := flat(rest); len(got) != 4 || !strings.Contains(got[0], `"A"`) {
		t.Errorf("changed before the offset: read %q, want all 4 rows again", got)
	}
}

// TestManifest: with incremental: files, a later run skips the files
// loaded before, loads a changed file again, loads only the new lines of a
// grown file, and loads new files.
func TestManifest(t *testing.T) {
	for _, perBatch := range []bool{false, true} {
		t.Run(fmt.Sprintf("commit per batch %v", perBatch), func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"in/1.csv": "id,v\n1,a\n2,b\n",
				"in/2.csv": gbk(t, "id,v\n3,张\n4,李\n"),
				"in/3.csv": "id,v\n5,x\n6,y\n",
			})
			cfg := "path: in/*.csv\nincremental: files"
			state := memState{}
			run := func() []string {
				its, cps := resumedRun(t, buildResumable(t, dir, cfg, perBatch), state.clone(), 1000)
				for _, c := range cps {
					state.apply(c)
				}
				return flat(its)
			}
			if got := run(); len(got) != 6 {
				t.Fatalf("first run read %d rows, want 6: %q", len(got), got)
			}
			if got := run(); len(got) != 0 {
				t.Fatalf("second run read %q, want nothing", got)
			}
			writeFiles(t, dir, map[string]string{
				"in/1.csv": "id,v\n1,A\n2,b\n",                   // same size, other content
				"in/2.csv": gbk(t, "id,v\n3,张\n4,李\n7,王\n8,赵\n"), // grew
				"in/4.csv": "id,v\n9,new\n",                      // new
			})
			got := strings.Join(run(), "\n")
			for _, want := range []string{`file in/1.csv line 2 rec 1: ["1" "A"]`, `file in/1.csv line 3 rec 2: ["2" "b"]`,
				`file in/2.csv line 4 rec 3: ["7" "王"]`, `file in/2.csv line 5 rec 4: ["8" "赵"]`, `file in/4.csv line 2 rec 1: ["9" "new"]`} {
				if !strings.Contains(got, want) {
					t.Errorf("third run read\n%s\nmissing %s", got, want)
				}
			}
			if n := strings.Count(got, "\n") + 1; n != 5 {
				t.Errorf("third run read %d rows, want 5:\n%s", n, got)
			}
			// A file that lost lines is loaded again, whole.
			writeFiles(t, dir, map[string]string{"in/3.csv": "id,v\n5,x\n"})
			if got := run(); len(got) != 1 || !strings.Contains(got[0], `"5"`) {
				t.Errorf("shrunk file: read %q, want it again", got)
			}
			var e fileEntry
			if err := json.Unmarshal(state["file/in/2.csv"], &e); err != nil || e.Size == 0 || len(e.Hash) != 64 || e.Algo != "sm3" || e.Lines != 5 || !e.EndsLine {
				t.Errorf("manifest entry of in/2.csv = %+v (%v)", e, err)
			}
		})
	}
}

// TestResumeNeedsState: a source that was not resumed (dry run, target
// without state) attaches no checkpoints and reads everything.
func TestResumeNeedsState(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.csv": "id\n1\n2\n"})
	ex := buildResumable(t, dir, "path: a.csv\nincremental: files", true)
	if !ex.Resumes() {
		t.Fatal("Resumes() = false with commit per batch and incremental: files")
	}
	res := readAll(t, ex, 10)
	if len(res.rows) != 2 {
		t.Errorf("rows = %d", len(res.rows))
	}
	if buildResumable(t, dir, "path: a.csv", false).Resumes() {
		t.Error("Resumes() = true without commit per batch or incremental")
	}
}

func TestIncrementalConfig(t *testing.T) {
	dir := t.TempDir()
	for cfg, want := range map[string]string{
		"path: a.csv\nincremental: file":              `unknown incremental "file" (did you mean "files"?)`,
		"path: a.csv\nincremental: {column: updated}": "a csv source takes `incremental: files`",
		"path: a.csv\nincremental: [files]":           "incremental",
	} {
		_, err := build(t, dir, "type: csv\n"+cfg)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", cfg, err, want)
		}
	}
}

// TestResumeMemoryFlat: the tracker's windows hold about one batch.
func TestResumeMemoryFlat(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 0; i < 200_000; i++ {
		fmt.Fprintf(&b, "%d,名字%d\n", i, i)
	}
	writeFiles(t, dir, map[string]string{"a.csv": gbk(t, b.String())})
	ex := buildResumable(t, dir, "path: a.csv\nencoding: gbk", true)
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	if err := ex.Resume(ctx, memState{}); err != nil {
		t.Fatal(err)
	}
	maxWin := 0
	for {
		bt, err := ex.Next(ctx, 1000)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ex.cur != nil && ex.cur.trk != nil {
			maxWin = max(maxWin, cap(ex.cur.trk.rawWin)+cap(ex.cur.trk.decWin))
		}
		_ = bt
	}
	if maxWin > 1<<20 {
		t.Errorf("tracker windows grew to %d bytes for batches of 1000 short rows", maxWin)
	}
}

// FuzzResume: for any file content, encoding and batch size, a run resumed
// after any batch reads exactly the rows an uninterrupted run reads.
func FuzzResume(f *testing.F) {
	f.Add([]byte("id,name\n1,\"a\nb\"\n2,c\r\n\n3,d"), uint8(1), uint8(0))
	f.Add([]byte("\xef\xbb\xbfa|b\n\x83|x|\x81\n\"q\"\"\n|\"\n"), uint8(2), uint8(1))
	f.Add([]byte("h\n\x81\x30\x81\x30,\n\xff\n"), uint8(3), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, maxB, encB uint8) {
		if len(data) > 4096 {
			return
		}
		enc := []string{"utf-8", "gbk", "gb18030", "utf-16le", "utf-16be", "big5", "windows-1252"}[int(encB)%7]
		max := int(maxB%5) + 1
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"a.csv": string(data)})
		cfg := "path: a.csv\nencoding: " + enc
		ctx := context.Background()
		probe := buildResumable(t, dir, cfg, true)
		if _, err := probe.Open(ctx); err != nil {
			return // no usable header: nothing to resume
		}
		probe.Close()
		whole, cps := resumedRun(t, buildResumable(t, dir, cfg, true), memState{}, max)
		want := flat(whole)
		state := memState{}
		for k := 0; k < len(whole); k++ {
			rest, _ := resumedRun(t, buildResumable(t, dir, cfg, true), state.clone(), max)
			got := append(flat(whole[:k]), flat(rest)...)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, batches of %d, killed after batch %d:\n got %q\nwant %q", enc, max, k, got, want)
			}
			state.apply(cps[k])
		}
	})
}

// BenchmarkResumable compares reading with and without the resume tracking
// (commit: batch): the extra cost is copying the raw bytes and hashing them
// with SM3 on the reading goroutine.
func BenchmarkResumable(b *testing.B) {
	const rows = 300_000
	for _, gbkFile := range []bool{false, true} {
		dir := b.TempDir()
		size := writeBenchFile(b, filepath.Join(dir, "bench.csv"), rows, true, gbkFile)
		for _, resumable := range []bool{false, true} {
			b.Run(fmt.Sprintf("gbk=%v/resumable=%v", gbkFile, resumable), func(b *testing.B) {
				b.SetBytes(size)
				for b.Loop() {
					ex := buildResumable(b, dir, "path: bench.csv", resumable)
					ctx := context.Background()
					if _, err := ex.Open(ctx); err != nil {
						b.Fatal(err)
					}
					if resumable {
						if err := ex.Resume(ctx, memState{}); err != nil {
							b.Fatal(err)
						}
					}
					n := 0
					for {
						bt, err := ex.Next(ctx, 5000)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n += len(bt.Rows)
					}
					ex.Close()
					if n != rows {
						b.Fatalf("read %d rows", n)
					}
				}
			})
		}
	}
}

// TestResumeReport: what Resume found is reported for the run's summary —
// the line an interrupted run is continued at, and the files a complete
// run loaded that are unchanged.
func TestResumeReport(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"d/a.csv": "id\n1\n2\n3\n", "d/b.csv": "id\n4\n5\n"})
	cfg := "path: d/*.csv"
	_, cps := resumedRun(t, buildResumable(t, dir, cfg, true), memState{}, 2)
	state := memState{}
	state.apply(cps[0]) // killed after rows 1 and 2

	ex := buildResumable(t, dir, cfg, true)
	rest, more := resumedRun(t, ex, state.clone(), 2)
	if got := ex.ResumeReport(); got.ResumedAt != "line 4 of d/a.csv" || len(got.Unchanged) != 0 {
		t.Errorf("resumed run: report %+v", got)
	}
	if n := len(flat(rest)); n != 3 {
		t.Errorf("resumed run read %d rows, want 3", n)
	}
	for _, c := range more {
		state.apply(c)
	}
	ex = buildResumable(t, dir, cfg, true)
	if rest, _ = resumedRun(t, ex, state.clone(), 2); len(rest) != 0 {
		t.Errorf("run after a complete one read %q", flat(rest))
	}
	if got := ex.ResumeReport(); got.ResumedAt != "" || !slices.Equal(got.Unchanged, []string{"d/a.csv", "d/b.csv"}) {
		t.Errorf("run after a complete one: report %+v", got)
	}
	// A changed file starts over; the unchanged one stays loaded.
	writeFiles(t, dir, map[string]string{"d/b.csv": "id\n4\n6\n"})
	ex = buildResumable(t, dir, cfg, true)
	rest, _ = resumedRun(t, ex, state.clone(), 2)
	if got := flat(rest); len(got) != 2 || !strings.Contains(got[1], `"6"`) {
		t.Errorf("changed file: read %q, want it whole", got)
	}
	if got := ex.ResumeReport(); !slices.Equal(got.Unchanged, []string{"d/a.csv"}) {
		t.Errorf("changed file: report %+v", got)
	}
}
