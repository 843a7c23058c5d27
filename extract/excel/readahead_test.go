package excel

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// failAfter returns data, then err.
type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		err = f.err
	}
	return n, err
}

func TestReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("<row><c><v>1</v></c></row>"), 3*readAheadChunk/26+7)
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		r    io.Reader
		want error // after all of data
	}{
		{"whole", bytes.NewReader(data), io.EOF},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data)), io.EOF},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(data)), io.EOF},
		// A truncated deflate stream must stay an error, not become the end.
		{"truncated", &failAfter{bytes.NewReader(data), io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF},
		{"failed", &failAfter{bytes.NewReader(data), boom}, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ra := newReadAhead(io.NopCloser(tc.r))
			defer ra.Close()
			got, err := io.ReadAll(ra)
			if tc.want == io.EOF {
				if err != nil {
					t.Fatalf("ReadAll: %v", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("ReadAll error %v, want %v", err, tc.want)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, want the %d written", len(got), len(data))
			}
			if n, err := ra.Read(make([]byte, 10)); n != 0 || !errors.Is(err, tc.want) {
				t.Fatalf("Read after the end = %d, %v; want 0, %v", n, err, tc.want)
			}
		})
	}
}

// TestReadAheadCloseEarly closes a reader whose goroutine is waiting for a
// free buffer: Close must return, and close the source.
func TestReadAheadCloseEarly(t *testing.T) {
	src := &closeCounter{Reader: bytes.NewReader(make([]byte, 10*readAheadChunk))}
	ra := newReadAhead(src)
	if _, err := ra.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := ra.Close(); err != nil || src.closed != 1 {
		t.Fatalf("Close = %v, source closed %d times", err, src.closed)
	}
	if err := ra.Close(); err != nil || src.closed != 1 {
		t.Fatalf("second Close = %v", err)
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }
