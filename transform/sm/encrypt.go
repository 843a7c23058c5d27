package sm

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.Register("encrypt", newEncrypt)
	transform.Register("decrypt", newDecrypt)
	transform.Register("hash", newHash)
}

// cryptConfig is the configuration of encrypt and decrypt.
type cryptConfig struct {
	Fields   []string     `yaml:"fields,required"`
	Key      xcetl.Secret `yaml:"key"`
	KeyFile  string       `yaml:"key_file"`
	KeyID    string       `yaml:"key_id"`
	Keys     *config.Node `yaml:"keys"` // decrypt only: {ID: KEY | {key: KEY} | {key_file: PATH}, …}
	Mode     string       `yaml:"mode"`
	Encoding string       `yaml:"encoding"`
	Type     string       `yaml:"type"` // decrypt only: string (default) or bytes
}

// keyEntry is the long form of one `keys:` entry of decrypt.
type keyEntry struct {
	Key     xcetl.Secret `yaml:"key"`
	KeyFile string       `yaml:"key_file"`
}

// field is a configured column name with where it was written.
type field struct {
	name string
	pos  xcetl.Pos
	path string
}

// crypt is the shared part of Encrypt and Decrypt.
type crypt struct {
	name    string // "encrypt" or "decrypt"
	fields  []field
	mode    Mode
	enc     Encoding
	keyID   string
	keyFile string
	keyIDs  []string // decrypt with keys:, sorted, for Describe
	in, out *xcetl.Schema
	idx     []int
}

// Encrypt is the `encrypt` transform: SM4 over the text of each listed
// column; the columns become strings. NULL and empty values stay as they
// are. Apply is safe for concurrent use once Bind has returned.
type Encrypt struct {
	crypt
	codec *Codec
}

// Decrypt is the `decrypt` transform, the inverse of Encrypt. A value that
// does not decrypt (damaged, wrong key, unknown key id) rejects its row.
// Apply is safe for concurrent use once Bind has returned.
type Decrypt struct {
	crypt
	codec *Codec            // single key (key / key_file)
	byID  map[string]*Codec // keys:
	bytes bool              // type: bytes
}

// parseCrypt decodes and checks everything but the keys.
func parseCrypt(name string, n *config.Node, env transform.Env) (cryptConfig, crypt, xcetl.SpecErrors) {
	var cfg cryptConfig
	c := crypt{name: name}
	if n == nil || n.Kind != config.Map {
		return cfg, c, xcetl.SpecErrors{n.Errorf("%s", name+" takes a mapping, e.g. {fields: [id_card], key: \"${XCETL_SM4_KEY}\", mode: cbc}")}
	}
	errs := config.Decode(n, &cfg)
	if len(errs) > 0 {
		return cfg, c, errs
	}
	fn := n.Get("fields")
	items := fn.Items
	if fn.Kind == config.Scalar {
		items = []*config.Node{fn}
	}
	seen := map[string]bool{}
	for i, f := range cfg.Fields {
		it := items[i]
		if f == "" {
			errs = append(errs, it.Errorf("expected a column name"))
			continue
		}
		if seen[f] {
			errs = append(errs, it.Errorf("column %q is listed twice", f))
			continue
		}
		seen[f] = true
		c.fields = append(c.fields, field{f, it.Pos, it.Path})
	}
	if len(cfg.Fields) == 0 {
		errs = append(errs, fn.Errorf("list at least one column"))
	}
	var err error
	if c.mode, err = ParseMode(cfg.Mode); err != nil {
		errs = append(errs, n.Get("mode").Errorf("%v", err))
	}
	if c.enc, err = ParseEncoding(cfg.Encoding); err != nil {
		errs = append(errs, n.Get("encoding").Errorf("%v", err))
	}
	if err := CheckKeyID(cfg.KeyID); err != nil {
		errs = append(errs, n.Get("key_id").Errorf("%v", err))
	}
	c.keyID = cfg.KeyID
	c.keyFile = resolve(cfg.KeyFile, env)
	return cfg, c, errs
}

// resolve makes a key file path relative to the pipeline file's directory.
func resolve(path string, env transform.Env) string {
	if path != "" && !filepath.IsAbs(path) && env.BaseDir != "" {
		return filepath.Join(env.BaseDir, path)
	}
	return path
}

// keySource is where one key is configured: `key:` (keyNode, key) or
// `key_file:` (fileNode, file, already resolved), in the mapping at.
type keySource struct {
	what     string // names the key in messages: "encrypt", `decrypt: key "k2024"`
	at       *config.Node
	keyNode  *config.Node
	key      xcetl.Secret
	label    string // "key: " where the key is under a `key:` key
	fileNode *config.Node
	file     string
}

// load returns the key, decoded. Messages name the key's place in the file
// and the problem, never the key. A key written literally in the pipeline
// file (not through ${VAR}) works but is logged as a warning: whoever can
// read the file can then decrypt.
func (ks keySource) load(env transform.Env) ([]byte, *xcetl.SpecError) {
	switch {
	case !ks.key.IsZero() && ks.fileNode != nil:
		return nil, ks.fileNode.Errorf("%s: give key or key_file, not both", ks.what)
	case ks.fileNode != nil:
		if ks.file == "" {
			return nil, ks.fileNode.Errorf("%s: key_file is empty", ks.what)
		}
		s, err := ReadKeyFile(ks.file)
		if err != nil {
			return nil, ks.fileNode.Errorf("%s: %v", ks.what, err)
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, ks.fileNode.Errorf("%s: key file %s: %v", ks.what, ks.file, err)
		}
		return k, nil
	case !ks.key.IsZero():
		k, err := ParseKey(ks.key.Reveal())
		if err != nil {
			return nil, ks.keyNode.Errorf("%s: %s%v", ks.what, ks.label, err)
		}
		warnLiteral(env, ks.what, ks.keyNode)
		return k, nil
	case ks.keyNode != nil:
		return nil, ks.keyNode.Errorf("%s: key is empty (is the environment variable set to an empty value?)", ks.what)
	}
	return nil, ks.at.Errorf("%s needs key (32 hex characters, e.g. \"${XCETL_SM4_KEY}\") or key_file", ks.what)
}

// warnLiteral logs a warning for a key written in the pipeline file
// itself rather than taken from ${VAR}. The message never has the key.
func warnLiteral(env transform.Env, what string, n *config.Node) {
	if env.Logger == nil || n == nil || strings.Contains(n.Raw, "${") {
		return
	}
	env.Logger.Warn(what+": the key is written in the pipeline file; whoever can read the file can use it. "+
		"Give it as \"${VAR}\" (environment or --set) or key_file", "at", n.Pos.String())
}

func newEncrypt(n *config.Node, env transform.Env) (transform.Transform, error) {
	cfg, c, errs := parseCrypt("encrypt", n, env)
	if cfg.Keys != nil {
		errs = append(errs, n.Get("keys").Errorf("keys: is for decrypt; encrypt takes one key (key or key_file) and key_id"))
	}
	if cfg.Type != "" {
		errs = append(errs, n.Get("type").Errorf("type: is for decrypt; encrypt always writes text"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	ks := keySource{what: "encrypt", at: n, keyNode: n.Get("key"), key: cfg.Key, label: "key: ", fileNode: n.Get("key_file"), file: c.keyFile}
	key, serr := ks.load(env)
	if serr != nil {
		return nil, xcetl.SpecErrors{serr}
	}
	codec, err := NewCodec(key, c.mode, c.enc, c.keyID)
	if err != nil {
		return nil, xcetl.SpecErrors{n.Errorf("encrypt: %v", err)}
	}
	return &Encrypt{crypt: c, codec: codec}, nil
}

func newDecrypt(n *config.Node, env transform.Env) (transform.Transform, error) {
	cfg, c, errs := parseCrypt("decrypt", n, env)
	d := &Decrypt{crypt: c}
	switch strings.ToLower(cfg.Type) {
	case "", "string":
	case "bytes":
		d.bytes = true
	default:
		errs = append(errs, n.Get("type").Errorf("unknown type %q: use string (the default: the plaintext must be UTF-8 text) or bytes", cfg.Type))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if cfg.Keys == nil {
		ks := keySource{what: "decrypt", at: n, keyNode: n.Get("key"), key: cfg.Key, label: "key: ", fileNode: n.Get("key_file"), file: c.keyFile}
		key, serr := ks.load(env)
		if serr != nil {
			return nil, xcetl.SpecErrors{serr}
		}
		codec, err := NewCodec(key, c.mode, c.enc, c.keyID)
		if err != nil {
			return nil, xcetl.SpecErrors{n.Errorf("decrypt: %v", err)}
		}
		d.codec = codec
		return d, nil
	}
	kn := cfg.Keys
	if n.Get("key") != nil || n.Get("key_file") != nil || cfg.KeyID != "" {
		return nil, xcetl.SpecErrors{kn.Errorf("give either keys: {ID: KEY, …} or one key (key / key_file / key_id), not both")}
	}
	if kn.Kind != config.Map || len(kn.Entries) == 0 {
		return nil, xcetl.SpecErrors{kn.Errorf("expected a mapping of key id to key, e.g. {k2024: \"${K2024}\", k2025: {key_file: keys/k2025.hex}}")}
	}
	d.byID = make(map[string]*Codec, len(kn.Entries))
	for _, e := range kn.Entries {
		if err := CheckKeyID(e.Key); err != nil {
			errs = append(errs, &xcetl.SpecError{Pos: e.KeyPos, Path: e.Value.Path, Msg: err.Error()})
			continue
		}
		ks := keySource{what: fmt.Sprintf("decrypt: key %q", e.Key), at: e.Value}
		switch e.Value.Kind {
		case config.Scalar:
			ks.keyNode, ks.key = e.Value, xcetl.NewSecret(e.Value.Value)
		case config.Null:
			ks.keyNode = e.Value // "key is empty"
		case config.Map:
			var ke keyEntry
			if de := config.Decode(e.Value, &ke); len(de) > 0 {
				errs = append(errs, de...)
				continue
			}
			ks.keyNode, ks.key, ks.label = e.Value.Get("key"), ke.Key, "key: "
			ks.fileNode, ks.file = e.Value.Get("key_file"), resolve(ke.KeyFile, env)
		default:
			errs = append(errs, e.Value.Errorf("expected a key (32 hex characters, e.g. \"${K2024}\") or {key_file: PATH}"))
			continue
		}
		k, serr := ks.load(env)
		if serr != nil {
			errs = append(errs, serr)
			continue
		}
		codec, err := NewCodec(k, c.mode, c.enc, e.Key)
		if err != nil {
			errs = append(errs, e.Value.Errorf("decrypt: %v", err))
			continue
		}
		d.byID[e.Key] = codec
		d.keyIDs = append(d.keyIDs, e.Key)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Strings(d.keyIDs)
	return d, nil
}

// bind finds the fields and gives them the output kind.
func (c *crypt) bind(in *xcetl.Schema, kind xcetl.Kind) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	idx := make([]int, 0, len(c.fields))
	for _, f := range c.fields {
		i := in.Index(f.name)
		if i < 0 {
			errs = append(errs, transform.UnknownColumn(f.pos, f.path, f.name, in))
			continue
		}
		// No length limit: ciphertext is longer than the text, and a
		// string(n) limit would truncate it at the target.
		out.Columns[i].Type = xcetl.Type{Kind: kind}
		idx = append(idx, i)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.in, c.out, c.idx = in, out, idx
	return out, nil
}

// Bind checks the fields against the input; they become string columns.
func (e *Encrypt) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	return e.bind(in, xcetl.KindString)
}

// Bind checks the fields against the input; they become string columns
// (bytes columns with `type: bytes`).
func (d *Decrypt) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	if d.bytes {
		return d.bind(in, xcetl.KindBytes)
	}
	return d.bind(in, xcetl.KindString)
}

func (c *crypt) check(b *xcetl.Batch) error {
	if err := transform.CheckSchema(c.name, b.Schema, c.in); err != nil {
		return err
	}
	width := len(c.in.Columns)
	for i, row := range b.Rows {
		if len(row) != width {
			return fmt.Errorf("%s: row %d has %d values for %d columns", c.name, i, len(row), width)
		}
	}
	b.Schema = c.out
	return nil
}

// arenaSize is the size of the buffers Encrypt.Apply writes ciphertext
// text into (see Apply).
const arenaSize = 64 << 10

// Apply encrypts the fields of every unmarked row in place. It borrows one
// cipher state for the whole batch, and writes the encoded values one after
// the other into large buffers that the new string values point into: one
// allocation per 64 KiB of ciphertext instead of one per value, which
// matters on a million-row load. A buffer is never written again once a
// string points into it, so the strings are immutable as Go requires.
func (e *Encrypt) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.check(b); err != nil {
		return err
	}
	w := e.codec.get()
	defer e.codec.put(w)
	if e.codec.batched(w) {
		return e.applyBatched(w, b)
	}
	var (
		text  []byte // a typed value's text
		arena []byte
		err   error
	)
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for _, j := range e.idx {
			var n int
			switch v := row[j].(type) {
			case nil:
				continue
			case string:
				n = len(v)
			case []byte:
				n = len(v)
			default:
				text = xcetl.AppendText(text[:0], v, e.in.Columns[j].Type.Kind)
				n = len(text)
			}
			if n == 0 {
				continue // "" stays "", empty bytes stay empty
			}
			if need := e.codec.EncodedLen(n); cap(arena)-len(arena) < need {
				arena = make([]byte, 0, max(need, arenaSize))
			}
			start := len(arena)
			switch v := row[j].(type) {
			case string:
				arena, err = encryptTo(e.codec, w, arena, v)
			case []byte:
				arena, err = encryptTo(e.codec, w, arena, v)
			default:
				arena, err = encryptTo(e.codec, w, arena, text)
			}
			if err != nil {
				return fmt.Errorf("encrypt %s: %w", e.in.Columns[j].Name, err)
			}
			row[j] = stringIn(arena, start)
		}
	}
	return nil
}

// applyBatched is Apply with a cipher that encrypts several blocks per
// call (batch.go): every value of the batch is laid out first, then
// encrypted together, then encoded into one buffer that the new string
// values point into (one allocation per batch).
func (e *Encrypt) applyBatched(w *worker, b *xcetl.Batch) error {
	c, bs := e.codec, &w.batch
	bs.work, bs.items = bs.work[:0], bs.items[:0]
	var text []byte
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for _, j := range e.idx {
			var err error
			switch v := row[j].(type) {
			case nil:
				continue
			case string:
				if v == "" {
					continue // "" stays ""
				}
				err = addValue(c, w, i, j, v)
			case []byte:
				if len(v) == 0 {
					continue
				}
				err = addValue(c, w, i, j, v)
			default:
				if text = xcetl.AppendText(text[:0], v, e.in.Columns[j].Type.Kind); len(text) == 0 {
					continue
				}
				err = addValue(c, w, i, j, text)
			}
			if err != nil {
				return fmt.Errorf("encrypt %s: %w", e.in.Columns[j].Name, err)
			}
		}
	}
	c.encryptAll(w)
	size := 0
	for _, it := range bs.items {
		size += c.encodedRawLen(it.n)
	}
	arena := make([]byte, 0, size)
	for _, it := range bs.items {
		start := len(arena)
		arena = c.appendEncoded(arena, bs.work[it.off:it.off+it.n])
		b.Rows[it.row][it.col] = stringIn(arena, start)
	}
	if cap(bs.work) > maxScratch {
		bs.work, bs.items = nil, nil // a batch of huge values: do not keep its buffer
	}
	return nil
}

// maxScratch is the largest batch buffer a pooled worker keeps.
const maxScratch = 8 << 20

// Apply decrypts the fields of every unmarked row in place; a value that
// does not decrypt rejects the row with the column and the reason (never
// the value).
func (d *Decrypt) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.check(b); err != nil {
		return err
	}
	// One cipher state per key for the whole batch.
	var w *worker
	var ws map[*Codec]*worker
	if d.codec != nil {
		w = d.codec.get()
		defer d.codec.put(w)
	} else {
		ws = make(map[*Codec]*worker, len(d.byID))
		defer func() {
			for c, w := range ws {
				c.put(w)
			}
		}()
	}
	var plain []byte
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for _, j := range d.idx {
			var s string
			switch v := row[j].(type) {
			case nil:
				continue
			case string:
				s = v
			case []byte:
				s = string(v)
			default:
				s = xcetl.FormatValue(v, d.in.Columns[j].Type.Kind)
			}
			if s == "" {
				continue
			}
			c, cw := d.codec, w
			var err error
			if c == nil {
				if c, err = d.pick(s); err == nil {
					if cw = ws[c]; cw == nil {
						cw = c.get()
						ws[c] = cw
					}
				}
			}
			if err == nil {
				plain, err = c.open(cw, plain[:0], bytesOf(s))
			}
			if err == nil && !d.bytes && !utf8.Valid(plain) {
				err = errNotText
			}
			if err != nil {
				col := d.in.Columns[j].Name
				b.Reject(i, col, "decrypt "+col+": "+err.Error())
				break
			}
			if d.bytes {
				row[j] = bytes.Clone(plain)
			} else {
				row[j] = string(plain)
			}
		}
	}
	return nil
}

// pick returns the codec of a value's key id prefix (decrypt with keys:).
func (d *Decrypt) pick(s string) (*Codec, error) {
	id, _, ok := strings.Cut(s, "$")
	if !ok {
		return nil, fmt.Errorf("%w: the value has no key id prefix (expected one of %s followed by $)", ErrDecrypt, strings.Join(d.keyIDs, ", "))
	}
	c := d.byID[id]
	if c == nil {
		if CheckKeyID(id) != nil {
			// Not a key id at all: do not quote data in the message.
			return nil, fmt.Errorf("%w: the text before $ is not a key id (keys: has %s)", ErrDecrypt, strings.Join(d.keyIDs, ", "))
		}
		return nil, fmt.Errorf("%w: unknown key id %q (keys: has %s)", ErrDecrypt, trunc([]byte(id)), strings.Join(d.keyIDs, ", "))
	}
	return c, nil
}

func (c *crypt) describe(keys string) string {
	names := make([]string, len(c.fields))
	for i, f := range c.fields {
		names[i] = f.name
	}
	return fmt.Sprintf("%s %s (sm4-%s, %s, %s)", c.name, strings.Join(names, ", "), c.mode, c.enc, keys)
}

func (c *crypt) keyDesc() string {
	s := "key [redacted]"
	if c.keyFile != "" {
		s = "key from file " + c.keyFile
	}
	if c.keyID != "" {
		s += ", key_id " + c.keyID
	}
	return s
}

// Describe names the fields, mode, encoding and key id for `xcetl explain`;
// never the key.
func (e *Encrypt) Describe() string { return e.describe(e.keyDesc()) }

// Describe names the fields, mode, encoding and key ids for `xcetl
// explain`; never a key.
func (d *Decrypt) Describe() string {
	keys := d.keyDesc()
	if d.byID != nil {
		keys = "key ids " + strings.Join(d.keyIDs, ", ") + " [keys redacted]"
	}
	if d.bytes {
		keys += ", type bytes"
	}
	return d.describe(keys)
}
