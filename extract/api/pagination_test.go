package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Every pagination type loads every record exactly once, in order, with the
// requests the type promises, for record counts that end on a full page, on
// a short page, and that fit one page.
func TestPagination(t *testing.T) {
	tests := []struct {
		name, style, pag string
		n                int
		wantRequests     int
		firstURI         string
		lastURI          string
	}{
		{"page full pages", "page", "{type: page, size: 10}", 30, 4, "/r?page=1&size=10", "/r?page=4&size=10"},
		{"page short last page", "page", "{type: page, size: 10}", 25, 3, "/r?page=1&size=10", "/r?page=3&size=10"},
		{"page start 0", "page0", "{type: page, start: 0, size: 10}", 25, 3, "/r?page=0&size=10", "/r?page=2&size=10"},
		{"page custom params", "pagecustom", "{type: page, page_param: pageNo, size_param: pageSize, size: 7}", 20, 3, "/r?pageNo=1&pageSize=7", "/r?pageNo=3&pageSize=7"},
		{"page no short-page stop", "page", "{type: page, size: 10, stop_on_short_page: false}", 25, 4, "/r?page=1&size=10", "/r?page=4&size=10"},
		{"offset", "offset", "{type: offset, size: 10}", 25, 3, "/r?offset=0&size=10", "/r?offset=20&size=10"},
		{"offset full pages", "offset", "{type: offset, size: 5}", 10, 3, "/r?offset=0&size=5", "/r?offset=10&size=5"},
		{"cursor", "cursor", "{type: cursor, cursor_path: meta.next, size: 10}", 25, 3, "/r?size=10", "/r?cursor=MjA&size=10"},
		{"cursor without size", "cursor", "{type: cursor, cursor_path: meta.next}", 25, 3, "/r", "/r?cursor=MjA"},
		{"link", "link", "{type: link, size: 10}", 25, 3, "/r?size=10", "/r?cursor=MjA&size=10"},
		{"link one page", "link", "{type: link, size: 10}", 4, 1, "/r?size=10", "/r?size=10"},
		{"none", "none", "{type: none}", 25, 1, "/r", "/r"},
		{"max_pages", "page", "{type: page, size: 10, max_pages: 2}", 95, 2, "/r?page=1&size=10", "/r?page=2&size=10"},
		{"empty result", "page", "{type: page, size: 10}", 0, 1, "/r?page=1&size=10", "/r?page=1&size=10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			style := strings.TrimSuffix(strings.TrimSuffix(tt.style, "0"), "custom")
			srv := newAPIServer(t, style, records(tt.n), nil)
			switch tt.style {
			case "page0":
				srv.Server.Config.Handler = rewrite(srv, func(q map[string][]string) {
					p, _ := strconv.Atoi(q["page"][0])
					q["page"] = []string{strconv.Itoa(p + 1)}
				})
			case "pagecustom":
				srv.Server.Config.Handler = rewrite(srv, func(q map[string][]string) {
					q["page"], q["size"] = q["pageNo"], q["pageSize"]
				})
			}
			cols := ""
			if tt.n == 0 {
				cols = "columns: [id, name]\n"
			}
			e := newSource(t, fmt.Sprintf("type: api\nurl: %s/r\nrecords: data.items\npagination: %s\n%s", srv.URL, tt.pag, cols), nil, nil)
			res := mustDrain(t, e, 7)
			want := tt.n
			if tt.name == "max_pages" {
				want = 20
			}
			if len(res.rows) != want || len(res.rejects) != 0 {
				t.Fatalf("%d rows, %d rejects; want %d rows", len(res.rows), len(res.rejects), want)
			}
			for i, v := range func() []any {
				if want == 0 {
					return nil
				}
				return res.col(t, "id")
			}() {
				if v != strconv.Itoa(i+1) {
					t.Fatalf("row %d: id %v", i, v)
				}
			}
			uris := srv.uris()
			if len(uris) != tt.wantRequests || uris[0] != tt.firstURI || uris[len(uris)-1] != tt.lastURI {
				t.Fatalf("requests %v; want %d from %s to %s", uris, tt.wantRequests, tt.firstURI, tt.lastURI)
			}
			if want > 0 {
				o := res.origins[len(res.origins)-1]
				if o.Record != int64(want) || !strings.HasPrefix(o.File, srv.URL+"/r") || !strings.Contains(o.File, "(page ") {
					t.Fatalf("last origin %+v", o)
				}
			}
		})
	}
}

// rewrite puts a query rewrite in front of the server's handler; the
// request log keeps the URI the client sent.
func rewrite(s *apiServer, f func(map[string][]string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri := r.URL.RequestURI()
		q := r.URL.Query()
		f(q)
		r.URL.RawQuery = encodeQuery(q)
		s.serve(w, r)
		s.mu.Lock()
		s.log[len(s.log)-1] = uri
		s.mu.Unlock()
	})
}

func encodeQuery(q map[string][]string) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "&")
}
