package sm

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"hash"
	"path/filepath"
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

// hashConfig is the configuration of `hash`.
type hashConfig struct {
	Fields    *config.Node `yaml:"fields,required"`
	Key       xcetl.Secret `yaml:"key"`
	KeyFile   string       `yaml:"key_file"`
	Algorithm string       `yaml:"algorithm"`
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

func newHash(n *config.Node, env transform.Env) (transform.Transform, error) {
	if n == nil || n.Kind != config.Map {
		return nil, xcetl.SpecErrors{n.Errorf("hash takes a mapping, e.g. {fields: {id_card: id_card_sm3}, key: \"${XCETL_HMAC_KEY}\"}")}
	}
	var cfg hashConfig
	if errs := config.Decode(n, &cfg); len(errs) > 0 {
		return nil, errs
	}
	var errs xcetl.SpecErrors
	h := &Hash{}
	fn := cfg.Fields
	switch fn.Kind {
	case config.Map:
		for _, e := range fn.Entries {
			if e.Value.Kind != config.Scalar || e.Value.Value == "" {
				errs = append(errs, e.Value.Errorf("expected the output column for %q", e.Key))
				continue
			}
			h.pairs = append(h.pairs, hashPair{field{e.Key, e.KeyPos, e.Value.Path}, e.Value.Value})
		}
	case config.List, config.Scalar:
		items := fn.Items
		if fn.Kind == config.Scalar {
			items = []*config.Node{fn}
		}
		for _, it := range items {
			if it.Kind != config.Scalar || it.Value == "" {
				errs = append(errs, it.Errorf("expected a column name"))
				continue
			}
			h.pairs = append(h.pairs, hashPair{field{it.Value, it.Pos, it.Path}, it.Value})
		}
	default:
		errs = append(errs, fn.Errorf("expected {column: output_column, …} or a list of columns (hashed in place)"))
	}
	if len(h.pairs) == 0 && len(errs) == 0 {
		errs = append(errs, fn.Errorf("name at least one column"))
	}
	outs := map[string]bool{}
	for _, p := range h.pairs {
		if outs[p.to] {
			errs = append(errs, &xcetl.SpecError{Pos: p.from.pos, Path: p.from.path, Msg: fmt.Sprintf("column %q receives two hashes", p.to)})
		}
		outs[p.to] = true
	}
	switch strings.ToLower(cfg.Algorithm) {
	case "", "hmac-sm3":
	case "sm3":
		h.plain = true
	default:
		errs = append(errs, n.Get("algorithm").Errorf("unknown algorithm %q: use hmac-sm3 (the default, keyed) or sm3 (plain, unkeyed)", cfg.Algorithm))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var key []byte
	keyNode, fileNode := n.Get("key"), n.Get("key_file")
	switch {
	case h.plain && (keyNode != nil || fileNode != nil):
		return nil, xcetl.SpecErrors{n.Get("algorithm").Errorf("algorithm: sm3 is unkeyed; remove key/key_file, or use hmac-sm3")}
	case h.plain:
	case !cfg.Key.IsZero() && cfg.KeyFile != "":
		return nil, xcetl.SpecErrors{fileNode.Errorf("give key or key_file, not both")}
	case cfg.KeyFile != "":
		h.keyFile = cfg.KeyFile
		if !filepath.IsAbs(h.keyFile) && env.BaseDir != "" {
			h.keyFile = filepath.Join(env.BaseDir, h.keyFile)
		}
		s, err := ReadKeyFile(h.keyFile)
		if err != nil {
			return nil, xcetl.SpecErrors{fileNode.Errorf("hash: %v", err)}
		}
		key = []byte(s)
	case !cfg.Key.IsZero():
		key = []byte(cfg.Key.Reveal())
		warnLiteral(env, "hash", keyNode)
	case keyNode != nil:
		return nil, xcetl.SpecErrors{keyNode.Errorf("hash: key is empty (is the environment variable set to an empty value?)")}
	default:
		return nil, xcetl.SpecErrors{n.Errorf("hash needs key or key_file for HMAC-SM3 (e.g. key: \"${XCETL_HMAC_KEY}\"); plain SM3 only with algorithm: sm3")}
	}
	if !h.plain && len(key) < MinHMACKey {
		at := keyNode
		if at == nil {
			at = fileNode
		}
		return nil, xcetl.SpecErrors{at.Errorf("hash: the HMAC key must be at least %d bytes, got %d", MinHMACKey, len(key))}
	}
	if h.plain {
		h.pool.New = func() any { return &plainSM3{h: NewSM3()} }
	} else {
		h.pool.New = func() any { return newHMACSM3(key) }
	}
	return h, nil
}

// Bind checks the input columns; an output column that exists is replaced,
// a new one is added at the end. Outputs are strings.
func (h *Hash) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	bound := make([]hashBound, 0, len(h.pairs))
	for _, p := range h.pairs {
		src := in.Index(p.from.name)
		if src < 0 {
			errs = append(errs, transform.UnknownColumn(p.from.pos, p.from.path, p.from.name, in))
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
		parts[i] = p.from.name + " → " + p.to
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
