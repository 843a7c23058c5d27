package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl/migrate"
	"github.com/xcetl/xcetl/pipelines"
)

// schemaKinds are the file formats `xcetl schema --kind` knows.
var schemaKinds = []string{"pipeline", "migration"}

func schemaCmd(g *globals) *cobra.Command {
	var kind string
	c := &cobra.Command{
		Use:   "schema [--kind pipeline|migration]",
		Short: "print the JSON Schema (draft 2020-12) of a file format, for editors (docs/editors.md)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var s map[string]any
			switch kind {
			case "pipeline":
				s = pipelines.JSONSchema()
			case "migration":
				s = migrate.JSONSchema()
			default:
				return &exitError{exitInvalid, fmt.Errorf("--kind %q: use one of %v", kind, schemaKinds)}
			}
			out, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(g.stdout, "%s\n", out)
			return err
		},
	}
	c.Flags().StringVar(&kind, "kind", "pipeline", "the file format: pipeline or migration")
	return c
}
