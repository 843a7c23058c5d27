package excel

import "sync"

// After the header and the typing sample, the sheet's rows are read by a
// goroutine of their own (scanning the XML and converting the cells) and
// handed to Next in chunks, so that Next's own work (placing the cells,
// typing the values, building the batch) runs beside it rather than after
// it. With the inflating goroutine (readAhead) a load has three stages
// that overlap; each was a third of the reader's time.

// feedChunkRows and feedChunkText bound a chunk (it holds one row at
// least); feedChunks chunks wait at most, so a few thousand rows or a few
// MiB of text are in flight whatever the sheet.
const (
	feedChunkRows = 512
	feedChunkText = 1 << 20
	feedChunks    = 2
	feedSlab      = 8192 // cells per allocation, unless a row has more
)

// feedChunk is rows read in order, then the error that ended the reading
// (nil if it goes on; io.EOF at the end).
type feedChunk struct {
	rows []pendingRow
	err  error
}

// rowFeed runs a cursor's read in a goroutine.
type rowFeed struct {
	ch   chan feedChunk
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	cur  feedChunk // being taken by read
	next int
}

func startFeed(c *cursor) *rowFeed {
	f := &rowFeed{ch: make(chan feedChunk, feedChunks), stop: make(chan struct{})}
	f.wg.Add(1)
	go f.run(c)
	return f
}

// run reads rows until the cursor fails or stop is closed. Each row's
// slices are copied into the chunk's (the cursor reuses its own); the
// strings are the row's already.
func (f *rowFeed) run(c *cursor) {
	defer f.wg.Done()
	for {
		ch := feedChunk{rows: make([]pendingRow, 0, feedChunkRows)}
		var vals []string
		var kinds []cellKind
		for text := 0; len(ch.rows) < feedChunkRows && text < feedChunkText; {
			pr, err := c.read()
			if err != nil {
				ch.err = err
				break
			}
			if cap(vals)-len(vals) < len(pr.vals) {
				n := max(len(pr.vals), min(len(pr.vals)*(feedChunkRows-len(ch.rows)), feedSlab))
				vals, kinds = make([]string, 0, n), make([]cellKind, 0, n)
			}
			a := len(vals)
			vals, kinds = append(vals, pr.vals...), append(kinds, pr.kinds...)
			pr.vals, pr.kinds = vals[a:len(vals):len(vals)], kinds[a:len(kinds):len(kinds)]
			ch.rows = append(ch.rows, pr)
			for _, v := range pr.vals {
				text += len(v)
			}
		}
		select {
		case f.ch <- ch:
		case <-f.stop:
			return
		}
		if ch.err != nil {
			return
		}
	}
}

// read returns the next row, or the error that ended the reading.
func (f *rowFeed) read() (pendingRow, error) {
	for f.next == len(f.cur.rows) {
		if f.cur.err != nil {
			return pendingRow{}, f.cur.err
		}
		f.cur, f.next = <-f.ch, 0
	}
	pr := f.cur.rows[f.next]
	f.cur.rows[f.next] = pendingRow{}
	f.next++
	return pr, nil
}

// close stops the goroutine and waits for it: the cursor is the caller's
// again.
func (f *rowFeed) close() {
	f.once.Do(func() { close(f.stop) })
	f.wg.Wait()
}
