package excel

import (
	"context"
	"io"
)

// SheetInfo describes one sheet of a workbook, for tools such as
// `xcetl inspect`.
type SheetInfo struct {
	Name string
	// Kind is "" for a worksheet, else what the sheet is ("chart sheet").
	Kind string
}

// PreviewRow is one stored row of a sheet as text: Cells[c-1] is column c
// ("" when empty), in the forms of `types: text`. Merged areas are not
// filled; a cell that cannot be read is its stored text (#N/A), as the
// reject file shows it.
type PreviewRow struct {
	Num   int // the spreadsheet's row number
	Cells []string
}

// Preview opens the workbook at path and returns its sheets and up to n
// non-empty rows from the top of the sheet named or numbered by sheet ("" =
// the first worksheet), with the sheet's name. It reads only as far as it
// needs. Errors are those a source would report (an .xls file, an unknown
// sheet, a zip bomb).
func Preview(ctx context.Context, path, sheet string, n int) (sheets []SheetInfo, name string, rows []PreviewRow, err error) {
	b, err := openBook(path, path)
	if err != nil {
		return nil, "", nil, err
	}
	defer b.Close()
	for _, s := range b.sheets {
		sheets = append(sheets, SheetInfo{Name: s.Name, Kind: s.other})
	}
	si, err := pickSheet(b, sheet)
	if err != nil {
		return sheets, "", nil, err
	}
	sr, err := b.openSheet(si, 0, 0, nil)
	if err != nil {
		return sheets, si.Name, nil, err
	}
	defer sr.Close()
	var r sheetRow
	for len(rows) < n {
		if err := ctx.Err(); err != nil {
			return sheets, si.Name, rows, err
		}
		err := sr.next(&r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return sheets, si.Name, rows, err
		}
		empty := true
		for _, v := range r.vals {
			if v != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		rows = append(rows, PreviewRow{Num: r.num, Cells: append([]string(nil), r.vals...)})
	}
	return sheets, si.Name, rows, nil
}
