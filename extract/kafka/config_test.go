package kafka

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func parse(t *testing.T, src string) *config.Node {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), func(string) (string, bool) { return "from-env", true })
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestConfig(t *testing.T) {
	const base = "type: kafka\nbrokers: [\"127.0.0.1:9092\"]\ngroup: g\nformat: debezium\n"
	for _, tc := range []struct {
		name, src string
		errs      []string
	}{
		{"minimal", base + "topic: a.b.c", nil},
		{"every key", base + `topics: [a, b]
start: latest
table_map: {a: public.x}
key: [id]
columns: [name, phone]
ddl: log
truncate: skip
versions: false
linger: 50ms
client_id: me
sasl: {mechanism: scram-sha-512, username: u, password: p}
tls: {ca_file: ca.pem, server_name: kafka}`, nil},
		{"missing keys", "type: kafka", []string{`missing required key "brokers"`, `missing required key "group"`, `missing required key "format"`, `missing required key "topic"`}},
		{"topic and topics", base + "topic: a\ntopics: [b]", []string{"either topic or topics"}},
		{"bad broker", "type: kafka\nbrokers: [localhost]\ngroup: g\nformat: canal\ntopic: t", []string{"p.yaml:2:11", `broker "localhost": want host:port`}},
		{"bad format", "type: kafka\nbrokers: [\"h:1\"]\ngroup: g\nformat: debezum\ntopic: t", []string{`unknown format "debezum" (did you mean "debezium"?)`}},
		{"bad start", base + "topic: t\nstart: first", []string{`unknown start "first"`}},
		{"bad ddl", base + "topic: t\nddl: apply", []string{`unknown ddl "apply"`}},
		{"bad linger", base + "topic: t\nlinger: 0s", []string{"linger must be more than 0"}},
		{"columns may be called anything", base + "topic: t\ncolumns: [_row, _key]", nil},
		{"truncate", base + "topic: t\ntruncate: apply", nil},
		{"bad truncate", base + "topic: t\ntruncate: drop", []string{"truncate", `"drop"`}},
		{"flat options", "type: kafka\nbrokers: [\"h:1\"]\ngroup: g\nformat: debezium-flat\ntopic: t\ntombstones: skip\nfield_prefix: _meta_", nil},
		{"bad tombstones", "type: kafka\nbrokers: [\"h:1\"]\ngroup: g\nformat: debezium-flat\ntopic: t\ntombstones: keep", []string{"tombstones", `"keep"`}},
		{"flat options need the flat format", base + "topic: t\ntombstones: skip", []string{"tombstones applies to format debezium-flat only"}},
		{"duplicate column", base + "topic: t\ncolumns: [a, a]", []string{`column "a" is listed twice`}},
		{"duplicate topic", base + "topics: [a, a]", []string{`topic "a" is listed twice`}},
		{"bad sasl", base + "topic: t\nsasl: {mechanism: gssapi, username: u, password: p}", []string{`sasl.mechanism: unknown mechanism "gssapi"; one of: plain, scram-sha-256, scram-sha-512`}},
		{"sasl without password", base + "topic: t\nsasl: {username: u}", []string{`missing required key "password"`}},
		{"unknown key", base + "topic: t\ngroupid: x", []string{`unknown key "groupid"`}},
		{"client certificate without key", base + "topic: t\ntls: {cert_file: c.pem}", []string{"give both cert_file and key_file"}},
		{"every problem at once", "type: kafka\nbrokers: [localhost]\ngroup: \" \"\nformat: canal\ntopics: [a, a]\nlinger: 2m", []string{`broker "localhost"`, `topic "a" is listed twice`, "group must not be empty", "at most 1m0s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := extract.New(parse(t, tc.src), extract.Env{})
			if len(tc.errs) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.errs)
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
		})
	}
}

func TestTableFor(t *testing.T) {
	st := &settings{tableMap: map[string]string{"srv.public.orders": "sales.orders", "shop.items": "goods"}, format: "debezium"}
	for _, tc := range []struct{ topic, source, want string }{
		{"srv.public.orders", "public.orders", "sales.orders"},
		{"srv.public.people", "public.people", "people"},
		{"plain", "x", "plain"},
	} {
		if got := st.tableFor(tc.topic, tc.source); got != tc.want {
			t.Errorf("tableFor(%s) = %q, want %q", tc.topic, got, tc.want)
		}
	}
	st.format = "canal"
	if got := st.tableFor("canal.all", "shop.items"); got != "goods" {
		t.Errorf("canal mapped = %q", got)
	}
	if got := st.tableFor("canal.all", "shop.users"); got != "users" {
		t.Errorf("canal default = %q", got)
	}
	st.single = true
	if got := st.tableFor("srv.public.orders", "public.orders"); got != "" {
		t.Errorf("single = %q", got)
	}
}

// TestReadmeExamples keeps README.md honest: every `source:` example
// builds.
func TestReadmeExamples(t *testing.T) {
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, part := range strings.Split(string(src), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if !strings.HasPrefix(block, "source:") {
			continue
		}
		n++
		root := parse(t, block)
		if _, err := extract.New(root.Get("source"), extract.Env{}); err != nil {
			t.Errorf("README example %d: %v\n%s", n, err, block)
		}
	}
	if n < 3 {
		t.Errorf("found %d source examples in README.md, want at least 3", n)
	}
}
