package api

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// defaultBatch is used when Next is asked for max <= 0.
const defaultBatch = 4096

// firstChunk is how many rows' worth of values a batch allocates first.
const firstChunk = 1024

// maxNamedExtras is how many unknown field names a reject reason lists.
const maxNamedExtras = 5

// Extractor reads the records of one API, page by page. Open, Next and
// Close are called from one goroutine; Progress may be called from any
// goroutine at any time.
type Extractor struct {
	st  settings
	log *slog.Logger

	// Incremental: the watermark (nil without `incremental:`), the
	// committed value sent as the param ("" before the first run), and
	// the column's position in the schema.
	wm        *extract.Watermark
	since     string
	wmCol     int
	wmFlushed bool // the deferred watermark was handed on

	client *http.Client
	schema *xcetl.Schema
	index  map[string]int
	opened bool
	closed bool

	// Authentication and request pacing.
	token    string
	tokenExp time.Time
	lastReq  time.Time

	// Pagination state.
	baseQuery string   // the url's own query plus params
	pages     int      // pages fetched
	pageNum   int      // page_param of the next page
	offset    int64    // offset_param of the next page
	cursor    string   // cursor_param of the next page ("" = first page)
	nextURL   *url.URL // link: the next page
	more      bool     // another page is to be fetched
	seen      map[uint64]int
	seed      maphash.Seed
	prevHash  uint64

	// The current page: its body, where the next record starts, how many
	// records are left, and the origin of its rows.
	buf    []byte
	data   []byte
	pos    int
	left   int
	origin string

	records int64 // records handed out (rows and rejects)
	done    atomic.Int64
	total   atomic.Int64
	stats   struct{ pages, requests, retries, bytes, tokens atomic.Int64 }

	// Per-record scratch, reused.
	flat    flattener
	vals    []byte
	spans   []valSpan
	stamp   []int64
	extras  []string
	nExtras int
	dup     string
	names   []string // schema inference: names in first-seen order
	nameSet map[string]bool
}

// valSpan places a leaf's text in vals: column col is vals[off:end]; a
// negative off is a boolean (-1 false, -2 true).
type valSpan struct {
	col, off, end int
}

var (
	_ extract.Extractor  = (*Extractor)(nil)
	_ extract.Progresser = (*Extractor)(nil)
	_ extract.Describer  = (*Extractor)(nil)
	_ extract.Resumer    = (*Extractor)(nil)
	_ xcetl.Statser      = (*Extractor)(nil)

	boxedTrue  any = "true"
	boxedFalse any = "false"
)

func (e *Extractor) logger() *slog.Logger {
	if e.log != nil {
		return e.log
	}
	return slog.Default()
}

// Open prepares the HTTP client and returns the schema. With `columns:` it
// requests nothing; otherwise it fetches the first page and takes the
// columns from its records: every flattened field, in the order first seen.
func (e *Extractor) Open(ctx context.Context) (*xcetl.Schema, error) {
	if e.opened {
		return nil, extract.Errorf("api", "Open called twice")
	}
	client, err := e.newClient()
	if err != nil {
		return nil, err
	}
	e.client = client
	e.seed = maphash.MakeSeed()
	e.seen = map[uint64]int{}
	e.pageNum, e.more = e.st.start, true
	e.baseQuery = e.st.url.RawQuery
	for _, p := range e.st.params {
		e.baseQuery = addParam(e.baseQuery, p[0], p[1])
	}
	e.flat.key = make([]byte, 0, 64)
	if e.st.columns != nil {
		e.setSchema(e.st.columns)
		e.opened = true
		return e.schema, nil
	}
	if err := e.fetchNext(ctx); err != nil {
		e.client.CloseIdleConnections()
		return nil, err
	}
	names, err := e.inferColumns()
	if err != nil {
		e.client.CloseIdleConnections()
		return nil, err
	}
	e.setSchema(names)
	e.opened = true
	return e.schema, nil
}

func (e *Extractor) setSchema(names []string) {
	e.schema = xcetl.NewStringSchema(names)
	e.index = make(map[string]int, len(names))
	for i, n := range names {
		e.index[n] = i
	}
	e.stamp = make([]int64, len(names))
	e.flat.leaf = e.leaf
}

// inferColumns collects the flattened field names of the current (first)
// page's records, in the order first seen.
func (e *Extractor) inferColumns() ([]string, error) {
	e.names, e.nameSet = nil, map[string]bool{}
	e.flat.data = e.data
	e.flat.leaf = func(name []byte, _ byte, _, _ int, _ bool) {
		if !e.nameSet[string(name)] {
			n := string(name)
			e.nameSet[n] = true
			e.names = append(e.names, n)
		}
	}
	i, objects := e.pos, 0
	for k := 0; k < e.left; k++ {
		var err error
		if i < len(e.data) && e.data[i] == '{' {
			objects++
			i, err = e.flat.record(i)
		} else {
			i, err = skipValue(e.data, i)
		}
		if err != nil {
			return nil, extract.Errorf("api", "%s: %w", e.origin, err)
		}
		i = nextElem(e.data, i)
	}
	names := e.names
	e.names, e.nameSet = nil, nil
	switch {
	case e.left == 0:
		return nil, extract.Errorf("api", "%s: the first page has no records, so there is nothing to take the columns from; list them in `columns:` (then an empty result loads nothing instead of failing)", e.origin)
	case objects == 0:
		return nil, extract.Errorf("api", "%s: the records of the first page are not JSON objects, so they have no fields to make columns of", e.origin)
	case len(names) == 0:
		return nil, extract.Errorf("api", "%s: the records of the first page are empty objects: no fields to make columns of; list them in `columns:`", e.origin)
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			return nil, extract.Errorf("api", "%s: a record has a field with an empty name, which cannot be a column; list the columns in `columns:`", e.origin)
		}
	}
	return names, nil
}

// nextElem skips the whitespace and the comma after an array element.
func nextElem(data []byte, i int) int {
	i = ws(data, i)
	if i < len(data) && data[i] == ',' {
		i = ws(data, i+1)
	}
	return i
}

// addParam appends name=value to a raw query.
func addParam(raw, name, value string) string {
	p := url.QueryEscape(name) + "=" + url.QueryEscape(value)
	if raw == "" {
		return p
	}
	return raw + "&" + p
}

// nextRequest builds the request for the next page.
func (e *Extractor) nextRequest() request {
	r := request{method: e.st.method}
	if e.st.pag == paginationLink && e.pages > 0 {
		r.url = e.nextURL
		r.body = e.st.bodyJSON
		return r
	}
	var paging [][2]string
	switch e.st.pag {
	case paginationPage:
		paging = append(paging, [2]string{e.st.pageParam, strconv.Itoa(e.pageNum)})
	case paginationOffset:
		paging = append(paging, [2]string{e.st.offsetPar, strconv.FormatInt(e.offset, 10)})
	case paginationCursor:
		if e.cursor != "" {
			paging = append(paging, [2]string{e.st.cursorPar, e.cursor})
		}
	}
	if e.st.pag != paginationNone && e.st.size > 0 {
		paging = append(paging, [2]string{e.st.sizeParam, strconv.Itoa(e.st.size)})
	}
	if e.since != "" {
		paging = append(paging, [2]string{e.st.inc.Param, e.since})
	}
	u := *e.st.url
	u.RawQuery = e.baseQuery
	if e.st.in == inBody && e.st.pag != paginationLink {
		// The paging values go into the JSON body, as top-level members:
		// numbers for page, offset and size, a string for the cursor.
		b := nodeJSON(e.st.body, nil)
		b = b[:len(b)-1] // the closing '}'
		for _, p := range paging {
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			b = appendJSONString(b, p[0])
			b = append(b, ':')
			if (p[0] == e.st.cursorPar && e.st.pag == paginationCursor) || (e.since != "" && p[0] == e.st.inc.Param) {
				b = appendJSONString(b, p[1])
			} else {
				b = append(b, p[1]...)
			}
		}
		r.body = append(b, '}')
	} else {
		for _, p := range paging {
			u.RawQuery = addParam(u.RawQuery, p[0], p[1])
		}
		r.body = e.st.bodyJSON
	}
	r.url = &u
	return r
}

// fetchNext requests the next page, checks it and decides whether another
// page follows. The page's records are handed out by Next.
func (e *Extractor) fetchNext(ctx context.Context) error {
	r := e.nextRequest()
	num := e.pages + 1
	resp, err := e.do(ctx, r, e.buf)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return extract.Errorf("api", "page %d: %w", num, scrubErr(e.st.scrub, err))
	}
	e.buf = resp.body
	data := trimBOM(resp.body)
	shown := redactURL(r.url, e.st.scrub)
	where := r.method + " " + shown
	pi, err := scanPage(data, e.st.records, e.st.cursorPath)
	if err != nil {
		return extract.Errorf("api", "page %d: %s: HTTP %d, but the response is not valid JSON: %v; the body starts: %s",
			num, where, resp.status, err, snippet(data, e.st.scrub))
	}
	count := pi.count
	switch pi.recKind {
	case kindArray:
	case kindNull:
		// Many servers send null for an empty list.
		count = 0
	default:
		return extract.Errorf("api", "page %d: %s: %v; the body starts: %s", num, where,
			recordsError(pi, e.st.records, e.st.recordsRaw), snippet(data, e.st.scrub))
	}
	e.pages = num
	e.stats.pages.Add(1)
	e.stats.bytes.Add(int64(len(resp.body)))
	e.data, e.left = data, count
	e.pos = 0
	if count > 0 {
		e.pos = ws(data, pi.recStart+1)
	}
	e.origin = shown + " (page " + strconv.Itoa(num) + ")"
	if t := resp.header.Get("X-Total-Count"); t != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil && n >= 0 {
			e.total.Store(n)
		}
	}
	e.logger().Debug("api source: page fetched", "page", num, "url", shown, "records", count, "bytes", len(data))
	return e.decideMore(r, resp, data, pi, count)
}

// decideMore applies the stop rules after page e.pages: an empty page, a
// short page (fewer than size records), no next cursor or link, max_pages.
// A server that would make the run loop forever (the same page again, a
// cursor or link seen before) fails the run instead.
func (e *Extractor) decideMore(r request, resp *response, data []byte, pi pageInfo, count int) error {
	e.more = false
	if e.st.pag == paginationNone {
		return nil
	}
	page := e.pages
	where := r.method + " " + redactURL(r.url, e.st.scrub)
	if count == 0 {
		e.logger().Debug("api source: empty page, pagination ends", "page", page)
		return nil
	}
	h := maphash.Bytes(e.seed, data)
	switch {
	case page == 2 && h == e.prevHash:
		return extract.Errorf("api", "page 2: %s returned exactly the same response as page 1: the API ignores the paging parameter (%s), or it answers pages past the end with the last page again and all the data fits one page (then set max_pages: 1); going on would load the same records again and again",
			where, e.pagingHint())
	case page > 2 && h == e.prevHash:
		// Some APIs (PageHelper's "reasonable" mode, for one) answer a
		// page past the end with the last page again: the data ended
		// with the previous page. Its repetition is not handed out.
		e.left = 0
		e.logger().Warn("api source: a page repeats the previous page exactly; taking the previous page as the last one", "page", page)
		return nil
	}
	e.prevHash = h
	if e.st.maxPages > 0 && page >= e.st.maxPages {
		e.logger().Info("api source: max_pages reached, pagination ends", "max_pages", e.st.maxPages)
		return nil
	}
	short := e.st.size > 0 && count < e.st.size && e.st.stopOnShort
	switch e.st.pag {
	case paginationPage:
		if short {
			return nil
		}
		e.pageNum++
	case paginationOffset:
		if short {
			return nil
		}
		e.offset += int64(count)
	case paginationCursor:
		if short {
			return nil
		}
		var next string
		switch pi.curKind {
		case kindString:
			next = string(appendString(nil, data[pi.curStart:pi.curEnd], pi.curComplex))
		case kindNumber:
			next = string(data[pi.curStart:pi.curEnd])
		case kindNone, kindNull, kindFalse:
		default:
			return extract.Errorf("api", "page %d: %s: cursor_path %q is %s; expected a string or a number", page, where, e.st.cursorRaw, kindName(pi.curKind))
		}
		if next == "" {
			return nil
		}
		if stop, err := e.repeated(next, next == e.cursor, page, where, "cursor"); stop || err != nil {
			return err
		}
		e.cursor = next
	case paginationLink:
		if short {
			return nil
		}
		target, ok := nextLink(resp.header.Values("Link"))
		if !ok {
			return nil
		}
		next, err := r.url.Parse(target)
		if err != nil {
			return extract.Errorf("api", "page %d: %s: the Link header's next URL cannot be read: %s", page, where, e.st.scrub.Scrub(urlErrText(err)))
		}
		if next.Scheme != r.url.Scheme || next.Host != r.url.Host {
			return extract.Errorf("api", "page %d: %s: the next link points to another server (%s://%s); refusing to send this source's credentials there. If the API is reachable under that name, use it in url",
				page, where, next.Scheme, next.Host)
		}
		next.Fragment, next.RawFragment = "", ""
		s := next.String()
		if stop, err := e.repeated(s, s == r.url.String(), page, where, "next link"); stop || err != nil {
			return err
		}
		e.nextURL = next
	}
	e.more = true
	return nil
}

// repeated guards against cursors and links that loop. A page pointing to
// itself is taken as the last page (some APIs do that); a page pointing
// back to an earlier page is an error.
func (e *Extractor) repeated(next string, self bool, page int, where, what string) (stop bool, err error) {
	if self {
		e.logger().Warn("api source: the "+what+" of a page points to the same page; taking it as the last page", "page", page)
		return true, nil
	}
	h := maphash.String(e.seed, next)
	if first, ok := e.seen[h]; ok {
		return true, extract.Errorf("api", "page %d: %s: the %s leads back to page %d; the API is going round in circles, and following it would load the same records again", page, where, what, first+1)
	}
	e.seen[h] = page
	return false, nil
}

// pagingHint names the parameter that should have moved the API on.
func (e *Extractor) pagingHint() string {
	switch e.st.pag {
	case paginationPage:
		return "page_param " + strconv.Quote(e.st.pageParam)
	case paginationOffset:
		return "offset_param " + strconv.Quote(e.st.offsetPar)
	case paginationCursor:
		return "cursor_param " + strconv.Quote(e.st.cursorPar)
	}
	return "the next link"
}

// Resumes implements extract.Resumer: with `incremental:` the source
// keeps a watermark in the target.
func (e *Extractor) Resumes() bool { return e.wm != nil }

// Resume implements extract.Resumer: it reads the committed watermark and,
// with `param:`, asks the API for newer records only. When Open fetched the
// first page to learn the columns, pagination starts again with the param.
func (e *Extractor) Resume(ctx context.Context, state xcetl.StateReader) error {
	if e.wm == nil {
		return nil
	}
	e.wmCol = e.schema.Index(e.wm.Column())
	if e.wmCol < 0 {
		return extract.Errorf("api", "incremental column %q is not a field of the records%s; columns: %s",
			e.wm.Column(), xcetl.DidYouMean(e.wm.Column(), e.schema.Names()), strings.Join(e.schema.Names(), ", "))
	}
	if err := e.wm.Resume(ctx, state); err != nil {
		return extract.Errorf("api", "%w", err)
	}
	since, ok := e.wm.Since()
	if !ok {
		e.logger().Info("api source: no watermark yet, loading every record", "column", e.wm.Column())
		return nil
	}
	e.logger().Info("api source: loading records newer than the watermark", "column", e.wm.Column(), "watermark", since, "param", e.st.inc.Param)
	if e.st.inc.Param == "" {
		return nil
	}
	e.since = since
	if e.pages > 0 {
		// The first page came without the param: ask again.
		e.pages, e.pageNum, e.offset, e.cursor, e.nextURL = 0, e.st.start, 0, "", nil
		e.more, e.left, e.data, e.pos, e.prevHash = true, 0, nil, 0, 0
		e.seen = map[uint64]int{}
		e.total.Store(0)
	}
	return nil
}

// Next returns up to max records as rows (or rejects), fetching pages as
// needed. A page larger than max is handed out over several calls; a batch
// may hold the end of one page and the start of the next. With
// `incremental:` records at or below the committed watermark are filtered
// and the batch carries the new watermark as a checkpoint.
func (e *Extractor) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	b, err := e.next(ctx, max)
	if e.wm == nil || !e.resumed() {
		return b, err
	}
	// With commit: batch and records in no promised order, the watermark
	// commits with the run's last batch only: an empty batch after the
	// last records carries it.
	deferred := e.st.perBatch && !e.st.inc.Ordered
	if err == io.EOF && deferred && !e.wmFlushed {
		e.wmFlushed = true
		last := &xcetl.Batch{Schema: e.schema, RawHeader: e.schema.Names()}
		e.wm.Attach(last)
		if len(last.Checkpoints) > 0 {
			return last, nil
		}
	}
	if err != nil {
		return b, err
	}
	for i, row := range b.Rows {
		v := row[e.wmCol]
		if !e.wm.Keep(v) {
			b.Filter(i)
			continue
		}
		if e.st.perBatch && e.st.inc.Ordered && e.wm.Behind(v) {
			return nil, extract.Errorf("api", "%s record %d: %s %v is older than a record of an earlier batch, but incremental says ordered: true. "+
				"The batches before were committed with their watermark, so older records the API sends later would be skipped by the next run: "+
				"sort the records by %s on the API's side, or remove ordered: true (the watermark then commits at the end of the run), "+
				"and reset the watermark (docs/operations.md, state tables) to load what this run skipped",
				b.Origin[i].File, b.Origin[i].Record, e.wm.Column(), v, e.wm.Column())
		}
	}
	b.Compact()
	if deferred {
		err = e.wm.Track(b)
	} else {
		err = e.wm.Observe(b)
	}
	if err != nil {
		return nil, extract.Errorf("api", "%w", err)
	}
	return b, nil
}

// resumed reports whether the engine handed the source its state (Resume
// set wmCol); a dry run or a target without state does not, and then no
// watermark is kept.
func (e *Extractor) resumed() bool { return e.wmCol >= 0 }

func (e *Extractor) next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if !e.opened || e.closed {
		return nil, extract.Errorf("api", "Next called before Open or after Close")
	}
	if max <= 0 {
		max = defaultBatch
	}
	n := len(e.schema.Columns)
	var (
		b       *xcetl.Batch
		back    []any
		rawBack []string
	)
	for count := 0; count < max; count++ {
		if count&255 == 255 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for e.left == 0 {
			if !e.more {
				if b == nil {
					return nil, io.EOF
				}
				return b, nil
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := e.fetchNext(ctx); err != nil {
				return nil, err
			}
		}
		if b == nil {
			b = &xcetl.Batch{Schema: e.schema, RawHeader: e.schema.Names()}
			c := min(max, 1<<16)
			b.Rows, b.Origin, b.Raw = make([][]any, 0, c), make([]xcetl.Origin, 0, c), make([][]string, 0, c)
		}
		if len(back) < n {
			c := min(max-count, firstChunk+len(b.Rows))
			back, rawBack = make([]any, c*n), make([]string, c*n)
		}
		row, raw := back[:n:n], rawBack[:n:n]
		e.records++
		org := xcetl.Origin{File: e.origin, Record: e.records}
		end, reason, err := e.record(e.pos, row, raw)
		if err != nil {
			return nil, extract.Errorf("api", "%s record %d: %w", e.origin, e.records, err)
		}
		e.pos = nextElem(e.data, end)
		e.left--
		e.done.Store(e.records)
		if reason != "" {
			b.Rejects = append(b.Rejects, xcetl.Reject{Origin: org, Raw: raw, Reason: reason})
		} else {
			b.Rows = append(b.Rows, row)
			b.Origin = append(b.Origin, org)
			b.Raw = append(b.Raw, raw)
		}
		back, rawBack = back[n:], rawBack[n:]
	}
	return b, nil
}

// record reads the record at data[i] into row and raw. A record that
// cannot be a row comes back with the reason to reject it.
func (e *Extractor) record(i int, row []any, raw []string) (end int, reason string, err error) {
	data := e.data
	if i >= len(data) || data[i] != '{' {
		end, err := skipValue(data, i)
		if err != nil {
			return end, "", err
		}
		return end, fmt.Sprintf("the record is %s, not a JSON object: %s", kindName(kindOf(data[i])), snippet(data[i:end], e.st.scrub)), nil
	}
	e.vals, e.spans, e.extras, e.nExtras, e.dup = e.vals[:0], e.spans[:0], e.extras[:0], 0, ""
	e.flat.data = data
	end, err = e.flat.record(i)
	if err != nil {
		return end, "", err
	}
	s := string(e.vals)
	for _, sp := range e.spans {
		switch sp.off {
		case -1:
			row[sp.col], raw[sp.col] = boxedFalse, "false"
		case -2:
			row[sp.col], raw[sp.col] = boxedTrue, "true"
		default:
			v := s[sp.off:sp.end]
			row[sp.col], raw[sp.col] = v, v
		}
	}
	switch {
	case e.dup != "":
		return end, fmt.Sprintf("two fields of the record give column %q (a duplicate key, or a nested field whose flattened name equals another field's)", e.dup), nil
	case e.nExtras > 0:
		return end, e.extraReason(), nil
	}
	return end, "", nil
}

// leaf places one flattened field of the record being read.
func (e *Extractor) leaf(name []byte, kind byte, start, end int, complex bool) {
	j, ok := e.index[string(name)]
	if !ok {
		if e.st.extra == extraReject {
			if e.nExtras < maxNamedExtras {
				e.extras = append(e.extras, string(name))
			}
			e.nExtras++
		}
		return
	}
	if e.stamp[j] == e.records {
		if e.dup == "" {
			e.dup = e.schema.Columns[j].Name
		}
		return
	}
	e.stamp[j] = e.records
	data := e.flat.data
	off := len(e.vals)
	switch kind {
	case kindNull:
		return
	case kindTrue:
		e.spans = append(e.spans, valSpan{col: j, off: -2})
		return
	case kindFalse:
		e.spans = append(e.spans, valSpan{col: j, off: -1})
		return
	case kindString:
		e.vals = appendString(e.vals, data[start:end], complex)
	case kindArray:
		e.vals = appendCompact(e.vals, data[start:end])
	default: // a number: the text as sent
		e.vals = append(e.vals, data[start:end]...)
	}
	e.spans = append(e.spans, valSpan{col: j, off: off, end: len(e.vals)})
}

func (e *Extractor) extraReason() string {
	var b strings.Builder
	if e.nExtras == 1 {
		fmt.Fprintf(&b, "field %q is not a column", e.extras[0])
	} else {
		b.WriteString("fields ")
		for i, x := range e.extras {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(x))
		}
		if e.nExtras > len(e.extras) {
			fmt.Fprintf(&b, " and %d more", e.nExtras-len(e.extras))
		}
		b.WriteString(" are not columns")
	}
	if e.st.columns != nil {
		b.WriteString(" (not in `columns:`; add it there, or set extra_fields: ignore to leave such fields out)")
	} else {
		b.WriteString(" (the columns come from the records of the first page; list every field in `columns:`, or set extra_fields: ignore to leave such fields out)")
	}
	return b.String()
}

// Progress reports records read and, when the API announces it in an
// X-Total-Count header, the total number of records.
func (e *Extractor) Progress() (done, total int64) {
	return e.done.Load(), e.total.Load()
}

// Stats implements xcetl.Statser: pages, HTTP requests (retries and token
// requests included), retries, response bytes and oauth2 tokens fetched.
func (e *Extractor) Stats() []xcetl.Stat {
	return []xcetl.Stat{
		{Name: "api_pages", Help: "pages of records fetched from the API", Kind: xcetl.Counter, Value: float64(e.stats.pages.Load())},
		{Name: "api_requests", Help: "HTTP requests sent, retries and token requests included", Kind: xcetl.Counter, Value: float64(e.stats.requests.Load())},
		{Name: "api_retries", Help: "requests repeated after a connection error, timeout, 408, 429 or 5xx", Kind: xcetl.Counter, Value: float64(e.stats.retries.Load())},
		{Name: "api_response_bytes", Help: "bytes of page responses read (after decompression)", Kind: xcetl.Counter, Value: float64(e.stats.bytes.Load())},
		{Name: "api_oauth2_tokens", Help: "oauth2 access tokens fetched", Kind: xcetl.Counter, Value: float64(e.stats.tokens.Load())},
	}
}

// Close releases the idle connections. The page buffer goes with the
// Extractor.
func (e *Extractor) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	return nil
}
