package dialects

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/xcetl/xcetl"
)

// ConnectError is a failure to connect, or to log in, to a database
// server. It is the root cause of everything a run would do after it, so
// its message starts with it: which server, which user, what failed and
// what to check —
//
//	cannot connect to postgres server db1:5432 as user etl (database grid): password authentication failed for user "etl" (SQLSTATE 28P01)
//	  check: the password of user etl (in the dsn, PGPASSWORD or ~/.pgpass), and that pg_hba.conf lets etl log in from this host
//
// It matches xcetl.ErrConnect, which tells the engine that nothing can be
// written to that target, not even the run-history row. Dialects build it
// with the fields they know; Reason and Check must hold no secret.
type ConnectError struct {
	Dialect  string // "postgres"
	Server   string // host:port, or several for a multi-host DSN
	User     string
	Database string
	// Driver names the database/sql driver, when the dialect connects
	// through one.
	Driver string
	// Reason is what failed, in the server's or the system's words.
	Reason string
	// Check says what to look at; "" when nothing useful is known.
	Check string
	Err   error
}

func (e *ConnectError) Error() string {
	var b strings.Builder
	b.WriteString("cannot connect to ")
	b.WriteString(e.Dialect)
	b.WriteString(" server")
	if e.Server != "" {
		b.WriteString(" " + e.Server)
	}
	if e.User != "" {
		b.WriteString(" as user " + e.User)
	}
	if e.Database != "" {
		b.WriteString(" (database " + e.Database + ")")
	}
	if e.Driver != "" {
		b.WriteString(" through driver " + e.Driver)
	}
	b.WriteString(": " + e.Reason)
	if e.Check != "" {
		b.WriteString("\ncheck: " + e.Check)
	}
	return b.String()
}

// Unwrap makes the error an xcetl.ErrConnect and keeps the driver's error.
func (e *ConnectError) Unwrap() []error { return []error{xcetl.ErrConnect, e.Err} }

// NetworkReason describes a failure to reach a server that is not the
// server's own answer — refused, timed out, unknown host, connection
// closed — with what to check; ok is false for other errors.
func NetworkReason(err error, server string) (reason, check string, ok bool) {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return "the host name " + dns.Name + " is unknown (" + dns.Err + ")", "the host name in the dsn, and DNS or /etc/hosts on this machine", true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused", "that the server runs and listens on " + server + " (listen_addresses, port) and that no firewall rejects the connection", true
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "no answer in time", "the host and port in the dsn, the network and firewalls between this machine and " + server + " (connect_timeout sets the wait)", true
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached", "the network route to " + server, true
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return "the server closed the connection", "the server's log: it may have restarted, or refused this client (max_connections, ssl settings)", true
	}
	return "", "", false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// LostError is an error of a connection the server closed in the middle of
// the work (it stopped, crashed, restarted, or an administrator ended the
// session). Drivers report that as "unexpected EOF" or "connection reset";
// this says what it means.
type LostError struct{ Err error }

func (e *LostError) Error() string {
	return "the server closed the connection (it stopped, crashed or restarted, or an administrator ended the session: see the server's log): " + e.Err.Error()
}

func (e *LostError) Unwrap() error { return e.Err }

// IsLost reports whether err shows a connection its server closed: an end
// of the stream in the middle of a reply, a reset or broken connection.
func IsLost(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}
