package excel

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// refReader is the row reader written on encoding/xml (the first version
// of this package). It stays as the reference the fast scanner is fuzzed
// against: both must produce the same rows up to the first error of either.
type refReader struct {
	s *sheetReader // for its row state, cell, addCell and finishRow
	d *xml.Decoder
}

func newRefReader(b *book, r io.Reader, maxCol int) *refReader {
	return &refReader{s: &sheetReader{b: b, maxCol: maxCol}, d: xml.NewDecoder(r)}
}

func refAttr(t xml.StartElement, name string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

func (rr *refReader) next(r *sheetRow) error {
	for {
		tok, err := rr.d.RawToken()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				num := rr.s.row + 1
				v, explicit := refAttr(t, "r")
				if explicit {
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 || len(v) > 9 {
						return fmt.Errorf("bad row number %q", v)
					}
					num = n
				}
				if num > maxRows {
					return fmt.Errorf("row %d past the last", num)
				}
				rr.s.row, rr.s.nrow = num, !explicit
				rr.s.startRow(r, num)
				return rr.readCells(r)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return io.EOF
			}
		}
	}
}

func (rr *refReader) readCells(r *sheetRow) error {
	var pos cellPos
	for {
		tok, err := rr.d.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			var typ, style string
			var ref []byte
			for _, a := range t.Attr {
				if a.Name.Space != "" {
					continue
				}
				switch a.Name.Local {
				case "r":
					ref = []byte(a.Value)
				case "t":
					typ = a.Value
				case "s":
					style = a.Value
				}
			}
			raw, inline, err := rr.cellValue()
			if err != nil {
				return err
			}
			rr.s.text, rr.s.long = raw, false
			rr.s.capText()
			rr.s.cell(r, &pos, ref, []byte(typ), []byte(style), inline)
		case xml.EndElement:
			if t.Name.Local == "row" {
				rr.s.finishRow(r)
				return nil
			}
		}
	}
}

func (rr *refReader) cellValue() (val []byte, inline bool, err error) {
	var text []byte
	in, rph := false, 0
	for {
		tok, err := rr.d.RawToken()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				in = true
			case "is":
				inline = true
			case "t":
				if inline && rph == 0 {
					in = true
				}
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				return text, inline, nil
			case "v", "t":
				in = false
			case "rPh":
				rph--
			}
		case xml.CharData:
			if in {
				text = append(text, t...)
			}
		}
	}
}
