package pgfamily

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xcetl/xcetl/dialects"
)

// A run that is one transaction (dialects.Target.Defer, commit: run) lets
// the writer hold work back until the loader's Flush:
//
//   - over pgx, the payloads of up to dialects.MaxHeldPayloads batches
//     stream into one COPY … FROM STDIN that stays open between Writes,
//     instead of one COPY per batch: the server sets up a COPY (its
//     buffered multi-insert slots, a bulk-insert state) once per stream
//     rather than once per batch, which is about a sixth of its work for
//     an append of narrow rows;
//   - an upsert stages the rows of several batches (the loader flushes
//     after dialects.MaxHeldPayloads of them, and earlier when a batch
//     repeats a key already staged) and applies them with one statement at
//     Flush, as a careful person does by hand: COPY into a temporary
//     table, then one INSERT … ON CONFLICT or MERGE.
//
// The connection settles what is held before anything else it runs: Exec,
// Query and Begin end an open COPY, Commit flushes (a COMMIT can never
// drop staged rows), Rollback and Close abort the COPY and forget the
// staged rows.

// copyStreamer is implemented by sessions that can run one COPY whose data
// comes from a reader fed across Writes (pgx).
type copyStreamer interface {
	copyStream(ctx context.Context, sql string, r io.Reader) error
}

func (c *conn) copyStream(ctx context.Context, sql string, r io.Reader) error {
	_, err := c.pg.PgConn().CopyFrom(ctx, r, sql)
	return err
}

// copyStream is one open COPY fed through a pipe.
type copyStream struct {
	pw     *io.PipeWriter
	done   chan error
	cancel context.CancelFunc
	// ends[i] is the number of rows sent up to the end of the i-th payload
	// of the stream, seqs[i] that payload's number among the writer's.
	ends []int
	seqs []int
}

// errAborted ends a stream whose transaction is rolled back.
var errAborted = errors.New("copy aborted: the run is rolled back")

// binaryTrailer ends a binary COPY stream.
var binaryTrailer = []byte{0xff, 0xff}

// holder is the deferred writer of a connection's run, whose held work the
// connection settles around its own statements (embedded by both
// transports).
type holder struct{ held *writer }

func (h *holder) hold(w *writer) { h.held = w }

// settle ends an open COPY (before any other statement on the session).
func (h *holder) settle(ctx context.Context) error {
	if h.held == nil {
		return nil
	}
	return h.held.endStream(ctx)
}

// flush completes everything held (before COMMIT).
func (h *holder) flush(ctx context.Context) error {
	if h.held == nil {
		return nil
	}
	return h.held.Flush(ctx)
}

// discard aborts an open COPY and forgets staged rows (before ROLLBACK and
// Close).
func (h *holder) discard() {
	if h.held != nil {
		h.held.abort()
	}
}

// streamPayload sends payload p (number seq) into the open COPY, opening
// one if needed, and ends the stream once it holds MaxHeldPayloads
// payloads. A failure of the COPY, which may concern a row of an earlier
// payload of the stream, comes back from here or from endStream.
func (w *writer) streamPayload(ctx context.Context, cs copyStreamer, p *copyPayload, seq int) error {
	if err := ctx.Err(); err != nil {
		// The open COPY notices the cancellation on its own time; this
		// payload must not pass for written meanwhile.
		return fmt.Errorf("copy: %w", err)
	}
	data := *p.buf
	if w.p.binary {
		data = data[len(binaryHeader) : len(data)-len(binaryTrailer)]
	}
	st := w.stream
	if st == nil {
		sctx, cancel := context.WithCancel(ctx)
		pr, pw := io.Pipe()
		st = &copyStream{pw: pw, done: make(chan error, 1), cancel: cancel}
		go func() {
			err := cs.copyStream(sctx, w.p.copy, pr)
			if err == nil {
				err = io.ErrClosedPipe
			}
			// Unblocks a Write still feeding a COPY the server gave up.
			_ = pr.CloseWithError(err)
			if err == io.ErrClosedPipe {
				err = nil
			}
			st.done <- err
		}()
		w.stream = st
		if w.p.binary {
			data = (*p.buf)[:len(*p.buf)-len(binaryTrailer)] // this payload's header opens the stream
		}
	}
	last := 0
	if n := len(st.ends); n > 0 {
		last = st.ends[n-1]
	}
	st.ends = append(st.ends, last+p.rows)
	st.seqs = append(st.seqs, seq)
	if _, werr := st.pw.Write(data); werr != nil {
		if err := w.endStream(ctx); err != nil {
			return err
		}
		return w.s.wrap(fmt.Errorf("copy: %w", werr))
	}
	if len(st.seqs) >= dialects.MaxHeldPayloads {
		return w.endStream(ctx)
	}
	return nil
}

// endStream ends the open COPY, if any, and returns its verdict; a row
// error names the payload of the row (RowError.Payload).
func (w *writer) endStream(ctx context.Context) error {
	st := w.stream
	if st == nil {
		return nil
	}
	w.stream = nil
	defer st.cancel()
	if w.p.binary {
		_, _ = st.pw.Write(binaryTrailer) // a failed COPY reports through done
	}
	_ = st.pw.Close()
	var err error
	select {
	case err = <-st.done:
	case <-ctx.Done():
		st.cancel()
		err = <-st.done
	}
	if err == nil {
		return nil
	}
	err = copyError(err)
	var re *dialects.RowError
	if errors.As(err, &re) {
		st.locate(re)
	}
	return w.s.wrap(err)
}

// locate turns a row number counted over the stream into a payload and a
// row of it.
func (st *copyStream) locate(re *dialects.RowError) {
	start := 0
	for i, end := range st.ends {
		if re.Row < end {
			re.Payload, re.Row = st.seqs[i], re.Row-start
			return
		}
		start = end
	}
}

// abort ends an open COPY without loading it and forgets staged rows: the
// run's transaction is being rolled back.
func (w *writer) abort() {
	w.staged = 0
	st := w.stream
	if st == nil {
		return
	}
	w.stream = nil
	_ = st.pw.CloseWithError(errAborted)
	select {
	case <-st.done:
	case <-time.After(10 * time.Second):
		st.cancel() // a server that does not answer: cancel the COPY
		<-st.done
	}
	st.cancel()
}

// Flush implements dialects.Flusher: the open COPY ends, and staged upsert
// rows are applied with one statement and the stage emptied.
func (w *writer) Flush(ctx context.Context) error {
	if err := w.endStream(ctx); err != nil {
		return err
	}
	if w.staged == 0 || w.p.upsert == "" {
		return nil
	}
	w.staged = 0
	return w.apply(ctx)
}

// apply runs the upsert statement over the stage and empties it.
func (w *writer) apply(ctx context.Context) error {
	if err := w.s.Exec(ctx, w.p.upsert); err != nil {
		return fmt.Errorf("apply staged rows (%s): %w", w.v.Upsert, err)
	}
	if err := w.s.Exec(ctx, w.p.truncStage); err != nil {
		return fmt.Errorf("empty staging table: %w", err)
	}
	return nil
}
