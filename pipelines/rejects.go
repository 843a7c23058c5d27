package pipelines

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/safefile"
)

// rejectWriter writes rejected rows to the reject file: CSV, UTF-8 with a
// BOM (so that Excel shows Chinese text right), columns
// _file,_line,_field,_column,_reason followed by the source's own columns
// with the values as read. It is created on the first reject only.
type rejectWriter struct {
	path    string
	scrub   *xcetl.Scrubber
	f       *safefile.File
	buf     *bufio.Writer
	w       *csv.Writer
	written int64
	first   []string
}

const maxFirstRejects = 5

func newRejectWriter(path string, scrub *xcetl.Scrubber) *rejectWriter {
	return &rejectWriter{path: path, scrub: scrub}
}

// clearOld removes a reject file left by an earlier run, so that a file
// present after a run always belongs to that run.
func (r *rejectWriter) clearOld() error {
	if r.path == "" {
		return nil
	}
	if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove old reject file: %w", err)
	}
	return nil
}

func (r *rejectWriter) write(b *xcetl.Batch) error {
	// Rejects arrive grouped by who refused them (the source, then each
	// transform); people read them in file order.
	sort.SliceStable(b.Rejects, func(i, j int) bool {
		a, c := b.Rejects[i].Origin, b.Rejects[j].Origin
		if a.File != c.File {
			return a.File < c.File
		}
		if a.Record != c.Record {
			return a.Record < c.Record
		}
		return a.Line < c.Line
	})
	for _, rj := range b.Rejects {
		if len(r.first) < maxFirstRejects {
			r.first = append(r.first, describeReject(rj))
		}
	}
	if r.path == "" {
		r.written += int64(len(b.Rejects))
		return nil
	}
	if r.w == nil {
		// 0600: rejected rows are the source's values in clear, personal
		// data included, even when the pipeline encrypts or masks them.
		// Written under a temporary name and renamed at the end: a link
		// planted at the reject file's name is replaced, never followed.
		f, err := safefile.Create(r.path, 0o600)
		if err != nil {
			return fmt.Errorf("reject file: %w", err)
		}
		r.f, r.buf = f, bufio.NewWriter(f)
		r.buf.WriteString("\uFEFF")
		r.w = csv.NewWriter(r.buf)
		header := append([]string{"_file", "_line", "_field", "_column", "_reason"}, b.RawHeader...)
		if err := r.w.Write(header); err != nil {
			return fmt.Errorf("reject file: %w", err)
		}
	}
	rec := make([]string, 0, 5+len(b.RawHeader))
	for _, rj := range b.Rejects {
		rec = rec[:0]
		line := ""
		if rj.Origin.Line > 0 {
			line = strconv.Itoa(rj.Origin.Line)
		} else if rj.Origin.Record > 0 {
			line = strconv.FormatInt(rj.Origin.Record, 10)
		}
		field := ""
		if rj.Field > 0 {
			field = strconv.Itoa(rj.Field)
		}
		file := rj.Origin.File
		if rj.Origin.Sheet != "" {
			file += "#" + rj.Origin.Sheet
		}
		rec = append(rec, file, line, field, rj.Column, rj.Reason)
		rec = append(rec, rj.Raw...)
		// No byte xcetl writes holds a secret of the pipeline, not even a
		// rejected value that happens to (a token echoed into the data).
		for i := range rec {
			rec[i] = r.scrub.Scrub(rec[i])
		}
		if err := r.w.Write(rec); err != nil {
			return fmt.Errorf("reject file: %w", err)
		}
		r.written++
	}
	r.w.Flush()
	if err := r.w.Error(); err != nil {
		return fmt.Errorf("reject file: %w", err)
	}
	return nil
}

func (r *rejectWriter) hint() string {
	if r.path != "" && r.written > 0 {
		return "; see " + r.path
	}
	return ""
}

func (r *rejectWriter) Close() error {
	if r.f == nil {
		return nil
	}
	if err := r.buf.Flush(); err != nil {
		r.f.Abort()
		return fmt.Errorf("reject file: %w", err)
	}
	if err := r.f.Commit(); err != nil {
		return fmt.Errorf("reject file: %w", err)
	}
	return nil
}

func describeReject(rj xcetl.Reject) string {
	s := rj.Origin.String()
	if rj.Field > 0 {
		s += fmt.Sprintf(" field %d", rj.Field)
	}
	if rj.Column != "" {
		s += fmt.Sprintf(" (column %s)", rj.Column)
	}
	if s != "" {
		s += ": "
	}
	return s + rj.Reason
}
