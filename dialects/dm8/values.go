package dm8

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
)

// How values travel to DM8. This is the one place to correct if a DM8
// server disagrees (none was available to check it; see docs/dialects.md).
//
// Dates, timestamps and decimals are bound as text in fixed formats and
// converted by the server with explicit format masks: the driver converts a
// decimal string for a DECIMAL parameter through a 64-bit big.Float (losing
// digits beyond ~19), and converts time.Time values between its own and the
// database's time zones. Inside SELECT … FROM DUAL (the source of MERGE) a
// bare placeholder has no type to take from a column, so every placeholder
// there gets an explicit CAST.

// Formats of the text sent for dates and timestamps, and the masks the
// server parses them with.
const (
	dateLayout = "2006-01-02"
	dateMask   = "YYYY-MM-DD"
	tsLayout   = "2006-01-02 15:04:05.000000"
	tsMask     = "YYYY-MM-DD HH24:MI:SS.FF6"
	tstzLayout = "2006-01-02 15:04:05.000000 -07:00"
	tstzMask   = "YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM"
)

// bindExpr returns the SQL expression that takes a value of kind k from one
// placeholder. inSelect is true inside SELECT … FROM DUAL, where the
// placeholder needs a type; lob says the target column is a CLOB or BLOB.
func bindExpr(k xcetl.Kind, inSelect, lob bool) string {
	switch k {
	case xcetl.KindDate:
		return "TO_DATE(?, '" + dateMask + "')"
	case xcetl.KindTimestamp:
		return "TO_TIMESTAMP(?, '" + tsMask + "')"
	case xcetl.KindTimestampTZ:
		return "TO_TIMESTAMP_TZ(?, '" + tstzMask + "')"
	case xcetl.KindDecimal:
		return "CAST(? AS VARCHAR(100))"
	}
	if !inSelect {
		return "?"
	}
	switch k {
	case xcetl.KindInt:
		return "CAST(? AS BIGINT)"
	case xcetl.KindFloat:
		return "CAST(? AS DOUBLE)"
	case xcetl.KindBool:
		return "CAST(? AS BIT)"
	case xcetl.KindBytes:
		if lob {
			return "CAST(? AS BLOB)"
		}
		return "CAST(? AS VARBINARY(8188))"
	}
	if lob {
		return "CAST(? AS CLOB)"
	}
	return "CAST(? AS VARCHAR(8188))"
}

// isLOB reports whether a catalog base type is a large object.
func isLOB(base string) bool {
	switch strings.ToUpper(base) {
	case "CLOB", "TEXT", "LONGVARCHAR", "BLOB", "IMAGE", "LONGVARBINARY", "NCLOB":
		return true
	}
	return false
}

// errNotStorable marks values DM8 cannot store (NaN, infinities): the
// writer's RowChecker rejects their rows.
type errNotStorable struct{ why string }

func (e errNotStorable) Error() string { return e.why }

// Value converts a batch value of kind k into what is bound for bindExpr.
func Value(v any, k xcetl.Kind) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return x, nil
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errNotStorable{fmt.Sprintf("%v cannot be stored in DM8 (DOUBLE has no NaN or infinity)", x)}
		}
		return x, nil
	case float32:
		return Value(float64(x), k)
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case xcetl.Decimal:
		return string(x), nil
	case []byte:
		return x, nil
	case time.Time:
		if y := x.Year(); y < 1 || y > 9999 {
			return nil, errNotStorable{fmt.Sprintf("year %d is outside DM8's range 1..9999", y)}
		}
		switch k {
		case xcetl.KindDate:
			return x.Format(dateLayout), nil
		case xcetl.KindTimestampTZ:
			// The offset is sent as ±hh:mm; an offset with seconds (old
			// local mean times) cannot be, so such values go in UTC.
			if _, off := x.Zone(); off%60 != 0 {
				x = x.UTC()
			}
			return x.Format(tstzLayout), nil
		}
		return x.Format(tsLayout), nil
	}
	return nil, fmt.Errorf("unsupported value of Go type %T", v)
}
