package kafka

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl/change"
)

// dbzSource is the `source` block of a Debezium change event: where the
// change was read, which decides its position (see position). The fields of
// every connector xcetl orders are here; numbers keep their text.
type dbzSource struct {
	Connector string
	DB        string
	Schema    string
	Table     string
	TsMs      int64
	Snapshot  string
	// PostgreSQL
	LSN      string
	Sequence string // JSON text of ["lastCommittedLsn","lsn"]
	TxID     string
	// MySQL, MariaDB
	File string
	Pos  string
	Row  string
	GTID string
	// Oracle
	SCN       string
	CommitSCN string
	// SQL Server
	ChangeLSN string
	CommitLSN string
	Serial    string
}

// set fills the member called name (as in the source block) from its raw
// JSON value. It reports whether the name is one xcetl reads.
func (src *dbzSource) set(name string, raw []byte) (bool, error) {
	if isNull(raw) {
		return true, nil
	}
	var dst *string
	switch name {
	case "connector":
		dst = &src.Connector
	case "db":
		dst = &src.DB
	case "schema":
		dst = &src.Schema
	case "table":
		dst = &src.Table
	case "ts_ms":
		t, err := jsonText(raw)
		if err == nil {
			src.TsMs, err = strconv.ParseInt(t, 10, 64)
		}
		if err != nil {
			return true, fmt.Errorf("member %q: not a time in milliseconds: %s", name, raw)
		}
		return true, nil
	case "snapshot":
		dst = &src.Snapshot
	case "lsn":
		dst = &src.LSN
	case "sequence":
		dst = &src.Sequence
	case "txId":
		dst = &src.TxID
	case "file":
		dst = &src.File
	case "pos":
		dst = &src.Pos
	case "row":
		dst = &src.Row
	case "gtid":
		dst = &src.GTID
	case "scn":
		dst = &src.SCN
	case "commit_scn":
		dst = &src.CommitSCN
	case "change_lsn":
		dst = &src.ChangeLSN
	case "commit_lsn":
		dst = &src.CommitLSN
	case "event_serial_no":
		dst = &src.Serial
	default:
		return false, nil
	}
	t, err := jsonText(raw)
	if err != nil {
		return true, fmt.Errorf("member %q: %w", name, err)
	}
	*dst = t
	return true, nil
}

// scan fills src from the source block with the flat scanner.
func (src *dbzSource) scan(b []byte) error {
	return eachMember(b, func(name string, raw []byte) error {
		_, err := src.set(name, raw)
		return err
	})
}

// table is the source table as "schema.table" or "db.table".
func (src *dbzSource) table() string {
	switch {
	case src.Table == "":
		return ""
	case src.Schema != "":
		return src.Schema + "." + src.Table
	case src.DB != "":
		return src.DB + "." + src.Table
	}
	return src.Table
}

// family is the connector family whose positions the block carries: the
// connector's name, or, for a block without one (a flattened event with
// only some source fields), the fields that are there.
func (src *dbzSource) family() string {
	switch c := src.Connector; {
	case c == "mariadb":
		return "mysql"
	case c != "":
		return c
	case src.LSN != "" || src.Sequence != "":
		return "postgresql"
	case src.File != "" && src.Pos != "":
		return "mysql"
	case src.SCN != "":
		return "oracle"
	case src.CommitLSN != "" || src.ChangeLSN != "":
		return "sqlserver"
	}
	return ""
}

// position is the change's position in its source's log:
//
//   - PostgreSQL: source.lsn (or the last element of source.sequence), then
//     the first element of the sequence (the last committed LSN);
//   - MySQL and MariaDB: the binlog file's number, source.pos, source.row —
//     mysql-bin.000009 before mysql-bin.000010. The GTID, when there is one,
//     is kept in the event's Meta.Tx but does not order: snapshot reads
//     carry none, and its transaction numbers are per server;
//   - Oracle: source.scn, then source.commit_scn;
//   - SQL Server: source.commit_lsn, source.change_lsn, event_serial_no;
//   - any other connector: the event's time, then the Kafka partition and
//     offset.
//
// A block of a known connector without its position fields gives nil: the
// event is applied without the version guard rather than with a position
// of another family, which would compare wrongly with the rest.
func (src *dbzSource) position(tsMs int64, m *message) ([]byte, error) {
	switch src.family() {
	case "postgresql":
		return src.pgPosition()
	case "mysql":
		if src.File == "" || src.Pos == "" {
			return nil, nil
		}
		file, err := change.BinlogFileNumber(src.File)
		if err != nil {
			return nil, fmt.Errorf("debezium source.file: %w", err)
		}
		pos, err := strconv.ParseUint(src.Pos, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("debezium source.pos %q: not a position", src.Pos)
		}
		var row uint64
		if src.Row != "" {
			if row, err = strconv.ParseUint(src.Row, 10, 32); err != nil {
				return nil, fmt.Errorf("debezium source.row %q: not a row number", src.Row)
			}
		}
		return change.PositionBinlog(file, pos, uint32(row)), nil
	case "oracle":
		if src.SCN == "" {
			return nil, nil
		}
		p, err := change.PositionSCN(src.SCN, src.CommitSCN)
		if err != nil {
			return nil, fmt.Errorf("debezium source: %w", err)
		}
		return p, nil
	case "sqlserver":
		return src.sqlServerPosition()
	}
	ts := src.TsMs
	if ts == 0 {
		ts = tsMs
	}
	if ts == 0 {
		ts = m.Time.UnixMilli()
	}
	return change.PositionGeneric(ts, int32(m.Partition), m.Offset, 0), nil
}

func (src *dbzSource) pgPosition() ([]byte, error) {
	var seq []*string
	if src.Sequence != "" {
		if err := json.Unmarshal([]byte(src.Sequence), &seq); err != nil {
			return nil, fmt.Errorf("debezium source.sequence %q: not a JSON list of LSNs", src.Sequence)
		}
	}
	lsnText := src.LSN
	if lsnText == "" && len(seq) > 0 && seq[len(seq)-1] != nil {
		lsnText = *seq[len(seq)-1]
	}
	if lsnText == "" {
		return nil, nil
	}
	lsn, err := strconv.ParseUint(lsnText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("debezium source.lsn %q: not an LSN", lsnText)
	}
	var last uint64
	if len(seq) > 1 && seq[0] != nil {
		if last, err = strconv.ParseUint(*seq[0], 10, 64); err != nil {
			return nil, fmt.Errorf("debezium source.sequence %q: not a list of LSNs", src.Sequence)
		}
	}
	return change.PositionLSN(lsn, last), nil
}

func (src *dbzSource) sqlServerPosition() ([]byte, error) {
	if src.CommitLSN == "" && src.ChangeLSN == "" {
		return nil, nil
	}
	commit, err := hex.DecodeString(strings.ReplaceAll(src.CommitLSN, ":", ""))
	if err != nil {
		return nil, fmt.Errorf("debezium source.commit_lsn %q: not an LSN", src.CommitLSN)
	}
	chg, err := hex.DecodeString(strings.ReplaceAll(src.ChangeLSN, ":", ""))
	if err != nil {
		return nil, fmt.Errorf("debezium source.change_lsn %q: not an LSN", src.ChangeLSN)
	}
	if len(commit) > 255 || len(chg) > 255 {
		return nil, fmt.Errorf("debezium source: an LSN of more than 255 bytes")
	}
	var serial uint64
	if src.Serial != "" {
		if serial, err = strconv.ParseUint(src.Serial, 10, 32); err != nil {
			return nil, fmt.Errorf("debezium source.event_serial_no %q: not a number", src.Serial)
		}
	}
	return change.PositionSQLServer(commit, chg, uint32(serial)), nil
}

// meta is the event's Meta from the block and the message.
func (src *dbzSource) meta(m *message, tsMs int64) change.Meta {
	md := change.Meta{Connector: src.Connector, Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Time: m.Time}
	switch {
	case src.TsMs != 0:
		md.Time = time.UnixMilli(src.TsMs).UTC()
	case tsMs != 0:
		md.Time = time.UnixMilli(tsMs).UTC()
	}
	switch {
	case src.GTID != "":
		md.Tx = src.GTID
	case src.TxID != "":
		md.Tx = src.TxID
	}
	md.Snapshot = src.Snapshot != "" && src.Snapshot != "false"
	return md
}

// jsonText returns a JSON string's or number's text ("" for null).
func jsonText(raw []byte) (string, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return "", nil
	}
	if raw[0] == '"' {
		return unquote(raw)
	}
	return string(raw), nil
}
