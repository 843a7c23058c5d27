// Command xcetl runs YAML ETL pipelines: CSV (and more) sources through
// transforms into DM8, KingbaseES, openGauss, PostgreSQL or SQLite.
//
// See docs/pipeline.md for the pipeline file and the commands.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	tuneGC()
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// tuneGC trades a little memory for a lot of CPU: a load allocates many
// short-lived values per row while its live heap stays small and flat (a few
// batches), so the default GOGC=100 spends much of the client's CPU in
// the collector. With GOGC=200 the heap may grow to three times the live
// batches (tens of MB), and a soft limit keeps a run with unusually wide
// rows from growing without bound. GOGC and GOMEMLIMIT in the environment
// win, as usual. Only the binary does this; a program embedding xcetl keeps
// its own settings.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(512 << 20)
	}
}
