package excel

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

var _ extract.Previewer = (*Extractor)(nil)

// Preview implements extract.Previewer: the header row of the sheet, as
// Open reads it; extract.ErrNoInput when the workbook is not there (yet).
func (e *Extractor) Preview(ctx context.Context) (*xcetl.Schema, error) {
	var missing error
	if _, err := os.Stat(e.st.fullPath()); errors.Is(err, os.ErrNotExist) {
		missing = fmt.Errorf("file %s does not exist", e.st.path)
	}
	return extract.PreviewByOpen(ctx, e, missing)
}
