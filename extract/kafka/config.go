package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
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

// Spec is the configuration of a `type: kafka` source.
type Spec struct {
	Brokers  []string          `yaml:"brokers,required" doc:"the Kafka brokers to bootstrap from, host:port each" example:"[\"127.0.0.1:9092\"]"`
	Topic    string            `yaml:"topic" doc:"the topic to read; or give topics"`
	Topics   []string          `yaml:"topics" doc:"several topics, each routed by table_map or its last name segment"`
	Group    string            `yaml:"group,required" doc:"the consumer group: processes of one pipeline in one group share the partitions"`
	Format   string            `yaml:"format,required" enum:"debezium,debezium-flat,canal" doc:"debezium: Debezium JSON with or without the schema envelope; debezium-flat: records of ExtractNewRecordState; canal: Canal flat messages"`
	Start    string            `yaml:"start" default:"earliest" enum:"earliest,latest" doc:"where a group with no committed offset starts"`
	TableMap map[string]string `yaml:"table_map" doc:"target table by topic or by source table (db.table, schema.table)" example:"{dbserver1.public.residents: grid.residents}"`
	Key      []string          `yaml:"key" doc:"key columns when messages carry none"`
	Columns  []string          `yaml:"columns" doc:"fields exposed to transforms by name (as text)"`
	DDL      string            `yaml:"ddl" default:"stop" enum:"stop,skip,log" doc:"what a DDL event does: stop the run naming table and statement, skip it, or log it and go on"`
	Truncate string            `yaml:"truncate" enum:"stop,apply,skip" default:"stop" doc:"what a truncate event does: stop the run (naming source and target table), apply it (empty the target table in the batch's transaction), or skip it"`
	// Tombstones and FieldPrefix are the options of format debezium-flat.
	Tombstones  string         `yaml:"tombstones" enum:"delete,skip" default:"delete" doc:"debezium-flat: a tombstone deletes its key (delete) or is skipped (skip)"`
	FieldPrefix string         `yaml:"field_prefix" default:"__" doc:"debezium-flat: the prefix of the metadata fields ExtractNewRecordState adds (its add.fields.prefix)"`
	Versions    *bool          `yaml:"versions" default:"true" doc:"keep the per-key version guard: refuse a change at or below the one applied last to its key; false gives it up (docs/cdc.md)"`
	Linger      *time.Duration `yaml:"linger" default:"200ms" doc:"a batch is cut at batch_size events or this long after its first message"`
	ClientID    string         `yaml:"client_id" default:"xcetl" doc:"the client id the brokers see"`
	SASL        *SASLSpec      `yaml:"sasl" doc:"SASL authentication"`
	TLS         *TLSSpec       `yaml:"tls" doc:"TLS to the brokers"`
}

// SASLSpec is `sasl:`.
type SASLSpec struct {
	Mechanism string       `yaml:"mechanism" default:"plain" enum:"plain,scram-sha-256,scram-sha-512" enumalias:"PLAIN=plain,SCRAM-SHA-256=scram-sha-256,SCRAM-SHA-512=scram-sha-512" doc:"the SASL mechanism"`
	Username  string       `yaml:"username,required" doc:"the SASL user"`
	Password  xcetl.Secret `yaml:"password,required" doc:"the SASL password (never printed)" example:"\"${KAFKA_PASSWORD}\""`
}

// TLSSpec is `tls:`.
type TLSSpec struct {
	Enabled            *bool  `yaml:"enabled" default:"true" doc:"false turns TLS off while keeping the other keys"`
	CAFile             string `yaml:"ca_file" doc:"PEM file of the CA certificates to trust, relative to the pipeline file; default the system's"`
	CertFile           string `yaml:"cert_file" doc:"PEM client certificate (with key_file)"`
	KeyFile            string `yaml:"key_file" doc:"PEM key of the client certificate (with cert_file)"`
	ServerName         string `yaml:"server_name" doc:"the name to verify the brokers' certificates against; default the broker's host"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify" doc:"do not verify the brokers' certificates (tests only)"`
}

// Check implements config.Checker: a client certificate needs its key.
func (t *TLSSpec) Check(c *config.Check) {
	if (t.CertFile == "") != (t.KeyFile == "") {
		c.Errorf("", "give both cert_file and key_file for a client certificate")
	}
}

// Check implements config.Checker: the rules between keys.
func (s *Spec) Check(c *config.Check) {
	if c.Has("brokers") && len(s.Brokers) == 0 {
		c.Errorf("brokers", "brokers must list at least one host:port")
	}
	for i, b := range s.Brokers {
		if !strings.Contains(b, ":") || strings.TrimSpace(b) != b {
			c.ErrorfAt(c.Item("brokers", i), "broker %q: want host:port", b)
		}
	}
	switch {
	case s.Topic != "" && len(s.Topics) > 0:
		c.Errorf("topics", "give either topic or topics, not both")
	case s.Topic == "" && len(s.Topics) == 0:
		c.Errorf("", "missing required key \"topic\" (or \"topics\", a list)")
	}
	checkNames(c, "topics", s.Topics, "topic")
	checkNames(c, "columns", s.Columns, "column")
	checkNames(c, "key", s.Key, "key column")
	if c.Has("group") && strings.TrimSpace(s.Group) == "" {
		c.Errorf("group", "group must not be empty: it names the consumer group whose offsets Kafka keeps")
	}
	if s.Format != "debezium-flat" {
		for _, k := range []string{"tombstones", "field_prefix"} {
			if c.Has(k) {
				c.Errorf(k, "%s applies to format debezium-flat only", k)
			}
		}
	}
	if s.Linger != nil && (*s.Linger <= 0 || *s.Linger > maxLinger) {
		c.Errorf("linger", "linger must be more than 0 and at most %s, not %s", maxLinger, *s.Linger)
	}
	for k, v := range s.TableMap {
		if strings.TrimSpace(v) == "" {
			c.Errorf("table_map", "table_map: %q maps to an empty table name", k)
		}
	}
}

// checkNames reports empty and repeated names of a list key.
func checkNames(c *config.Check, key string, names []string, what string) {
	seen := map[string]bool{}
	for i, n := range names {
		switch {
		case n == "":
			c.ErrorfAt(c.Item(key, i), "%s name must not be empty", what)
		case seen[n]:
			c.ErrorfAt(c.Item(key, i), "%s %q is listed twice", what, n)
		}
		seen[n] = true
	}
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
	sasl                    *SASLSpec
	tls                     *TLSSpec
	baseDir                 string
	single                  bool // one topic, no table_map: every event goes to the target's table
}

// settingsOf turns a checked spec into the source's settings.
func settingsOf(sp *Spec, baseDir string) *settings {
	st := &settings{
		brokers: sp.Brokers, group: sp.Group, format: sp.Format, tableMap: sp.TableMap,
		key: sp.Key, columns: sp.Columns, ddl: sp.DDL, linger: DefaultLinger,
		clientID: sp.ClientID, sasl: sp.SASL, tls: sp.TLS, baseDir: baseDir, earliest: sp.Start != "latest",
		truncate: sp.Truncate, tombstones: sp.Tombstones, fieldPrefix: sp.FieldPrefix,
		topics: sp.Topics, versions: true,
	}
	if sp.Topic != "" {
		st.topics = []string{sp.Topic}
	}
	// The per-key version guard is on for every format: the offsets
	// protect the order within a partition, not against an older event
	// re-published later in it (a connector restarted from an older source
	// offset, a MirrorMaker or backfill re-publishing a range, a late
	// producer retry). versions: false gives it up (docs/cdc.md).
	if sp.Versions != nil {
		st.versions = *sp.Versions
	}
	if sp.Linger != nil {
		st.linger = *sp.Linger
	}
	if st.clientID == "" {
		st.clientID = "xcetl"
	}
	if st.ddl == "" {
		st.ddl = "stop"
	}
	if st.sasl != nil && st.sasl.Mechanism == "" {
		st.sasl.Mechanism = "plain"
	}
	st.single = len(st.topics) == 1 && len(st.tableMap) == 0
	return st
}

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
	if t.CertFile != "" { // with KeyFile: TLSSpec.Check
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
