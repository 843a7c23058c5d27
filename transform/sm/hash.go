package sm

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/tjfoc/gmsm/sm3"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// MinHMACKey is the shortest HMAC-SM3 key accepted, in bytes: a short key
// lets anyone who guesses it rebuild the pseudonyms of every ID number.
const MinHMACKey = 16

// HashSpec is the configuration of `hash`.
type HashSpec struct {
	Fields    config.Ordered[Column] `yaml:"fields,required" listkeys:"true" doc:"column → the column receiving its hash (added at the end, or replacing one), or a list of columns hashed in place" example:"{id_card: id_card_hmac}"`
	Key       xcetl.Secret           `yaml:"key" doc:"the HMAC key, at least 16 bytes, used as written (not hex-decoded); normally \"${ENV_VAR}\"" example:"\"${XCETL_HMAC_KEY}\""`
	KeyFile   string                 `yaml:"key_file" doc:"instead of key: a file holding it, readable by its owner only"`
	Algorithm string                 `yaml:"algorithm" default:"hmac-sm3" enum:"hmac-sm3,sm3" enumdoc:"hmac-sm3=keyed: nobody without the key can compute the hashes;sm3=plain, unkeyed (GB/T 32905): anyone can hash every ID number and reverse it" doc:"the hash"`
}

// Check checks the columns and that the key matches the algorithm.
func (s *HashSpec) Check(c *config.Check) {
	if len(s.Fields) == 0 {
		c.Errorf("fields", "name at least one column")
	}
	fields, list := c.At("fields"), c.Node("fields") != nil && c.Node("fields").Kind != config.Map
	outs := map[string]bool{}
	for i, p := range s.Fields {
		to := p.Key
		switch {
		case list && p.Key == "":
			c.ErrorfAt(c.Item("fields", i), "expected a column name")
			continue
		case !list && p.Value == "":
			fields.Errorf(p.Key, "expected the output column for %q", p.Key)
			continue
		case !list:
			to = string(p.Value)
		}
		if outs[to] {
			fields.Errorf(p.Key, "column %q receives two hashes", to)
		}
		outs[to] = true
	}
	plain := s.Algorithm == "sm3"
	switch {
	case plain && (c.Has("key") || c.Has("key_file")):
		c.Errorf("algorithm", "algorithm: sm3 is unkeyed; remove key/key_file, or use hmac-sm3")
	case plain:
	case !s.Key.IsZero() && s.KeyFile != "":
		c.Errorf("key_file", "give key or key_file, not both")
	case s.KeyFile != "":
	case !s.Key.IsZero():
		if n := len(s.Key.Reveal()); n < MinHMACKey {
			c.Errorf("key", "hash: the HMAC key must be at least %d bytes, got %d", MinHMACKey, n)
		}
	case c.Has("key"):
		c.Errorf("key", "hash: key is empty (is the environment variable set to an empty value?)")
	default:
		c.Errorf("", "hash needs key or key_file for HMAC-SM3 (e.g. key: \"${XCETL_HMAC_KEY}\"); plain SM3 only with algorithm: sm3")
	}
}

type hashPair struct {
	from field
	to   string
}

type hashBound struct {
	src, dst int
}

// Hash is the `hash` transform: HMAC-SM3 (keyed, lowercase hex) of a
// column's text into a new or the same column, for pseudonyms that still
// join across tables. Plain SM3 (no key) only with `algorithm: sm3`: a
// plain hash of an ID number is reversed by trying every ID number. NULL
// and empty values stay as they are. Apply is safe for concurrent use.
type Hash struct {
	pairs   []hashPair
	plain   bool
	keyFile string
	pool    sync.Pool // of summer
	in, out *xcetl.Schema
	bound   []hashBound
}

// summer is one worker's hash state: sum appends the hash of msg to dst.
type summer interface {
	sum(dst, msg []byte) []byte
}

// plainSM3 is the summer of `algorithm: sm3`.
type plainSM3 struct{ h hash.Hash }

func (p *plainSM3) sum(dst, msg []byte) []byte {
	p.h.Reset()
	p.h.Write(msg)
	return p.h.Sum(dst)
}

// NewHMACSM3 returns an HMAC-SM3 hash (RFC 2104 over GB/T 32905 SM3)
// with key. It is not safe for concurrent use.
func NewHMACSM3(key []byte) hash.Hash { return hmac.New(NewSM3, key) }

// NewSM3 returns a plain SM3 hash. It is gmsm's, with Sum fixed: gmsm's
// Sum(b) hashes b instead of appending the digest to it, which would give
// a wrong HMAC whenever a caller passes a non-empty b.
func NewSM3() hash.Hash { return &sm3Hash{Hash: sm3.New()} }

type sm3Hash struct {
	hash.Hash
	buf [sm3Size]byte
}

const sm3Size = 32

// Sum appends the digest to b, as hash.Hash requires.
func (h *sm3Hash) Sum(b []byte) []byte { return append(b, h.Hash.Sum(h.buf[:0])...) }

func newHash(sp *HashSpec, env transform.Env) (transform.Transform, error) {
	h := &Hash{plain: sp.Algorithm == "sm3"}
	fn := env.Node.Get("fields")
	fpath := config.JoinPath(env.Path, "fields")
	froms := transform.KeyNames(fn, fpath, sp.Fields.Keys())
	if fn != nil && fn.Kind != config.Map {
		froms = transform.ItemNames(fn, fpath, sp.Fields.Keys())
	}
	for i, p := range sp.Fields {
		to := string(p.Value)
		if to == "" {
			to = p.Key // a list of columns: hashed in place
		}
		h.pairs = append(h.pairs, hashPair{froms[i], to})
	}
	self := nodeOr(env.Node, &config.Node{Path: env.Path})
	var key []byte
	switch {
	case h.plain:
		h.pool.New = func() any { return &plainSM3{h: NewSM3()} }
		return h, nil
	case sp.KeyFile != "":
		h.keyFile = resolve(sp.KeyFile, env)
		fileNode := nodeOr(env.Node.Get("key_file"), self)
		s, err := ReadKeyFile(h.keyFile)
		if err != nil {
			return nil, xcetl.SpecErrors{fileNode.Errorf("hash: %v", err)}
		}
		if len(s) < MinHMACKey {
			return nil, xcetl.SpecErrors{fileNode.Errorf("hash: the HMAC key must be at least %d bytes, got %d", MinHMACKey, len(s))}
		}
		key = []byte(s)
	default:
		key = []byte(sp.Key.Reveal())
		warnLiteral(env, "hash", env.Node.Get("key"))
	}
	h.pool.New = func() any { return newHMACSM3(key) }
	return h, nil
}

// Bind checks the input columns; an output column that exists is replaced,
// a new one is added at the end. Outputs are strings.
func (h *Hash) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	bound := make([]hashBound, 0, len(h.pairs))
	for _, p := range h.pairs {
		src := in.Index(p.from.Name)
		if src < 0 {
			errs = append(errs, p.from.Unknown(in))
			continue
		}
		dst := out.Index(p.to)
		if dst < 0 {
			out.Columns = append(out.Columns, xcetl.Column{Name: p.to, Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true, Source: -1})
			dst = len(out.Columns) - 1
		} else {
			out.Columns[dst].Type = xcetl.Type{Kind: xcetl.KindString}
		}
		bound = append(bound, hashBound{src, dst})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	h.in, h.out, h.bound = in, out, bound
	return out, nil
}

// Apply hashes the fields of every row. Sources are read before any output
// is written, so `{a: b, b: a}` hashes both original values.
func (h *Hash) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("hash", b.Schema, h.in); err != nil {
		return err
	}
	width, outWidth := len(h.in.Columns), len(h.out.Columns)
	hs := h.pool.Get().(summer)
	defer h.pool.Put(hs)
	var text, sum []byte
	vals := make([]any, len(h.bound))
	for i, row := range b.Rows {
		if len(row) != width {
			return fmt.Errorf("hash: row %d has %d values for %d columns", i, len(row), width)
		}
		if outWidth > width {
			if cap(row) >= outWidth {
				row = row[:outWidth]
				clear(row[width:])
			} else {
				row = append(row, make([]any, outWidth-width)...)
			}
			b.Rows[i] = row
		}
		if b.Marked(i) {
			continue
		}
		for k, bd := range h.bound {
			var plain []byte
			switch v := row[bd.src].(type) {
			case nil:
				vals[k] = nil
				continue
			case string:
				if v == "" {
					vals[k] = v
					continue
				}
				plain = bytesOf(v) // only read, by the hash
			case []byte:
				if len(v) == 0 {
					vals[k] = ""
					continue
				}
				plain = v
			default:
				text = xcetl.AppendText(text[:0], v, h.in.Columns[bd.src].Type.Kind)
				plain = text
			}
			sum = hs.sum(sum[:0], plain)
			vals[k] = hex.EncodeToString(sum)
		}
		for k, bd := range h.bound {
			row[bd.dst] = vals[k]
		}
	}
	b.Schema = h.out
	return nil
}

// Describe names the columns and the algorithm for `xcetl explain`.
func (h *Hash) Describe() string {
	parts := make([]string, len(h.pairs))
	for i, p := range h.pairs {
		parts[i] = p.from.Name + " → " + p.to
	}
	alg := "hmac-sm3, key [redacted]"
	if h.keyFile != "" {
		alg = "hmac-sm3, key from file " + h.keyFile
	}
	if h.plain {
		alg = "plain sm3, unkeyed"
	}
	return "hash " + strings.Join(parts, ", ") + " (" + alg + ")"
}
