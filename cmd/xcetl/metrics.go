package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xcetl/xcetl/pipelines"
)

// serveMetrics serves the pipeline's metrics, the Go runtime's and the
// process's on http://addr/metrics until the returned function is called.
// addr may end in ":0" for a free port; the address is logged.
func serveMetrics(addr string, p *pipelines.Pipeline, log *slog.Logger) (stop func(), err error) {
	_, stop, err = listenMetrics(addr, p, log)
	return stop, err
}

// listenMetrics is serveMetrics, returning the address it listens on.
func listenMetrics(addr string, p *pipelines.Pipeline, log *slog.Logger) (string, func(), error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(p.Collector()); err != nil {
		return "", nil, err
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving metrics", "pipeline", p.Spec().Name, "url", "http://"+ln.Addr().String()+"/metrics")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics endpoint failed", "error", err)
		}
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
