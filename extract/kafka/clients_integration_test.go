package kafka_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// TestKcatIntegration produces the events with the real kcat client (CI
// installs it; elsewhere the test is skipped when kcat is missing).
func TestKcatIntegration(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		kcat, err = exec.LookPath("kafkacat")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed (CI=true forbids skipping): apt-get install -y kcat")
		}
		t.Skip("kcat is not installed")
	}
	h := newHarness(t, 1, "src.public.residents")
	h.exec(residentsDDL)
	var lines []string
	for _, r := range debeziumEvents() {
		if r.Value == nil {
			continue // kcat sends an empty value, not a null one; tombstones are covered elsewhere
		}
		lines = append(lines, r.Key+"\t"+*r.Value)
	}
	cmd := exec.Command(kcat, "-P", "-b", h.addr, "-t", "src.public.residents", "-p", "0", "-K", "\t")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	path := h.pipeline("kcat_cdc", `
source: {type: kafka, brokers: ["${BROKER}"], topic: src.public.residents, group: kcat, format: debezium}
target: {type: postgres, dsn: "${PG_DSN}", table: public.residents, mode: cdc, key: [id]}
`)
	rep := h.mustRun(path)
	if got := h.query(residentsSelect); got != debeziumFinal {
		t.Fatalf("after the kcat events:\n%s\nwant:\n%s", got, debeziumFinal)
	}
	if stat(rep, "kafka_messages") != float64(len(lines)) {
		t.Errorf("messages = %v, want %d", stat(rep, "kafka_messages"), len(lines))
	}
}

// TestSASLTLSIntegration reads from a broker that requires TLS and
// SASL/PLAIN; a wrong password fails the run without showing it.
func TestSASLTLSIntegration(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := selfSigned(t, dir)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "secure.t"), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "etl", "s3cret-pass"), kfake.TLS(serverTLS))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(caFile)
	pool.AppendCertsFromPEM(pem)
	h := newHarnessOn(t, c.ListenAddrs()[0], kgo.DialTLSConfig(&tls.Config{RootCAs: pool, ServerName: "localhost"}),
		kgo.SASL(plain.Auth{User: "etl", Pass: "s3cret-pass"}.AsMechanism()))
	h.exec(`CREATE TABLE t (id bigint PRIMARY KEY, name text)`)
	h.produce("secure.t", msg(0, dbzKey(1), dbz("c", nil, map[string]any{"id": 1, "name": "安全"}, 10)))
	body := `
source:
  type: kafka
  brokers: ["${BROKER}"]
  topic: secure.t
  group: secure
  format: debezium
  sasl: {mechanism: plain, username: etl, password: "${KAFKA_PASSWORD}"}
  tls: {ca_file: ` + caFile + `, server_name: localhost}
target: {type: postgres, dsn: "${PG_DSN}", table: t, mode: cdc, key: [id]}
`
	path := h.pipeline("secure", body)
	h.mustRun(path, "KAFKA_PASSWORD=s3cret-pass")
	if got := h.query(`SELECT id, name FROM t`); got != "1\t安全" {
		t.Fatalf("table: %q", got)
	}
	_, err = h.run(path, "KAFKA_PASSWORD=wrong-password-123")
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if strings.Contains(err.Error(), "wrong-password-123") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// selfSigned makes a CA-less self-signed certificate for localhost and
// returns the server's TLS config and the certificate's PEM file.
func selfSigned(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb, _ := x509.MarshalECPrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, ca
}
