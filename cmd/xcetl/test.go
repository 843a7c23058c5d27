package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl/internal/pipetest"
)

func testCmd(g *globals) *cobra.Command {
	var update bool
	c := &cobra.Command{
		Use:   "test PATH...",
		Short: "run the pipeline tests (*_test.yaml) in PATH: the transforms on test input, no database needed",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			res, err := pipetest.Run(cmd.Context(), args, pipetest.Options{Update: update, Out: g.stdout, Logger: log})
			if err != nil {
				return &exitError{codeOf(err), fmt.Errorf("%d test file(s) could not run", countErrs(err))}
			}
			if res.Failed > 0 {
				return &exitError{exitFailed, fmt.Errorf("%d of %d case(s) failed", res.Failed, res.Cases)}
			}
			if !update {
				fmt.Fprintf(g.stdout, "ok: %d case(s) in %d file(s)\n", res.Cases, res.Files)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&update, "update", false, "write each case's actual output as its want:")
	return c
}

func countErrs(err error) int {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}
