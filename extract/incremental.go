package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// Incremental loads: a source of rows that can ask for (or keep) only the
// rows changed since the last run declares
//
//	incremental: {column: updated_at}
//
// and keeps a Watermark: the largest value of that column among the rows it
// has handed on, stored as an xcetl.Checkpoint ("watermark/<column>") that
// the target commits in the same transaction as the rows. The next run
// reads the committed watermark (Resume) and asks the source for newer rows
// only — as a request parameter for an API (`updated_since=…`), a WHERE
// clause for a SQL source — and/or drops older rows itself (Keep). Because
// the watermark commits with the data, a run that fails or is killed
// leaves the watermark of the rows actually committed: nothing is skipped.
//
// How a source uses it:
//
//	New:     inc, errs := extract.DecodeIncremental(n.Get("incremental"))
//	         w := extract.NewWatermark(inc)           // nil when not configured
//	Resumes: return w != nil (the extract.Resumer method)
//	Resume:  w.Resume(ctx, state); v, ok := w.Since() — put v in the request
//	Next:    for each row: if !w.Keep(value) { drop it }
//	         w.Observe(b) — after the batch is complete: attaches the checkpoint
//
// Values are compared as what they are: numbers as numbers (int64,
// float64, xcetl.Decimal, or text that parses as a number), times as times
// (time.Time, or text in RFC 3339, "2006-01-02 15:04:05[.fff]" or
// "2006-01-02"), other text byte-wise. A column whose values mix kinds is
// compared as text.

// Incremental is the `incremental:` key of a source.
type Incremental struct {
	// Files is `incremental: files`: file sources skip the files loaded
	// by earlier runs (a manifest of path, size and SM3).
	Files bool
	// Column is `incremental: {column: updated_at}`: sources of rows keep
	// a watermark on this column.
	Column string
	// Initial is the watermark before the first run (`initial:`); ""
	// loads everything the first time.
	Initial string
	// Inclusive keeps rows whose value equals the watermark (`inclusive:
	// true`): use it with mode: upsert when several rows may share the
	// last value and arrive in different runs; the rows at the watermark
	// are then loaded again (upsert makes that harmless).
	Inclusive bool
	// Param is the request parameter that carries the committed watermark
	// to the source (`param: updated_since`), for sources that can filter
	// on their side (an API); "" filters on xcetl's side only.
	Param string
	// Ordered promises that the source hands on rows in ascending order of
	// Column (`ordered: true`, e.g. an API sorted by updated_at). With
	// commit: batch only then may every batch commit the watermark it
	// reached; otherwise the watermark commits with the run's last batch.
	Ordered bool
}

// IncrementalSpec is the mapping form of `incremental:`, for sources of
// rows (api, sql): the declared spec of Incremental's column keys.
type IncrementalSpec struct {
	Column    string `yaml:"column,required" doc:"the column that grows with every change; its largest committed value is the watermark" example:"updated_at"`
	Initial   string `yaml:"initial" doc:"the watermark before the first run; default: load everything the first time"`
	Inclusive bool   `yaml:"inclusive" doc:"also keep rows equal to the watermark (with mode: upsert, when several rows may share the last value)"`
	Param     string `yaml:"param" doc:"the request parameter that carries the watermark to the source (an API's updated_since); default: filter on xcetl's side only" example:"updated_since"`
	Ordered   bool   `yaml:"ordered" doc:"the source hands on rows in ascending order of column: with commit: batch every batch then commits the watermark it reached"`
}

// Noun implements config.Nouner.
func (IncrementalSpec) Noun() string {
	return "a mapping such as {column: updated_at, param: updated_since} (`incremental: files` is for file sources)"
}

// Check refuses a blank column.
func (s *IncrementalSpec) Check(c *config.Check) {
	if c.Has("column") && strings.TrimSpace(s.Column) == "" {
		c.Errorf("column", "column must name the column that grows with every change, e.g. updated_at")
	}
}

// Incremental returns what the spec says.
func (s IncrementalSpec) Incremental() Incremental {
	return Incremental{Column: s.Column, Initial: s.Initial, Inclusive: s.Inclusive, Param: s.Param, Ordered: s.Ordered}
}

// DecodeIncremental decodes an `incremental:` node (nil: not configured):
// the scalar `files` or a mapping {column, initial, inclusive}. Sources
// refuse the form they do not support with their own message.
func DecodeIncremental(n *config.Node) (Incremental, xcetl.SpecErrors) {
	var inc Incremental
	if n == nil {
		return inc, nil
	}
	switch n.Kind {
	case config.Scalar:
		if n.Value == "files" {
			inc.Files = true
			return inc, nil
		}
		return inc, xcetl.SpecErrors{n.Errorf("incremental must be `files` or a mapping such as {column: updated_at}, not %q", n.Value)}
	case config.Map:
		var sp IncrementalSpec
		errs := config.DecodeSpec(n, &sp)
		return sp.Incremental(), errs
	}
	return inc, xcetl.SpecErrors{n.Errorf("incremental must be `files` or a mapping such as {column: updated_at}")}
}

// WatermarkKeyPrefix starts the checkpoint keys of watermarks.
const WatermarkKeyPrefix = "watermark/"

// Watermark tracks the largest value of one column among the rows a source
// handed on. It is safe for use by one goroutine (the source's) plus
// concurrent calls of Value.
type Watermark struct {
	column    string
	inclusive bool

	mu        sync.Mutex
	committed wmValue // read by Resume (or Initial)
	max       wmValue // largest value seen so far in this run
	seen      bool
}

// wmValue is a watermark value with the kind it is compared as.
type wmValue struct {
	Kind string `json:"kind"` // "number" | "time" | "text"
	Text string `json:"value"`
	// Raw is the value as the source wrote it, when that differs from
	// Text (times are normalised for comparison): what Since hands back,
	// so that an API receives the watermark in its own format.
	Raw string `json:"raw,omitempty"`
}

// NewWatermark returns the watermark of inc, or nil when inc has no column.
func NewWatermark(inc Incremental) *Watermark {
	if inc.Column == "" {
		return nil
	}
	w := &Watermark{column: inc.Column, inclusive: inc.Inclusive}
	if inc.Initial != "" {
		w.committed = classify(inc.Initial)
	}
	return w
}

// Column returns the column the watermark follows.
func (w *Watermark) Column() string { return w.column }

// Key returns the checkpoint key: "watermark/<column>".
func (w *Watermark) Key() string { return WatermarkKeyPrefix + w.column }

// Resume reads the committed watermark from state; without one, the
// initial value (if any) stays.
func (w *Watermark) Resume(ctx context.Context, state xcetl.StateReader) error {
	cps, err := state.ReadCheckpoints(ctx, w.Key())
	if err != nil {
		return fmt.Errorf("read the watermark of %s: %w", w.column, err)
	}
	raw, ok := cps[w.Key()]
	if !ok {
		return nil
	}
	var v wmValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("the stored watermark of %s is unreadable (was xcetl_state edited by hand?): %w", w.column, err)
	}
	w.mu.Lock()
	w.committed = v
	w.mu.Unlock()
	return nil
}

// Since returns the committed watermark as text, for the source's request
// (an API parameter, a WHERE clause); ok is false before the first run
// without an initial value.
func (w *Watermark) Since() (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed.Raw != "" {
		return w.committed.Raw, true
	}
	return w.committed.Text, w.committed.Kind != ""
}

// Keep reports whether a row whose column holds v is newer than the
// committed watermark (or equal, with inclusive). NULL is kept: a row
// without a value cannot be placed and is never silently dropped.
func (w *Watermark) Keep(v any) bool {
	w.mu.Lock()
	c := w.committed
	w.mu.Unlock()
	if v == nil || c.Kind == "" {
		return true
	}
	cmp := compareWM(valueOf(v), c)
	return cmp > 0 || (w.inclusive && cmp == 0)
}

// Observe raises the watermark to the largest value of the column among
// b's rows and attaches it to b as a checkpoint, so that it commits with
// b's rows. It returns an error when b has no such column. Call it on the
// batch as it will be handed on (after dropping the rows Keep refused).
func (w *Watermark) Observe(b *xcetl.Batch) error {
	if err := w.Track(b); err != nil {
		return err
	}
	w.Attach(b)
	return nil
}

// Track raises the watermark to the largest value of the column among b's
// rows without attaching it: for sources whose rows are not in order,
// which attach it once, to the run's last batch (Attach).
func (w *Watermark) Track(b *xcetl.Batch) error {
	j := b.Schema.Index(w.column)
	if j < 0 {
		return fmt.Errorf("incremental column %q is not a column of the source; columns: %s", w.column, strings.Join(b.Schema.Names(), ", "))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, row := range b.Rows {
		if row[j] == nil {
			continue
		}
		v := valueOf(row[j])
		if !w.seen || compareWM(v, w.max) > 0 {
			w.max, w.seen = v, true
		}
	}
	return nil
}

// Attach attaches the watermark reached so far to b as a checkpoint (b may
// hold no rows). Without any value seen it attaches nothing.
func (w *Watermark) Attach(b *xcetl.Batch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen {
		return
	}
	top := w.max
	if w.committed.Kind != "" && compareWM(w.committed, top) > 0 {
		top = w.committed // never move a watermark backwards
	}
	data, _ := json.Marshal(top)
	b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: w.Key(), Value: data})
}

// Behind reports whether v is below the largest value seen so far in this
// run: the rows do not arrive in ascending order of the column. With
// commit: batch that matters — the watermark of a committed batch could
// then pass rows of a later batch that a crash left unloaded — so sources
// refuse such rows there. NULL is never behind.
func (w *Watermark) Behind(v any) bool {
	if v == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen && compareWM(valueOf(v), w.max) < 0
}

// Value returns the watermark this run has reached so far ("" if none).
func (w *Watermark) Value() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen {
		return w.max.Text
	}
	return w.committed.Text
}

func valueOf(v any) wmValue {
	switch x := v.(type) {
	case int64:
		return wmValue{Kind: "number", Text: strconv.FormatInt(x, 10)}
	case int:
		return wmValue{Kind: "number", Text: strconv.Itoa(x)}
	case float64:
		return wmValue{Kind: "number", Text: strconv.FormatFloat(x, 'g', -1, 64)}
	case xcetl.Decimal:
		return wmValue{Kind: "number", Text: string(x)}
	case time.Time:
		return wmValue{Kind: "time", Text: x.UTC().Format(time.RFC3339Nano)}
	case string:
		return classify(x)
	case json.Number:
		return wmValue{Kind: "number", Text: x.String()}
	}
	return wmValue{Kind: "text", Text: fmt.Sprint(v)}
}

// timeLayouts are the text forms read as times.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func classify(s string) wmValue {
	t := strings.TrimSpace(s)
	if _, ok := new(big.Rat).SetString(t); ok && t != "" && !strings.ContainsAny(t, "/") {
		return wmValue{Kind: "number", Text: t}
	}
	for _, l := range timeLayouts {
		if tm, err := time.Parse(l, t); err == nil {
			v := wmValue{Kind: "time", Text: tm.Format(time.RFC3339Nano)} // without an offset: compared as written (wall time)
			if l == timeLayouts[0] {
				v.Text = tm.UTC().Format(time.RFC3339Nano)
			}
			if v.Text != s {
				v.Raw = s
			}
			return v
		}
	}
	return wmValue{Kind: "text", Text: s}
}

// compareWM compares two watermark values: as numbers or times when both
// are, else as text.
func compareWM(a, b wmValue) int {
	if a.Kind == b.Kind {
		switch a.Kind {
		case "number":
			x, ok1 := new(big.Rat).SetString(a.Text)
			y, ok2 := new(big.Rat).SetString(b.Text)
			if ok1 && ok2 {
				return x.Cmp(y)
			}
		case "time":
			x, err1 := time.Parse(time.RFC3339Nano, a.Text)
			y, err2 := time.Parse(time.RFC3339Nano, b.Text)
			if err1 == nil && err2 == nil {
				return x.Compare(y)
			}
		}
	}
	return strings.Compare(a.Text, b.Text)
}
