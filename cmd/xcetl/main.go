// Command xcetl runs YAML ETL pipelines: CSV (and more) sources through
// transforms into DM8, KingbaseES, openGauss, PostgreSQL or SQLite.
//
// See docs/pipeline.md for the pipeline file and the commands.
package main

import (
	"os"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
