package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl/internal/inspect"
	"github.com/xcetl/xcetl/internal/safefile"
)

// inspectCmd is `xcetl inspect DATAFILE`: sniff a CSV or .xlsx file and
// print a starter pipeline. The logic is in internal/inspect.
func inspectCmd(g *globals) *cobra.Command {
	var (
		opts   inspect.Options
		target string
		output string
	)
	c := &cobra.Command{
		Use:   "inspect DATAFILE",
		Short: "sniff a CSV/XLSX file (encoding, delimiter, header, rows, column types) and print a starter pipeline",
		Long: "xcetl inspect reads a CSV or .xlsx file the way a pipeline would and prints a starter pipeline\n" +
			"YAML on stdout: the source as detected (encoding, delimiter, title lines and header of a CSV;\n" +
			"sheet, header row(s) and totals line of a workbook), a cast for every column whose values are\n" +
			"all numbers, dates, timestamps or booleans, and a SQLite target. What it found is in comments\n" +
			"at the top. Up to --sample rows are read; for a bigger file the row count is an estimate.\n\n" +
			"  xcetl inspect data/台账.xlsx > 台账.yaml && xcetl validate 台账.yaml && xcetl run 台账.yaml",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			po := inspect.PipelineOptions{Target: target}
			if output != "" {
				po.Dir = filepath.Dir(output)
			}
			known := false
			for _, t := range inspect.Targets {
				known = known || t == target
			}
			if !known {
				return &exitError{exitInvalid, fmt.Errorf("--target %q: use one of %s", target, strings.Join(inspect.Targets, ", "))}
			}
			if opts.Sample < 0 {
				return &exitError{exitInvalid, fmt.Errorf("--sample %d: need a positive number of rows", opts.Sample)}
			}
			rep, err := inspect.Inspect(cmd.Context(), args[0], opts)
			if err != nil {
				return &exitError{exitFailed, err}
			}
			y, err := rep.Pipeline(po)
			if err != nil {
				return &exitError{exitInvalid, err}
			}
			if output == "" {
				_, err := fmt.Fprint(g.stdout, y)
				return err
			}
			if err := safefile.WriteFile(output, []byte(y), 0o644); err != nil {
				return &exitError{exitFailed, fmt.Errorf("write %s: %w", output, err)}
			}
			fmt.Fprint(g.stderr, rep.Summary())
			fmt.Fprintf(g.stderr, "wrote %s; check it with: xcetl validate %s\n", output, output)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&opts.Sheet, "sheet", "", "workbook sheet, by name or 1-based index (default: the first worksheet)")
	f.IntVar(&opts.Sample, "sample", inspect.DefaultSample, "data rows to read for the types; a bigger file's row count is estimated")
	f.StringVar(&target, "target", "sqlite", "target of the starter pipeline: "+strings.Join(inspect.Targets, ", ")+" (others take the DSN from ${XCETL_DSN})")
	f.StringVarP(&output, "output", "o", "", "write the pipeline to FILE (the data path is made relative to FILE's directory) instead of stdout")
	return c
}
