package xcetl

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// The sentinel errors of xcetl, all here: they decide the CLI's exit code
// and let a program embedding xcetl tell what happened (errors.Is); wrap
// them with %w.
var (
	// ErrInvalid marks an invalid pipeline file or usage (exit code 2).
	ErrInvalid = errors.New("invalid pipeline")
	// ErrLocked marks a run refused because another run holds the
	// pipeline's lock (exit code 3).
	ErrLocked = errors.New("pipeline is locked by another run")
	// ErrInterrupted marks a run stopped by its context before it
	// finished (Ctrl-C, SIGTERM, or the embedding program): with commit:
	// run the target was rolled back (exit code 1).
	ErrInterrupted = errors.New("interrupted")
	// ErrConnect marks a failure to connect to (or log in to) a database:
	// the run never reached its target, so nothing was written there —
	// not even the run-history row (exit code 1).
	ErrConnect = errors.New("cannot connect")
)

// Pos is a position in a pipeline file.
type Pos struct {
	File string
	Line int // 1-based; 0 if unknown
	Col  int // 1-based; 0 if unknown
}

func (p Pos) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// SpecError is one problem in a pipeline file, located by position and by
// YAML path (e.g. "target.mode" or "transforms[2].cast.birth_date").
type SpecError struct {
	Pos  Pos
	Path string
	Msg  string
}

func (e *SpecError) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes every SpecError an ErrInvalid.
func (e *SpecError) Unwrap() error { return ErrInvalid }

// SpecErrors is every problem found in a pipeline file, in file order.
type SpecErrors []*SpecError

// maxShownSpecErrors bounds the problems an error message lists: a
// hostile or broken file (50,000 unknown keys) must not print megabytes.
const maxShownSpecErrors = 100

// maxSpecErrorLen bounds one problem's message.
const maxSpecErrorLen = 1000

func (es SpecErrors) Error() string {
	n := min(len(es), maxShownSpecErrors)
	msgs := make([]string, n, n+1)
	for i, e := range es[:n] {
		msgs[i] = e.Error()
		if len(msgs[i]) > maxSpecErrorLen {
			cut := maxSpecErrorLen
			for cut > 0 && !utf8.RuneStart(msgs[i][cut]) {
				cut--
			}
			msgs[i] = msgs[i][:cut] + " …"
		}
	}
	if len(es) > n {
		msgs = append(msgs, fmt.Sprintf("… and %d more problems (fix these first)", len(es)-n))
	}
	return strings.Join(msgs, "\n")
}

// Unwrap makes SpecErrors an ErrInvalid.
func (es SpecErrors) Unwrap() error { return ErrInvalid }

// Sort orders es by position in the file (line, then column), keeping
// the order of problems at the same place, and returns it.
func (es SpecErrors) Sort() SpecErrors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return es
}

// Err returns nil when there is no problem, es otherwise.
func (es SpecErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Suggest returns the candidate closest to s by edit distance when it is
// close enough to be a likely typo, or "".
func Suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if n := len([]rune(s)); n <= 3 {
		limit = 1
	} else if n >= 8 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// DidYouMean formats Suggest's answer as ` (did you mean "x"?)`, or "".
func DidYouMean(s string, candidates []string) string {
	if c := Suggest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
