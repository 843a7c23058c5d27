package excel

import (
	"io"
	"sync"
)

// A worksheet is inflated in a goroutine of its own, a few chunks ahead of
// the scanner: decompression was a quarter of the reader's time, and the
// reader's goroutine is the one a workbook load waits on (the transforms
// and the loader run beside it). The chunks are recycled, so the memory is
// readAheadChunks+1 chunks whatever the size of the sheet.

const (
	readAheadChunk  = 256 << 10
	readAheadChunks = 3
)

// chunk is one read of the inflating goroutine: data, then the error that
// ended it (io.EOF at the end of the part).
type chunk struct {
	buf []byte
	n   int
	err error
}

// readAhead reads r in a goroutine. Read returns the bytes and errors of r
// in the order r returned them. Close stops the goroutine, waits for it and
// closes r, once.
type readAhead struct {
	r    io.ReadCloser
	full chan chunk  // filled by the goroutine, in order
	free chan []byte // buffers back from the reader
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	cur  chunk // being read by Read
	off  int
	err  error // the error that ended the stream, once reached
	cerr error // the source's Close
}

func newReadAhead(r io.ReadCloser) *readAhead {
	ra := &readAhead{r: r, full: make(chan chunk, readAheadChunks), free: make(chan []byte, readAheadChunks+1), stop: make(chan struct{})}
	for range readAheadChunks + 1 {
		ra.free <- make([]byte, readAheadChunk)
	}
	ra.wg.Add(1)
	go ra.fill()
	return ra
}

// fill reads r until it fails or Close is called.
func (ra *readAhead) fill() {
	defer ra.wg.Done()
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := fillChunk(ra.r, buf)
		select {
		case ra.full <- chunk{buf: buf, n: n, err: err}:
		case <-ra.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// fillChunk reads r into buf until buf is full or r fails. Unlike
// io.ReadAtLeast it passes r's errors on as they are: a truncated deflate
// stream's io.ErrUnexpectedEOF must not become a clean end.
func fillChunk(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.off == ra.cur.n {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.cur.buf != nil {
			ra.free <- ra.cur.buf
		}
		ra.cur, ra.off = <-ra.full, 0
		ra.err = ra.cur.err
	}
	n := copy(p, ra.cur.buf[ra.off:ra.cur.n])
	ra.off += n
	return n, nil
}

func (ra *readAhead) Close() error {
	ra.once.Do(func() {
		close(ra.stop)
		ra.wg.Wait()
		ra.cerr = ra.r.Close()
	})
	return ra.cerr
}
