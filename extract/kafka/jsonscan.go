package kafka

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
)

// A small scanner for the flat JSON objects of row images: it hands out
// each member's name and the raw bytes of its value without building maps
// or using reflection, which took most of the time of decoding an event.
// Values are validated as they are skipped; strings are unquoted only when
// asked for.

var errJSON = errors.New("malformed JSON")

// names interns member names: the events of a topic repeat the same few
// dozen (column names, envelope members), which would otherwise cost an
// allocation each, for every event, and stay alive with the events until
// their batch is written.
var names = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// maxNames bounds the interned names (a stream of ever new names, a hostile
// one say, then costs what it did without the interning).
const maxNames = 4096

// memberName is unquote for a member name, interned when it has no escapes.
func memberName(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || bytes.IndexByte(raw, '\\') >= 0 {
		return unquote(raw)
	}
	names.Lock()
	s, ok := names.m[string(raw)]
	names.Unlock()
	if ok {
		return s, nil
	}
	s, err := unquote(raw)
	if err == nil {
		names.Lock()
		if len(names.m) < maxNames {
			names.m[string(raw)] = s
		}
		names.Unlock()
	}
	return s, err
}

// eachMember calls fn for every member of the JSON object in b, in order.
func eachMember(b []byte, fn func(name string, raw []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("%w: not an object", errJSON)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		if skipSpace(b, i+1) != len(b) {
			return fmt.Errorf("%w: data after the object", errJSON)
		}
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return fmt.Errorf("%w: member name expected at byte %d", errJSON, i)
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		name, err := memberName(b[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("%w: ':' expected at byte %d", errJSON, i)
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i, 0)
		if err != nil {
			return err
		}
		if err := fn(name, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			if skipSpace(b, i+1) != len(b) {
				return fmt.Errorf("%w: data after the object", errJSON)
			}
			return nil
		}
		return fmt.Errorf("%w: ',' or '}' expected at byte %d", errJSON, i)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			j++
			if j >= len(b) {
				break
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return 0, fmt.Errorf("%w: bad \\u escape", errJSON)
				}
				for _, h := range b[j+1 : j+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return 0, fmt.Errorf("%w: bad \\u escape", errJSON)
					}
				}
				j += 4
			default:
				return 0, fmt.Errorf("%w: bad escape in a string", errJSON)
			}
		case c < 0x20:
			return 0, fmt.Errorf("%w: control character in a string", errJSON)
		}
	}
	return 0, fmt.Errorf("%w: unterminated string", errJSON)
}

const maxDepth = 1000

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, fmt.Errorf("%w: nested too deeply", errJSON)
	}
	if i >= len(b) {
		return 0, fmt.Errorf("%w: value expected", errJSON)
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		j := skipSpace(b, i+1)
		if j < len(b) && b[j] == closer {
			return j + 1, nil
		}
		for {
			if c == '{' {
				if j >= len(b) || b[j] != '"' {
					return 0, fmt.Errorf("%w: member name expected", errJSON)
				}
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = skipSpace(b, end)
				if j >= len(b) || b[j] != ':' {
					return 0, fmt.Errorf("%w: ':' expected", errJSON)
				}
				j = skipSpace(b, j+1)
			}
			end, err := skipValue(b, j, depth+1)
			if err != nil {
				return 0, err
			}
			j = skipSpace(b, end)
			if j < len(b) && b[j] == ',' {
				j = skipSpace(b, j+1)
				continue
			}
			if j < len(b) && b[j] == closer {
				return j + 1, nil
			}
			return 0, fmt.Errorf("%w: ',' or '%c' expected", errJSON, closer)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		j := i
		for j < len(b) {
			switch d := b[j]; {
			case d >= '0' && d <= '9', d == '-', d == '+', d == '.', d == 'e', d == 'E':
				j++
				continue
			}
			break
		}
		if !json.Valid(b[i:j]) {
			return 0, fmt.Errorf("%w: bad number %q", errJSON, b[i:j])
		}
		return j, nil
	}
	return 0, fmt.Errorf("%w: unexpected %q", errJSON, b[i])
}

func literal(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, fmt.Errorf("%w: bad literal", errJSON)
	}
	return i + len(lit), nil
}

// unquote returns the text of a JSON string (with its quotes). Strings
// without escapes, the usual case, cost one allocation.
func unquote(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", fmt.Errorf("%w: not a string", errJSON)
	}
	body := raw[1 : len(raw)-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		if !utf8.Valid(body) {
			// encoding/json replaces bad bytes with U+FFFD; do the same.
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", err
			}
			return s, nil
		}
		return string(body), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%w: %v", errJSON, err)
	}
	return s, nil
}

// parseInt is strconv.ParseInt for a JSON number's bytes.
func parseInt(raw []byte) (int64, error) {
	return strconv.ParseInt(string(raw), 10, 64)
}
