package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// Defaults of the source keys.
const (
	DefaultLinger = 200 * time.Millisecond
	maxLinger     = time.Minute
)

// spec is the YAML form of the source.
type spec struct {
	Type     string            `yaml:"type"`
	Brokers  []string          `yaml:"brokers,required"`
	Topic    string            `yaml:"topic"`
	Topics   []string          `yaml:"topics"`
	Group    string            `yaml:"group,required"`
	Format   string            `yaml:"format,required"`
	Start    string            `yaml:"start"`
	TableMap map[string]string `yaml:"table_map"`
	Key      []string          `yaml:"key"`
	Columns  []string          `yaml:"columns"`
	DDL      string            `yaml:"ddl"`
	Truncate string            `yaml:"truncate" enum:"stop,apply,skip" default:"stop" doc:"what a truncate event does: stop the run (naming source and target table), apply it (empty the target table in the batch's transaction), or skip it"`
	// Tombstones and FieldPrefix are the options of format debezium-flat.
	Tombstones  string         `yaml:"tombstones" enum:"delete,skip" default:"delete" doc:"debezium-flat: a tombstone deletes its key (delete) or is skipped (skip)"`
	FieldPrefix string         `yaml:"field_prefix" default:"__" doc:"debezium-flat: the prefix of the metadata fields ExtractNewRecordState adds (its add.fields.prefix)"`
	Versions    *bool          `yaml:"versions" doc:"keep the per-key version guard (default true): refuse a change at or below the one applied last to its key"`
	Linger      *time.Duration `yaml:"linger"`
	ClientID    string         `yaml:"client_id"`
	SASL        *saslSpec      `yaml:"sasl"`
	TLS         *tlsSpec       `yaml:"tls"`
}

type saslSpec struct {
	Mechanism string       `yaml:"mechanism"`
	Username  string       `yaml:"username,required"`
	Password  xcetl.Secret `yaml:"password,required"`
}

type tlsSpec struct {
	Enabled            *bool  `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// settings is the checked configuration.
type settings struct {
	brokers  []string
	topics   []string
	group    string
	format   string
	earliest bool
	tableMap map[string]string
	key      []string
	columns  []string
	ddl      string // stop | skip | log
	truncate string // stop | apply | skip
	// debezium-flat
	tombstones, fieldPrefix string
	versions                bool
	linger                  time.Duration
	clientID                string
	sasl                    *saslSpec
	tls                     *tlsSpec
	baseDir                 string
	single                  bool // one topic, no table_map: every event goes to the target's table
}

var (
	formatNames = []string{"debezium", "debezium-flat", "canal"}
	startNames  = []string{"earliest", "latest"}
	ddlNames    = []string{"stop", "skip", "log"}
	saslNames   = []string{"plain", "scram-sha-256", "scram-sha-512"}
)

func parseSpec(n *config.Node, env baseEnv) (*settings, xcetl.SpecErrors) {
	var sp spec
	errs := config.DecodeSpec(n, &sp)
	at := func(key string) *config.Node {
		if v := n.Get(key); v != nil {
			return v
		}
		return n
	}
	st := &settings{
		brokers: sp.Brokers, group: sp.Group, format: sp.Format, tableMap: sp.TableMap,
		key: sp.Key, columns: sp.Columns, ddl: "stop", linger: DefaultLinger,
		clientID: sp.ClientID, sasl: sp.SASL, tls: sp.TLS, baseDir: env.dir, earliest: true,
		truncate: sp.Truncate, tombstones: sp.Tombstones, fieldPrefix: sp.FieldPrefix,
	}
	if st.clientID == "" {
		st.clientID = "xcetl"
	}
	if n.Get("brokers") != nil && len(sp.Brokers) == 0 {
		errs = append(errs, at("brokers").Errorf("brokers must list at least one host:port"))
	}
	for i, b := range sp.Brokers {
		if !strings.Contains(b, ":") || strings.TrimSpace(b) != b {
			item := at("brokers")
			if item.Kind == config.List && i < len(item.Items) {
				item = item.Items[i]
			}
			errs = append(errs, item.Errorf("broker %q: want host:port", b))
		}
	}
	switch {
	case sp.Topic != "" && len(sp.Topics) > 0:
		errs = append(errs, at("topics").Errorf("give either topic or topics, not both"))
	case sp.Topic != "":
		st.topics = []string{sp.Topic}
	case len(sp.Topics) > 0:
		st.topics = sp.Topics
	default:
		errs = append(errs, n.Errorf("missing required key \"topic\" (or \"topics\", a list)"))
	}
	seen := map[string]bool{}
	for _, t := range st.topics {
		if t == "" {
			errs = append(errs, at("topics").Errorf("empty topic name"))
		}
		if seen[t] {
			errs = append(errs, at("topics").Errorf("topic %q is listed twice", t))
		}
		seen[t] = true
	}
	if n.Get("group") != nil && strings.TrimSpace(sp.Group) == "" {
		errs = append(errs, at("group").Errorf("group must not be empty: it names the consumer group whose offsets Kafka keeps"))
	}
	if n.Get("format") != nil && !slices.Contains(formatNames, sp.Format) {
		errs = append(errs, at("format").Errorf("unknown format %q%s; one of: %s", sp.Format, xcetl.DidYouMean(sp.Format, formatNames), strings.Join(formatNames, ", ")))
	}
	switch sp.Start {
	case "", "earliest":
	case "latest":
		st.earliest = false
	default:
		errs = append(errs, at("start").Errorf("unknown start %q%s; one of: %s", sp.Start, xcetl.DidYouMean(sp.Start, startNames), strings.Join(startNames, ", ")))
	}
	if sp.DDL != "" {
		if !slices.Contains(ddlNames, sp.DDL) {
			errs = append(errs, at("ddl").Errorf("unknown ddl %q%s; one of: %s", sp.DDL, xcetl.DidYouMean(sp.DDL, ddlNames), strings.Join(ddlNames, ", ")))
		}
		st.ddl = sp.DDL
	}
	// The per-key version guard is on for every format: the offsets
	// protect the order within a partition, not against an older event
	// re-published later in it (a connector restarted from an older source
	// offset, a MirrorMaker or backfill re-publishing a range, a late
	// producer retry). versions: false gives it up (docs/cdc.md).
	st.versions = true
	if sp.Versions != nil {
		st.versions = *sp.Versions
	}
	if sp.Format != "debezium-flat" {
		for _, k := range []string{"tombstones", "field_prefix"} {
			if v := n.Get(k); v != nil {
				errs = append(errs, v.Errorf("%s applies to format debezium-flat only", k))
			}
		}
	}
	if sp.Linger != nil {
		if *sp.Linger <= 0 || *sp.Linger > maxLinger {
			errs = append(errs, at("linger").Errorf("linger must be more than 0 and at most %s, not %s", maxLinger, *sp.Linger))
		}
		st.linger = *sp.Linger
	}
	for k, v := range sp.TableMap {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, at("table_map").Errorf("table_map: %q maps to an empty table name", k))
		}
	}
	cols := map[string]bool{}
	for i, c := range sp.Columns {
		item := at("columns")
		if item.Kind == config.List && i < len(item.Items) {
			item = item.Items[i]
		}
		switch {
		case c == "":
			errs = append(errs, item.Errorf("column name must not be empty"))
		case cols[c]:
			errs = append(errs, item.Errorf("column %q is listed twice", c))
		}
		cols[c] = true
	}
	for i, k := range sp.Key {
		if k == "" {
			item := at("key")
			if item.Kind == config.List && i < len(item.Items) {
				item = item.Items[i]
			}
			errs = append(errs, item.Errorf("key column name must not be empty"))
		}
	}
	if sp.SASL != nil {
		m := strings.ToLower(sp.SASL.Mechanism)
		if m == "" {
			m = "plain"
		}
		if !slices.Contains(saslNames, m) {
			errs = append(errs, at("sasl").Errorf("unknown sasl mechanism %q; one of: %s", sp.SASL.Mechanism, strings.Join(saslNames, ", ")))
		}
		st.sasl.Mechanism = m
	}
	st.single = len(st.topics) == 1 && len(st.tableMap) == 0
	return st, errs.Sort()
}

type baseEnv struct{ dir string }

// mechanism returns the SASL mechanism, or nil without SASL.
func (st *settings) mechanism() (sasl.Mechanism, error) {
	if st.sasl == nil {
		return nil, nil
	}
	user, pass := st.sasl.Username, st.sasl.Password.Reveal()
	switch st.sasl.Mechanism {
	case "plain":
		return plain.Mechanism{Username: user, Password: pass}, nil
	case "scram-sha-256":
		return scram.Mechanism(scram.SHA256, user, pass)
	case "scram-sha-512":
		return scram.Mechanism(scram.SHA512, user, pass)
	}
	return nil, fmt.Errorf("unknown sasl mechanism %q", st.sasl.Mechanism)
}

// tlsConfig returns the TLS configuration, or nil without TLS.
func (st *settings) tlsConfig() (*tls.Config, error) {
	t := st.tls
	if t == nil || (t.Enabled != nil && !*t.Enabled) {
		return nil, nil
	}
	c := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	path := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(st.baseDir, p)
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(path(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("tls ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca_file %s: no PEM certificate in it", t.CAFile)
		}
		c.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, fmt.Errorf("tls: give both cert_file and key_file for a client certificate")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(path(t.CertFile), path(t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// tableFor maps an event to its target table name ("" = the target's own
// table): table_map by topic, then by the source table ("db.table" or
// "schema.table"), then the default — the last segment of the topic for
// Debezium, the table's own name for Canal.
func (st *settings) tableFor(topic, source string) string {
	if st.single {
		return ""
	}
	if t, ok := st.tableMap[topic]; ok {
		return t
	}
	if t, ok := st.tableMap[source]; ok {
		return t
	}
	if st.format == "canal" && source != "" {
		if i := strings.LastIndexByte(source, '.'); i >= 0 {
			return source[i+1:]
		}
		return source
	}
	if i := strings.LastIndexByte(topic, '.'); i >= 0 {
		return topic[i+1:]
	}
	return topic
}
