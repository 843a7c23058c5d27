package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// TestCDCDrainIntegration runs the real binary on a Kafka CDC pipeline:
// --exit-when-idle ends the run with exit 0 once the topic is applied; a
// run without it goes on until SIGTERM, which drains (exit 0, status ok,
// the events applied and their offsets stored).
func TestCDCDrainIntegration(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("signals: linux only")
	}
	dsn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xcetl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "src.public.people"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `CREATE TABLE people (id bigint PRIMARY KEY, name text)`); err != nil {
		t.Fatal(err)
	}
	kc, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	produce := func(from, to int) {
		var recs []*kgo.Record
		for i := from; i <= to; i++ {
			recs = append(recs, &kgo.Record{Topic: "src.public.people", Key: fmt.Appendf(nil, `{"id":%d}`, i),
				Value: fmt.Appendf(nil, `{"op":"c","after":{"id":%d,"name":"人%d"},"source":{"connector":"postgresql","lsn":%d}}`, i, i, 100+i)})
		}
		if err := kc.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM people`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p := writeFile(t, dir, "cdc.yaml", `version: 1
name: people-cdc
source: {type: kafka, brokers: ["`+cluster.ListenAddrs()[0]+`"], topic: src.public.people, group: people, format: debezium}
target: {type: postgres, dsn: "${PG_DSN}", table: people, mode: cdc, key: [id]}
`)
	produce(1, 100)
	cmd := exec.Command(bin, "run", p, "--set", "PG_DSN="+dsn, "--exit-when-idle", "1s", "--progress", "never")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("--exit-when-idle run: %v\n%s", err, out)
	}
	if n := count(); n != 100 {
		t.Fatalf("after the idle run: %d rows, want 100", n)
	}

	// Long-running: SIGTERM drains.
	rep := filepath.Join(dir, "report.json")
	cmd = exec.Command(bin, "run", p, "--set", "PG_DSN="+dsn, "--report", rep, "--progress", "never")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	produce(101, 150)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && count() < 150 {
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the run ended by itself: %v\n%s", err, stderr.String())
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM: %v (want exit 0)\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("xcetl did not stop after SIGTERM\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "draining") {
		t.Errorf("no draining notice:\n%s", stderr.String())
	}
	raw, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Status string             `json:"status"`
		Stats  map[string]float64 `json:"stats"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != "ok" || r.Stats["cdc_events_applied"] != 50 {
		t.Errorf("report after SIGTERM: %s", raw)
	}
	var state string
	if err := db.QueryRow(ctx, `SELECT convert_from(decode(state_value, 'hex'), 'UTF8') FROM xcetl_state WHERE pipeline = 'people-cdc'`).Scan(&state); err != nil || state != "150" {
		t.Errorf("stored offset = %q, %v; want 150", state, err)
	}
}
