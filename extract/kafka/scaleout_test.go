package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// child is one xcetl process of the scale-out test.
type child struct {
	name   string
	cmd    *exec.Cmd
	stderr *strings.Builder
	done   chan error
}

func startChild(t *testing.T, name, path string) *child {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{name: name, cmd: exec.Command(bin, "-test.run=^$"), stderr: &strings.Builder{}, done: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), childEnv+"="+path, childIdleEnv+"=0")
	c.cmd.Stderr = &lockedWriter{w: c.stderr}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (c *child) log() string {
	lw := c.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.String()
}

// TestScaleOutIntegration runs one pipeline as several xcetl processes in
// one consumer group on a 6-partition topic while the source keeps
// changing: three processes start, one is killed (SIGKILL) in the middle,
// a fourth joins later, and the partitions move between them in the
// rebalances. No process holds a lock of the pipeline; the offsets the
// target keeps per partition, and the per-key versions, keep them apart.
// At the end the table equals the source, and a sampler that read the
// table all along never saw a row go back to an older image.
func TestScaleOutIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const parts = 6
	h := newHarness(t, parts, "src.public.residents")
	h.exec(residentsDDL)
	recs, state := historyOn(31, 600, 9000, parts)
	order := changeOrder(recs)
	path := h.pipeline("residents_scale", `
source: {type: kafka, brokers: ["`+h.addr+`"], topic: src.public.residents, group: scale, format: debezium, linger: 50ms}
target: {type: postgres, dsn: "`+h.dsn+`", table: public.residents, mode: cdc, key: [id], batch_size: 200}
`)
	// Six slices of the history, produced over time so that the
	// rebalances (a member's heartbeat notices a join within 3 s, a killed
	// member's partitions wait for its 10 s session to lapse) happen while
	// events flow.
	slice := func(i int) []rec { return recs[i*len(recs)/6 : (i+1)*len(recs)/6] }
	h.produce("src.public.residents", slice(0)...)

	ctx, stopSampler := context.WithCancel(context.Background())
	regressions := make(chan string, 10)
	go h.sample(ctx, order, regressions)

	kids := []*child{startChild(t, "a", path), startChild(t, "b", path), startChild(t, "c", path)}
	defer func() {
		for _, k := range kids {
			_ = k.cmd.Process.Kill()
		}
	}()
	h.produceOver("src.public.residents", slice(1), 4*time.Second)
	h.waitApplied(t, int64(2*len(recs)/6), 60*time.Second)
	_ = kids[1].cmd.Process.Signal(syscall.SIGKILL) // b dies mid-stream
	<-kids[1].done
	h.produceOver("src.public.residents", append(slice(2), slice(3)...), 12*time.Second)
	kids = append(kids, startChild(t, "d", path)) // d joins later
	h.produceOver("src.public.residents", append(slice(4), slice(5)...), 6*time.Second)
	h.waitApplied(t, int64(len(recs)), 120*time.Second)

	for _, k := range []*child{kids[0], kids[2], kids[3]} {
		_ = k.cmd.Process.Signal(syscall.SIGTERM)
	}
	applied := map[string]float64{}
	for _, k := range []*child{kids[0], kids[2], kids[3]} {
		select {
		case err := <-k.done:
			if err != nil {
				t.Errorf("process %s: %v\n%s", k.name, err, k.log())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("process %s did not stop after SIGTERM\n%s", k.name, k.log())
		}
		var n float64
		if i := strings.Index(k.log(), "child: ok, applied "); i >= 0 {
			fmt.Sscanf(k.log()[i+len("child: ok, applied "):], "%g", &n)
		}
		applied[k.name] = n
	}
	stopSampler()
	close(regressions)
	for r := range regressions {
		t.Error(r)
	}
	if got := h.query(`SELECT id, name FROM public.residents`); sortedLines(got) != wantRows(state) {
		t.Fatalf("the table differs from the source (%d rows, want %d)", strings.Count(got, "\n")+1, len(state))
	}
	if applied["d"] == 0 {
		t.Errorf("the process that joined later applied nothing: the partitions did not move to it (applied %v)\n%s", applied, kids[3].log())
	}
	t.Logf("events applied by the processes still running at the end: %v (b was killed)", applied)
}

// produceOver produces recs in ten slices spread over d.
func (h *harness) produceOver(topic string, recs []rec, d time.Duration) {
	h.t.Helper()
	for i := 0; i < 10; i++ {
		h.produce(topic, recs[i*len(recs)/10:(i+1)*len(recs)/10]...)
		time.Sleep(d / 10)
	}
}

// waitApplied waits until the target's offsets sum to n messages.
func (h *harness) waitApplied(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for h.appliedOffsets() < n {
		if time.Now().After(deadline) {
			t.Fatalf("the target holds offsets of %d messages after %s, want %d", h.appliedOffsets(), within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// changeOrder numbers the images of each key in the order the source made
// them: id → name → the positions (in that key's history) it had.
func changeOrder(recs []rec) map[int64]map[string][]int {
	out := map[int64]map[string][]int{}
	n := map[int64]int{}
	for _, r := range recs {
		if r.Value == nil {
			continue
		}
		var ev struct {
			Op    string         `json:"op"`
			After map[string]any `json:"after"`
		}
		if json.Unmarshal([]byte(*r.Value), &ev) != nil || ev.After == nil {
			continue
		}
		id := int64(ev.After["id"].(float64))
		name := ev.After["name"].(string)
		if out[id] == nil {
			out[id] = map[string][]int{}
		}
		out[id][name] = append(out[id][name], n[id])
		n[id]++
	}
	return out
}

// sample reads the table over and over until ctx ends and reports a row
// that shows an image older than one seen before for its key.
func (h *harness) sample(ctx context.Context, order map[int64]map[string][]int, regressions chan<- string) {
	db, err := pgx.Connect(ctx, h.dsn)
	if err != nil {
		regressions <- "sampler: " + err.Error()
		return
	}
	defer db.Close(context.Background())
	last := map[int64]int{}
	for ctx.Err() == nil {
		rows, err := db.Query(ctx, `SELECT id, name FROM public.residents`)
		if err != nil {
			return
		}
		for rows.Next() {
			var id int64
			var name string
			if rows.Scan(&id, &name) != nil {
				continue
			}
			// The earliest place of this image at or after the last one
			// seen (an image can repeat in a key's history).
			at := -1
			for _, i := range order[id][name] {
				if i >= last[id] && (at < 0 || i < at) {
					at = i
				}
			}
			if at < 0 {
				select {
				case regressions <- fmt.Sprintf("row %d went back to an older image %q (after change %d of its key)", id, name, last[id]):
				default:
				}
				continue
			}
			last[id] = at
		}
		rows.Close()
		time.Sleep(30 * time.Millisecond)
	}
}
