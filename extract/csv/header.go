package csv

import (
	"context"
	"fmt"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

var _ extract.Previewer = (*Extractor)(nil)

// Preview implements extract.Previewer: the header of every matching file,
// as Open reads it; extract.ErrNoInput when no file matches (yet).
func (e *Extractor) Preview(ctx context.Context) (*xcetl.Schema, error) {
	if _, err := e.resolve(); err != nil {
		return nil, fmt.Errorf("%w: %w", extract.ErrNoInput, err)
	}
	schema, err := e.Open(ctx)
	if err != nil {
		return nil, err
	}
	return schema, e.Close()
}
