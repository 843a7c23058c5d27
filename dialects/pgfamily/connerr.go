package pgfamily

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// connectError describes a failed connection to the server of the DSN full
// root cause first (dialects.ConnectError): the server, the user and the
// database the DSN names, what failed, and what to check.
func (d *Dialect) connectError(full string, sc *xcetl.Scrubber, err error) error {
	ce := &dialects.ConnectError{Dialect: d.cfg.Name, Err: sc.ScrubError(err)}
	if cfg, perr := pgconn.ParseConfig(full); perr == nil {
		ce.Server = serverList(cfg)
		ce.User, ce.Database = cfg.User, cfg.Database
	}
	ce.Reason, ce.Check = connectReason(err, ce)
	if d.cfg.ConnectHint != nil {
		if hint := d.cfg.ConnectHint(err); hint != "" {
			ce.Check = hint
		}
	}
	for _, f := range []*string{&ce.Server, &ce.User, &ce.Database, &ce.Reason, &ce.Check} {
		*f = sc.Scrub(*f)
	}
	return ce
}

// badDSN is the connect error of a DSN that does not parse: the same DSN
// would fail again for the run history, so it is an xcetl.ErrConnect too.
func (d *Dialect) badDSN(sc *xcetl.Scrubber, err error) error {
	return &dialects.ConnectError{Dialect: d.cfg.Name, Reason: "the dsn does not parse: " + sc.Scrub(err.Error()),
		Check: "the form of the dsn: postgres://user:password@host:port/database (%-encode @ : / ? # % in the password) or host=… port=… user=… dbname=…",
		Err:   sc.ScrubError(err)}
}

// serverList renders the host:port pairs a DSN names (several with
// fallbacks: multi-host DSNs).
func serverList(cfg *pgconn.Config) string {
	hosts := []string{hostPort(cfg.Host, cfg.Port)}
	for _, f := range cfg.Fallbacks {
		if hp := hostPort(f.Host, f.Port); hp != hosts[len(hosts)-1] {
			hosts = append(hosts, hp)
		}
	}
	return strings.Join(hosts, ", ")
}

func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return host + " (socket, port " + strconv.Itoa(int(port)) + ")"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(int(port))
}

// connectReason says what failed and what to check, from the server's
// answer (SQLSTATE) or the network's.
func connectReason(err error, ce *dialects.ConnectError) (reason, check string) {
	user := ce.User
	if user == "" {
		user = "the dsn's user"
	}
	if pe := pgError(err); pe != nil {
		reason = pe.Message + " (SQLSTATE " + pe.Code + ")"
		switch pe.Code {
		case "28P01":
			check = "the password of user " + user + " (in the dsn, PGPASSWORD or ~/.pgpass), and that pg_hba.conf lets " + user + " log in from this host with that method"
		case "28000":
			check = "pg_hba.conf on the server: an entry must allow user " + user + " from this host to this database (then reload the server)"
		case "3D000":
			check = "the database name in the dsn (psql -l lists the databases)"
		case "53300":
			check = "the server's max_connections, and how many sessions other programs hold"
		case "57P03":
			check = "the server is starting up or shutting down: run again once it is up"
		}
		return reason, check
	}
	if r, c, ok := dialects.NetworkReason(err, ce.Server); ok {
		return r, c
	}
	var ce2 *pgconn.ConnectError
	msg := err.Error()
	if errors.As(err, &ce2) && ce2.Unwrap() != nil {
		msg = ce2.Unwrap().Error()
	}
	if strings.Contains(msg, "tls") || strings.Contains(msg, "x509") {
		return msg, "sslmode and the certificates (sslrootcert, sslcert, sslkey) in the dsn, and the server's ssl settings"
	}
	return msg, ""
}

// connectFailed is what a connection attempt through database/sql (the
// SQLDriver dialects) reports.
func (d *Dialect) connectFailed(full string, sc *xcetl.Scrubber, err error) error {
	ce := d.connectError(full, sc, describeError(err)).(*dialects.ConnectError)
	ce.Driver = d.cfg.SQLDriver
	return ce
}
