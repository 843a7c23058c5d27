package main

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// leakForms are the forms in which a secret could be written: as is,
// URL-encoded, JSON-escaped, and base64 of user:secret (HTTP Basic).
func leakForms(user, secret string) []string {
	js, _ := json.Marshal(secret)
	out := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.Trim(string(js), `"`)}
	if user != "" {
		cred := []byte(user + ":" + secret)
		out = append(out, base64.StdEncoding.EncodeToString(cred), base64.RawStdEncoding.EncodeToString(cred),
			base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(user)+":"+url.QueryEscape(secret))))
	}
	return out
}

// channels collects every byte a run wrote: stdout and stderr of each
// command, the report, the metrics file, the reject file, and the rows of
// xcetl_runs.
type channels map[string]string

func (c channels) file(name, path string) {
	if data, err := os.ReadFile(path); err == nil {
		c[name] = string(data)
	}
}

func (c channels) runs(t *testing.T, db *sql.DB, pipeline string) {
	t.Helper()
	rows, err := db.Query(`SELECT coalesce(error, ''), coalesce(report, '') FROM xcetl_runs WHERE pipeline = '` + pipeline + `'`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist") {
			return
		}
		t.Fatal(err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		var e, r string
		if err := rows.Scan(&e, &r); err != nil {
			t.Fatal(err)
		}
		c[fmt.Sprintf("xcetl_runs row %d", i)] = e + "\n" + r
	}
}

func (c channels) assertClean(t *testing.T, forms []string) {
	t.Helper()
	if len(c) == 0 {
		t.Fatal("no output collected")
	}
	for name, text := range c {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("%s holds the secret as %q:\n%s", name, f, text)
			}
		}
	}
}

// runAllChannels runs validate, explain and run (JSON and text logs at
// debug level, with a report, a metrics file and a reject file) and
// collects what they wrote.
func runAllChannels(t *testing.T, dir, file string, sets ...string) channels {
	t.Helper()
	c := channels{}
	var set []string
	for _, s := range sets {
		set = append(set, "--set", s)
	}
	cmd := func(label string, args ...string) {
		_, out, errs := runCLI(t, append(args, set...)...)
		c[label+" stdout"], c[label+" stderr"] = out, errs
	}
	cmd("validate", "validate", file)
	cmd("explain", "explain", file)
	rep, prom := filepath.Join(dir, "report.json"), filepath.Join(dir, "m.prom")
	cmd("run json", "run", file, "--progress", "never", "--log-format", "json", "--log-level", "debug", "--report", rep, "--metrics-file", prom)
	c.file("report (json run)", rep)
	c.file("metrics (json run)", prom)
	c.file("reject file", filepath.Join(dir, "rejects.csv"))
	cmd("run text", "run", file, "--progress", "never", "--log-level", "debug", "--report", rep)
	c.file("report (text run)", rep)
	return c
}

// TestDSNSecretsNeverWrittenIntegration: a DSN's password, in each form a
// DSN can carry one, appears in no byte any command writes — stdout,
// stderr (text and JSON logs at every level), the report, the metrics
// file, the reject file, xcetl_runs — whether the target is reachable or
// not and whether the DSN parses or not.
func TestDSNSecretsNeverWrittenIntegration(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(pg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	host, port, user, dbname := cfg.Host, cfg.Port, cfg.User, cfg.Database
	kv := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", host, port, user, dbname)
	for i, tc := range []struct {
		name, dsn, secret string
		reachable         bool
	}{
		{"url password", fmt.Sprintf("postgres://%s:Canary-Url1@%s:%d/%s?sslmode=disable", user, host, port, dbname), "Canary-Url1", true},
		{"url %-encoded password", fmt.Sprintf("postgres://%s:Canary%%2F%%40Enc2@%s:%d/%s?sslmode=disable", user, host, port, dbname), "Canary/@Enc2", true},
		{"url sslpassword", fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable&sslpassword=Canary-Ssl3", user, host, port, dbname), "Canary-Ssl3", true},
		{"kv password", kv + " password=Canary-Kv4", "Canary-Kv4", true},
		{"kv quoted sslpassword", kv + ` sslpassword='Canary Kv\'5'`, "Canary Kv'5", true},
		{"url # in password", fmt.Sprintf("postgres://%s:Canary6#Canary7@%s:%d/%s", user, host, port, dbname), "Canary6#Canary7", false},
		{"url unparseable tail", fmt.Sprintf("postgres://%s:Canary-Tail8@/?#%%x", user), "Canary-Tail8", false},
		{"unreachable url", fmt.Sprintf("postgres://%s:Canary-Down9@127.0.0.1:1/%s?connect_timeout=2", user, dbname), "Canary-Down9", false},
		{"unreachable kv sslpassword", "host=127.0.0.1 port=1 connect_timeout=2 user=u sslpassword=Canary-Down10", "Canary-Down10", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := fmt.Sprintf("secret_dsn_%d", i)
			src := writeFile(t, dir, "in.csv", "id,name\n1,a\n2,b\nthree,c\n")
			file := writeFile(t, dir, "p.yaml", `version: 1
name: `+name+`
source: {type: csv, path: in.csv}
transforms:
  - cast: {id: int}
target: {type: postgres, dsn: "${DSN}", table: `+name+`}
errors: {max_rejects: 5, reject_file: rejects.csv}
`)
			_ = src
			c := runAllChannels(t, dir, file, "DSN="+tc.dsn)
			if tc.reachable {
				c.runs(t, db, name)
				if n := len(c); n < 10 {
					t.Fatalf("only %d channels: did the runs reach the target?", n)
				}
				if !strings.Contains(c["reject file"], "three") {
					t.Fatalf("no reject file:\n%s", c["run json stderr"])
				}
			}
			c.assertClean(t, leakForms("", tc.secret))
		})
	}
}

// echoServer answers every request with an error whose body echoes what
// it received — headers, Basic credentials decoded, the form body — as a
// careless server does. With token set, /token hands out that access
// token (oauth2) and only the API echoes.
func echoServer(t *testing.T, token string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if token != "" && r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token": %q, "token_type": "Bearer", "expires_in": 3600}`, token)
			return
		}
		var echo strings.Builder
		for k, v := range r.Header {
			fmt.Fprintf(&echo, "%s: %s; ", k, strings.Join(v, ","))
		}
		if u, p, ok := r.BasicAuth(); ok {
			fmt.Fprintf(&echo, "basic user %s password %s; ", u, p)
		}
		fmt.Fprintf(&echo, "body %s; query %s", body, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "denied", "you_sent": echo.String()})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHTTPSecretsNeverWrittenIntegration: credentials of every auth kind
// of the api source — HTTP Basic, a bearer token header, an API key
// header, oauth2 client credentials sent as Basic or in the form, and the
// access token the token endpoint hands out — appear in no byte written,
// in any form, even when the server echoes them back in its errors.
func TestHTTPSecretsNeverWrittenIntegration(t *testing.T) {
	for i, tc := range []struct {
		name, source, user, secret, token string
	}{
		{"basic", `auth: {type: basic, username: svc-user, password: "${SECRET}"}`, "svc-user", "Canary-Basic-1", ""},
		{"bearer header", `headers: {Authorization: "Bearer ${SECRET}"}`, "", "Canary-Bearer-2", ""},
		{"api key header", `headers: {X-API-Key: "${SECRET}"}`, "", "Canary-Key-3", ""},
		{"oauth2 basic", `auth: {type: oauth2_client_credentials, token_url: "${URL}/token", client_id: "cli ent", client_secret: "${SECRET}"}`, "cli ent", "Canary/Client+4", ""},
		{"oauth2 body", `auth: {type: oauth2_client_credentials, token_url: "${URL}/token", client_id: client, client_secret: "${SECRET}", client_auth: body}`, "client", "Canary&Client=5", ""},
		{"oauth2 access token", `auth: {type: oauth2_client_credentials, token_url: "${URL}/token", client_id: client, client_secret: "${SECRET}"}`, "client", "Canary-Client-6", "Canary-Access-Token-6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := echoServer(t, tc.token)
			name := fmt.Sprintf("secret_http_%d", i)
			file := writeFile(t, dir, "p.yaml", `version: 1
name: `+name+`
source:
  type: api
  url: "${URL}/records"
  records: items
  retries: 0
  `+tc.source+`
target: {type: sqlite, dsn: target.db, table: t}
errors: {reject_file: rejects.csv}
`)
			c := runAllChannels(t, dir, file, "URL="+srv.URL, "SECRET="+tc.secret)
			if !strings.Contains(c["run json stderr"], "401") {
				t.Fatalf("the run did not get the echo:\n%s", c["run json stderr"])
			}
			db := openSQLite(t, filepath.Join(dir, "target.db"))
			c.runs(t, db, name)
			if _, ok := c["xcetl_runs row 0"]; !ok {
				t.Fatal("no run history row")
			}
			forms := leakForms(tc.user, tc.secret)
			if tc.token != "" {
				forms = append(forms, leakForms("", tc.token)...)
			}
			c.assertClean(t, forms)
		})
	}
}
