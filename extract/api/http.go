package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// errorBodyLimit is how much of an error response is read: enough for the
// snippet, and to let the connection be reused for small error pages.
const errorBodyLimit = 64 << 10

// newClient builds the HTTP client: timeouts on dialing and TLS handshakes,
// the configured trust, no global state shared with other sources.
func (e *Extractor) newClient() (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.st.caFile != "" {
		path := e.st.caFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.st.baseDir, path)
		}
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, extract.Errorf("api", "ca_file %s: %w", e.st.caFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, extract.Errorf("api", "ca_file %s holds no PEM certificate", e.st.caFile)
		}
		tlsConf.RootCAs = pool
	}
	if e.st.insecure {
		tlsConf.InsecureSkipVerify = true
		e.logger().Warn("api source: insecure_skip_verify is on: the server's TLS certificate is NOT checked, anyone on the network path can read and change the data; use ca_file to trust a private certificate authority instead",
			"url", redactURL(e.st.url, e.st.scrub))
	}
	dialer := &net.Dialer{Timeout: e.st.timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   e.st.timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: e.checkRedirect}, nil
}

// checkRedirect follows at most 10 redirects. A redirect to another host
// gets none of the source's credentials: net/http drops Authorization and
// cookies there, and this drops the configured headers (X-Api-Key and the
// like) too.
func (e *Extractor) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		for _, h := range e.st.headers {
			req.Header.Del(h[0])
		}
		req.Header.Del("Authorization")
		e.logger().Warn("api source: redirected to another host; the configured headers and credentials are not sent there",
			"from", redactURL(via[0].URL, e.st.scrub), "to", redactURL(req.URL, e.st.scrub))
	}
	return nil
}

// request is one HTTP request to make, possibly several times.
type request struct {
	method string
	url    *url.URL
	body   []byte // nil for none
	form   bool   // body is application/x-www-form-urlencoded (token requests)
	token  bool   // the oauth2 token request: no API auth on it
}

// response is a successful (2xx) response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// httpError is a response that ends the run: a 4xx, or a 429/5xx after the
// last retry.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// tokenError is a failure to get an oauth2 token (already retried).
type tokenError struct{ err error }

func (t *tokenError) Error() string { return t.err.Error() }
func (t *tokenError) Unwrap() error { return t.err }

// transient marks a failure worth retrying, with the wait the server asked
// for (0 = use the backoff).
type transient struct {
	err        error
	retryAfter time.Duration
}

func (t *transient) Error() string { return t.err.Error() }
func (t *transient) Unwrap() error { return t.err }

// do sends r, retrying transient failures with exponential backoff and
// jitter (or the server's Retry-After) up to `retries` times, and, for
// oauth2, fetching a new token once when the API answers 401. buf is reused
// for the body. Waiting stops at once when ctx is cancelled.
func (e *Extractor) do(ctx context.Context, r request, buf []byte) (*response, error) {
	refreshed := false
	for attempt := 0; ; attempt++ {
		if err := e.waitRate(ctx); err != nil {
			return nil, err
		}
		resp, err := e.once(ctx, r, buf)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *httpError
		var te *tokenError
		if errors.As(err, &he) && he.status == http.StatusUnauthorized && e.st.auth == authClientCreds && !r.token && !refreshed && !errors.As(err, &te) {
			// The token may have been revoked or expired early: get a new
			// one, once, without counting it as a retry.
			refreshed = true
			e.token = ""
			attempt--
			e.logger().Info("api source: the API answered 401 Unauthorized; fetching a new oauth2 token and trying again", "url", redactURL(r.url, e.st.scrub))
			continue
		}
		var tr *transient
		if !errors.As(err, &tr) {
			return nil, err
		}
		if attempt >= e.st.retries {
			if e.st.retries == 0 {
				return nil, fmt.Errorf("%w (retries: 0)", tr.err)
			}
			return nil, fmt.Errorf("%w (gave up after %d attempts)", tr.err, attempt+1)
		}
		e.stats.retries.Add(1)
		wait := e.backoffFor(attempt)
		if tr.retryAfter > 0 {
			wait = min(tr.retryAfter, e.st.maxBackoff)
		}
		e.logger().Warn("api source: request failed, retrying", "error", tr.err.Error(),
			"attempt", fmt.Sprintf("%d/%d", attempt+1, e.st.retries+1), "wait", wait.Round(time.Millisecond).String())
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// backoffFor returns the wait before retry n+1: backoff·2ⁿ capped at
// max_backoff, with "equal jitter" (a random point in its upper half), so
// that many clients that failed together do not come back together.
func (e *Extractor) backoffFor(n int) time.Duration {
	d := e.st.backoff
	for i := 0; i < n && d < e.st.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.st.maxBackoff)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitRate spaces requests by rate_limit.
func (e *Extractor) waitRate(ctx context.Context) error {
	if e.st.rateEvery <= 0 {
		return ctx.Err()
	}
	if !e.lastReq.IsZero() {
		if err := sleep(ctx, time.Until(e.lastReq.Add(e.st.rateEvery))); err != nil {
			return err
		}
	}
	e.lastReq = time.Now()
	return nil
}

// once makes one attempt. Failures worth retrying come back as *transient.
func (e *Extractor) once(ctx context.Context, r request, buf []byte) (*response, error) {
	shown := redactURL(r.url, e.st.scrub)
	what := r.method + " " + shown
	if r.token {
		what = "oauth2 token request to " + shown
	}
	actx, cancel := context.WithTimeout(ctx, e.st.timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", what, e.st.scrub.Scrub(urlErrText(err)))
	}
	req.Header.Set("User-Agent", "xcetl/"+xcetl.Version)
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		if r.form {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if r.token {
		if e.st.clientAuth == clientAuthBasic {
			req.SetBasicAuth(url.QueryEscape(e.st.clientID), url.QueryEscape(e.st.clientSecret.Reveal()))
		}
	} else {
		for _, h := range e.st.headers {
			req.Header.Set(h[0], h[1])
		}
		switch e.st.auth {
		case authBasic:
			req.SetBasicAuth(e.st.username, e.st.password.Reveal())
		case authClientCreds:
			tok, err := e.bearer(ctx)
			if err != nil {
				return nil, &tokenError{err}
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}

	e.stats.requests.Add(1)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, e.transportError(ctx, actx, what, err)
	}
	defer resp.Body.Close()

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		msg := fmt.Sprintf("%s: HTTP %s: %s", what, statusText(resp), snippet(data, e.st.scrub))
		herr := &httpError{status: resp.StatusCode, msg: msg}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
			resp.StatusCode >= 500:
			return nil, &transient{err: herr, retryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
		}
		return nil, herr
	}
	if resp.ContentLength > e.st.maxResponse {
		return nil, fmt.Errorf("%s: the response has %d bytes, more than max_response_size %s; ask for smaller pages or raise max_response_size",
			what, resp.ContentLength, formatSize(e.st.maxResponse))
	}
	data, err := readBody(resp.Body, buf, e.st.maxResponse)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%s: the response is larger than max_response_size %s; ask for smaller pages or raise max_response_size",
			what, formatSize(e.st.maxResponse))
	}
	if err != nil {
		// The connection broke (or the timeout hit) in the middle of the
		// body: the page is incomplete, ask again.
		return nil, e.transportError(ctx, actx, what+": reading the response", err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

var errTooLarge = errors.New("response too large")

// readBody reads r into buf (reused), failing with errTooLarge past limit.
func readBody(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// transportError words a failure to get a response and decides whether it
// is worth retrying.
func (e *Extractor) transportError(ctx, actx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return &transient{err: fmt.Errorf("%s: no complete response within timeout %s", what, e.st.timeout)}
	}
	msg := fmt.Errorf("%s: %s", what, e.st.scrub.Scrub(urlErrText(err)))
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	var rhe tls.RecordHeaderError
	switch {
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie):
		return fmt.Errorf("%w (the server's certificate is not trusted: give its certificate authority in ca_file)", msg)
	case errors.As(err, &rhe):
		return fmt.Errorf("%w (is the server speaking plain HTTP? try an http:// url)", msg)
	case strings.Contains(err.Error(), "stopped after 10 redirects"), strings.Contains(err.Error(), "unsupported protocol scheme"):
		return msg
	}
	return &transient{err: msg}
}

// urlErrText is the text of err without the URL that *url.Error repeats
// (query tokens and all).
func urlErrText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return strconv.Itoa(resp.StatusCode) + " " + t
	}
	return strconv.Itoa(resp.StatusCode)
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 10.2.3). It returns 0 when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
