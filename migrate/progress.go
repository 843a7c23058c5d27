package migrate

import (
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// liveInterval is how often the line of the tables in flight is redrawn.
const liveInterval = 500 * time.Millisecond

// live is the one-line display of the tables in flight on a terminal: each
// table's pipeline draws its own progress line into a lastLine, and the
// display joins the lines of the tables loading.
type live struct {
	mu     sync.Mutex
	w      io.Writer
	tables map[string]*lastLine
	stop   chan struct{}
	done   sync.WaitGroup
}

func startLive(w io.Writer) *live {
	l := &live{w: w, tables: map[string]*lastLine{}, stop: make(chan struct{})}
	if w == nil {
		return l
	}
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		t := time.NewTicker(liveInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.draw()
			case <-l.stop:
				_, _ = io.WriteString(l.w, "\r\033[K")
				return
			}
		}
	}()
	return l
}

// add returns the writer for a table's pipeline progress (nil without a
// display).
func (l *live) add(table string) io.Writer {
	if l.w == nil {
		return nil
	}
	ll := &lastLine{}
	l.mu.Lock()
	l.tables[table] = ll
	l.mu.Unlock()
	return ll
}

func (l *live) remove(table string) {
	l.mu.Lock()
	delete(l.tables, table)
	l.mu.Unlock()
}

func (l *live) draw() {
	l.mu.Lock()
	names := make([]string, 0, len(l.tables))
	for n := range l.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		if s := l.tables[n].String(); s != "" {
			parts = append(parts, n+": "+s)
		}
	}
	l.mu.Unlock()
	if len(parts) == 0 {
		return
	}
	line := strings.Join(parts, " │ ")
	if r := []rune(line); len(r) > 240 {
		line = string(r[:239]) + "…"
	}
	_, _ = io.WriteString(l.w, "\r\033[K"+line)
}

func (l *live) close() {
	if l.w == nil {
		return
	}
	close(l.stop)
	l.done.Wait()
}

// lastLine keeps the last line a pipeline's progress display drew
// ("\r\033[K<pipeline> <line>"), without the pipeline's name.
type lastLine struct {
	mu sync.Mutex
	s  string
}

func (ll *lastLine) Write(b []byte) (int, error) {
	s := string(b)
	if i := strings.LastIndex(s, "\033[K"); i >= 0 {
		s = s[i+len("\033[K"):]
	}
	s = strings.TrimSpace(s)
	if _, rest, ok := strings.Cut(s, " "); ok {
		s = rest
	}
	if s != "" {
		ll.mu.Lock()
		ll.s = s
		ll.mu.Unlock()
	}
	return len(b), nil
}

func (ll *lastLine) String() string {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	return ll.s
}
