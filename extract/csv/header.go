package csv

import (
	"context"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

var _ extract.Previewer = (*Extractor)(nil)

// Preview implements extract.Previewer: the header of every matching file,
// as Open reads it; extract.ErrNoInput when no file matches (yet).
func (e *Extractor) Preview(ctx context.Context) (*xcetl.Schema, error) {
	_, missing := e.resolve()
	return extract.PreviewByOpen(ctx, e, missing)
}
