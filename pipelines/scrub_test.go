package pipelines_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
)

const canary = "Canary-Token-77"

// leakySource logs, rejects and (at panicAt) panics with the pipeline's
// secret in every text it produces, as a careless plugin would.
type leakySource struct {
	log     *slog.Logger
	panicAt bool
	done    bool
	schema  *xcetl.Schema
}

func (s *leakySource) Open(context.Context) (*xcetl.Schema, error) {
	s.schema = xcetl.NewStringSchema([]string{"id", "token"})
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		s.log.Log(context.Background(), l, "connecting with "+canary, "token", canary, "err", errors.New("auth "+canary),
			slog.Group("g", "v", canary))
	}
	return s.schema, nil
}

func (s *leakySource) Next(context.Context, int) (*xcetl.Batch, error) {
	if s.panicAt {
		panic("source state: token=" + canary)
	}
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	b := &xcetl.Batch{Schema: s.schema, RawHeader: []string{"id", "token"}}
	b.Rows = [][]any{{"1", "a"}}
	b.Raw = [][]string{{"1", "a"}}
	b.Origin = []xcetl.Origin{{File: "leaky", Line: 2, Record: 1}}
	b.Rejects = []xcetl.Reject{{Origin: xcetl.Origin{File: "leaky", Line: 3, Record: 2}, Raw: []string{"2", canary}, Reason: "the server said " + canary}}
	return b, nil
}

func (s *leakySource) Close() error { return nil }

// panicky panics in Apply with the secret in its value.
type panicky struct{}

func (panicky) Bind(in *xcetl.Schema) (*xcetl.Schema, error) { return in, nil }
func (panicky) Apply(context.Context, *xcetl.Batch) error    { panic(errors.New("bad " + canary)) }

// TestScrubEveryChannel: a secret of the pipeline (here an API token from
// the environment) that a plugin puts into its log records at every level,
// its reject reasons and values, or a panic, appears in no byte of the
// logs (text and JSON), the report, the reject file, the metrics file or
// the run's error.
func TestScrubEveryChannel(t *testing.T) {
	for _, tc := range []struct {
		name       string
		panicAt    string // "", "source", "transform"
		transforms string
	}{
		{"logs, rejects, report", "", ""},
		{"panic in the source", "source", ""},
		{"panic in a transform", "transform", "transforms:\n  - panicky: {}\n"},
	} {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "p.yaml")
				body := "version: 1\nname: leaky\nsource: {type: leaky, token: \"${TOKEN}\"}\n" + tc.transforms +
					"target: {type: sqlite, dsn: t.db, table: t}\nerrors: {max_rejects: 5, reject_file: rejects.csv}\n"
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				var logs bytes.Buffer
				opts := &slog.HandlerOptions{Level: slog.LevelDebug}
				h := slog.Handler(slog.NewTextHandler(&logs, opts))
				if format == "json" {
					h = slog.NewJSONHandler(&logs, opts)
				}
				p, err := pipelines.Load(path, pipelines.WithVars(map[string]string{"TOKEN": canary}), pipelines.WithLookupEnv(noEnv),
					pipelines.WithLogger(slog.New(h)),
					pipelines.WithExtractor("leaky", func(n *config.Node, env extract.Env) (extract.Extractor, error) {
						return &leakySource{log: env.Logger, panicAt: tc.panicAt == "source"}, nil
					}),
					pipelines.WithTransform("panicky", func(*config.Node, transform.Env) (transform.Transform, error) { return panicky{}, nil }))
				if err != nil {
					t.Fatal(err)
				}
				rep, runErr := p.Run(context.Background(), pipelines.RunOptions{})
				if (tc.panicAt != "") != (runErr != nil) {
					t.Fatalf("run error %v", runErr)
				}
				if err := rep.WriteFile(filepath.Join(dir, "report.json")); err != nil {
					t.Fatal(err)
				}
				if err := p.WriteMetricsFile(filepath.Join(dir, "m.prom")); err != nil {
					t.Fatal(err)
				}
				var summary bytes.Buffer
				rep.Summary(&summary)
				outputs := map[string]string{"logs": logs.String(), "summary": summary.String()}
				if runErr != nil {
					outputs["error"] = runErr.Error()
				}
				for _, f := range []string{"report.json", "m.prom", "rejects.csv"} {
					data, _ := os.ReadFile(filepath.Join(dir, f))
					outputs[f] = string(data)
				}
				if tc.panicAt == "" && (!strings.Contains(outputs["rejects.csv"], "the server said ***") || strings.Count(logs.String(), "connecting with ***") != 4) {
					t.Fatalf("the channels were not exercised:\nlogs:\n%s\nrejects:\n%s", logs.String(), outputs["rejects.csv"])
				}
				if tc.panicAt != "" && !strings.Contains(runErr.Error(), "internal error") {
					t.Fatalf("run error %v", runErr)
				}
				for name, text := range outputs {
					if strings.Contains(text, canary) {
						t.Errorf("%s holds the secret:\n%s", name, text)
					}
				}
			})
		}
	}
}
