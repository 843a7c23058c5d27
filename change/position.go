package change

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"
)

// Position builders. A position orders the changes of one key: bytes.Compare
// of two positions of the same source says which change came later. Each
// starts with a byte naming its family, so positions of different sources
// never compare as if they meant the same thing; a decoder uses one family
// for every event of a connector (snapshot reads included), or leaves the
// position nil. Numbers are big-endian, so that their bytes compare as the
// numbers do.
//
// Positions compare only within one source's history: after a failover to
// another server (MySQL binlog coordinates are the server's own) the stored
// ones mean nothing — see docs/cdc.md.
const (
	famPostgres  byte = 1 // LSN, then the last committed LSN of Debezium's sequence
	famMySQL     byte = 2 // binlog file number, position, row
	famOracle    byte = 3 // SCN, commit SCN
	famSQLServer byte = 4 // commit LSN, change LSN, event serial number
	famCanal     byte = 5 // es (ms), Kafka offset, row in message
	famGeneric   byte = 9 // event time (ms), Kafka partition, offset, row
)

// PositionLSN is the position of a PostgreSQL change at lsn. lastCommit is
// the first element of Debezium's source.sequence (the LSN of the last
// transaction committed before this change's), 0 when absent: per key the
// change LSN orders the changes (a row's next change waits for the commit
// of the previous one), and lastCommit only breaks ties.
func PositionLSN(lsn, lastCommit uint64) []byte {
	b := make([]byte, 0, 17)
	b = append(b, famPostgres)
	b = binary.BigEndian.AppendUint64(b, lsn)
	return binary.BigEndian.AppendUint64(b, lastCommit)
}

// PositionBinlog is the position of a MySQL row change: the binlog file's
// sequence number (mysql-bin.000010 → 10), the event's position in it and
// the row within the event.
func PositionBinlog(file, pos uint64, row uint32) []byte {
	b := make([]byte, 0, 21)
	b = append(b, famMySQL)
	b = binary.BigEndian.AppendUint64(b, file)
	b = binary.BigEndian.AppendUint64(b, pos)
	return binary.BigEndian.AppendUint32(b, row)
}

// BinlogFileNumber returns the sequence number of a binlog file name
// ("mysql-bin.000010" → 10).
func BinlogFileNumber(file string) (uint64, error) {
	i := strings.LastIndexByte(file, '.')
	n, ok := decimal(file[i+1:], 20)
	if !ok || !n.IsUint64() {
		return 0, fmt.Errorf("binlog file %q: no sequence number after the last dot", file)
	}
	return n.Uint64(), nil
}

// PositionSCN is the position of an Oracle change: its SCN and the commit
// SCN of its transaction (decimal digits; commit "" when unknown, as for
// snapshot reads).
func PositionSCN(scn, commit string) ([]byte, error) {
	b := []byte{famOracle}
	for _, s := range []string{scn, commit} {
		if s == "" && len(b) > 1 {
			b = append(b, 0)
			continue
		}
		n, ok := decimal(s, 40)
		if !ok {
			return nil, fmt.Errorf("scn %q: want 1 to 40 decimal digits", s)
		}
		b = appendNumber(b, n)
	}
	return b, nil
}

// PositionSQLServer is the position of a SQL Server change: the commit LSN
// of its transaction, the change LSN and the event serial number (the LSNs
// as bytes; change empty for snapshot reads).
func PositionSQLServer(commitLSN, changeLSN []byte, serial uint32) []byte {
	b := make([]byte, 0, 3+len(commitLSN)+len(changeLSN)+4)
	b = append(b, famSQLServer, byte(len(commitLSN)))
	b = append(b, commitLSN...)
	b = append(b, byte(len(changeLSN)))
	b = append(b, changeLSN...)
	return binary.BigEndian.AppendUint32(b, serial)
}

// PositionCanal is the position of a Canal row change: the binlog event's
// time `es` in milliseconds, the Kafka offset of the message and the row's
// place in it.
func PositionCanal(esMillis int64, offset int64, row uint32) []byte {
	b := make([]byte, 0, 21)
	b = append(b, famCanal)
	b = binary.BigEndian.AppendUint64(b, uint64(esMillis)^(1<<63))
	b = binary.BigEndian.AppendUint64(b, uint64(offset)^(1<<63))
	return binary.BigEndian.AppendUint32(b, row)
}

// PositionGeneric is the position of a change from a source whose log
// position xcetl does not know: the event time in milliseconds, then the
// Kafka partition and offset.
func PositionGeneric(tsMillis int64, partition int32, offset int64, row uint32) []byte {
	b := make([]byte, 0, 25)
	b = append(b, famGeneric)
	b = binary.BigEndian.AppendUint64(b, uint64(tsMillis)^(1<<63))
	b = binary.BigEndian.AppendUint32(b, uint32(partition))
	b = binary.BigEndian.AppendUint64(b, uint64(offset)^(1<<63))
	return binary.BigEndian.AppendUint32(b, row)
}

// decimal parses up to max decimal digits.
func decimal(s string, max int) (*big.Int, bool) {
	if s == "" || len(s) > max {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 10)
	return n, ok
}

// appendNumber appends n as its minimal big-endian bytes after their
// count, so that a longer number (more bytes) compares as the larger one.
func appendNumber(b []byte, n *big.Int) []byte {
	nb := n.Bytes()
	b = append(b, byte(len(nb)))
	return append(b, nb...)
}
