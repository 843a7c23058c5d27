package excel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// state is a StateReader over checkpoints kept in memory.
type state map[string][]byte

func (s state) ReadCheckpoints(_ context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range s {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

// resumable builds the source as a pipeline with commit: batch does.
func resumable(t *testing.T, dir, cfg string, log io.Writer) *Extractor {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte("source:\n  type: excel\n  "+strings.ReplaceAll(cfg, "\n", "\n  ")+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{BaseDir: dir, CommitPerBatch: true, Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return ex.(*Extractor)
}

// batches reads ex to the end (after an optional Resume from st) in
// batches of 2 and returns every record's row number and every batch's
// checkpoint.
func batches(t *testing.T, ex *Extractor, st state) (lines []int, cps []position) {
	t.Helper()
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	if !ex.Resumes() {
		t.Fatal("Resumes() is false with commit: batch")
	}
	if st != nil {
		if err := ex.Resume(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for {
		b, err := ex.Next(ctx, 2)
		if errors.Is(err, io.EOF) {
			return lines, cps
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range b.Origin {
			lines = append(lines, o.Line)
		}
		for _, r := range b.Rejects {
			lines = append(lines, -r.Origin.Line)
		}
		if len(b.Checkpoints) != 1 || b.Checkpoints[0].Key != positionKey {
			t.Fatalf("checkpoints %+v", b.Checkpoints)
		}
		var p position
		if err := json.Unmarshal(b.Checkpoints[0].Value, &p); err != nil {
			t.Fatal(err)
		}
		cps = append(cps, p)
	}
}

func TestResume(t *testing.T) {
	dir := t.TempDir()
	rows := `<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row>`
	for i := 2; i <= 8; i++ {
		v := `<v>` + itoa(i) + `</v>`
		if i == 5 {
			v = `<v>#N/A</v>`
			rows += `<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `" t="e">` + v + `</c></row>`
			continue
		}
		rows += `<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `">` + v + `</c></row>`
	}
	one(rows).write(t, dir, "r.xlsx")
	var log bytes.Buffer
	cfg := "path: r.xlsx\nskip_footer: 1"

	// A whole run: 6 records (row 8 is the footer), the last checkpoint done.
	lines, cps := batches(t, resumable(t, dir, cfg, &log), nil)
	if !reflect.DeepEqual(lines, []int{2, 3, 4, -5, 6, 7}) || len(cps) != 3 {
		t.Fatalf("lines %v checkpoints %+v", lines, cps)
	}
	for i, p := range cps {
		if p.Records != int64(2*(i+1)) || p.Done != (i == 2) || p.File != "r.xlsx" || p.Sheet != "Sheet1" || p.Hash == "" || p.Run != cps[0].Run {
			t.Fatalf("checkpoint %d: %+v", i, p)
		}
	}
	if cps[0].Row != 3 || cps[1].Row != 5 || cps[2].Row != 7 {
		t.Fatalf("rows %+v", cps)
	}
	save := func(p position) state {
		v, _ := json.Marshal(p)
		return state{positionKey: v, "csv/position": []byte("{}")}
	}

	// Interrupted after the first batch: the next run reads the rest, with
	// record numbers going on and the same run id.
	ex := resumable(t, dir, cfg, &log)
	lines, cps2 := batches(t, ex, save(cps[0]))
	if !reflect.DeepEqual(lines, []int{4, -5, 6, 7}) || cps2[0].Records != 4 || cps2[0].Run != cps[0].Run || !cps2[len(cps2)-1].Done {
		t.Fatalf("lines %v checkpoints %+v", lines, cps2)
	}
	if !strings.Contains(log.String(), "resuming the interrupted run") {
		t.Fatalf("log:\n%s", log.String())
	}

	// After a finished run (killed after its last commit, or run again)
	// the unchanged sheet is not read again and the run says so; with no
	// state, everything is read.
	ex = resumable(t, dir, cfg, &log)
	if lines, _ = batches(t, ex, save(cps[2])); len(lines) != 0 {
		t.Fatalf("after a finished run: lines %v, want none", lines)
	}
	if got := ex.ResumeReport().Unchanged; len(got) != 1 || got[0] != "r.xlsx sheet Sheet1" {
		t.Fatalf("resume report %+v", ex.ResumeReport())
	}
	if lines, _ = batches(t, resumable(t, dir, cfg, &log), state{}); len(lines) != 6 {
		t.Fatalf("lines %v", lines)
	}

	// A changed workbook is read from the start, with a warning.
	log.Reset()
	p := cps[0]
	p.Hash = strings.Repeat("0", 64)
	lines, cps3 := batches(t, resumable(t, dir, cfg, &log), save(p))
	if len(lines) != 6 || cps3[0].Run == cps[0].Run || !strings.Contains(log.String(), "the workbook changed since the interrupted run") {
		t.Fatalf("lines %v checkpoints %+v log:\n%s", lines, cps3, log.String())
	}

	// Without commit: batch there is nothing to resume.
	ex2, err := build(t, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ex2.Resumes() {
		t.Fatal("Resumes() without commit: batch")
	}
	if _, err := os.Stat(filepath.Join(dir, "r.xlsx")); err != nil {
		t.Fatal(err)
	}
	var _ xcetl.StateReader = state{}
}
