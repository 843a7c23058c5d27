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
	"github.com/xcetl/xcetl/internal/box"
	"github.com/xcetl/xcetl/internal/fixediv"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.RegisterSpec("encrypt", config.Doc{
		Summary: "SM4-encrypts the text of columns (GB/T 32907); the columns become strings, NULL and empty stay as they are",
		Example: "encrypt: {fields: [id_card, phone], key: \"${XCETL_SM4_KEY}\", mode: cbc, encoding: hex}",
	}, newEncrypt)
	transform.RegisterSpec("decrypt", config.Doc{
		Summary: "the inverse of encrypt with the same mode and encoding; a value that does not decrypt rejects its row",
		Example: "decrypt: {fields: [id_card], keys: {k2024: \"${K2024}\", k2025: {key_file: keys/k2025.hex}}, mode: cbc}",
	}, newDecrypt)
	transform.RegisterSpec("hash", config.Doc{
		Summary: "HMAC-SM3 (or, asked for, plain SM3) of columns as 64 lowercase hex characters, for pseudonyms that still join",
		Example: "hash: {fields: {id_card: id_card_hmac}, key: \"${XCETL_HMAC_KEY}\"}",
	}, newHash)
}

// CryptSpec holds the keys encrypt and decrypt share.
type CryptSpec struct {
	Fields   []Column     `yaml:"fields,required" doc:"the columns" example:"[id_card, phone]"`
	Key      xcetl.Secret `yaml:"key" doc:"the SM4 key: 16 bytes as 32 hex characters, normally \"${ENV_VAR}\" (a key written in the file works but logs a warning)" example:"\"${XCETL_SM4_KEY}\""`
	KeyFile  string       `yaml:"key_file" doc:"instead of key: a file holding the 32 hex characters (relative to the pipeline file), readable by its owner only"`
	KeyID    string       `yaml:"key_id" doc:"the key id written as a prefix key_id$ before each value (encrypt) or required there (decrypt), for key rotation"`
	Mode     string       `yaml:"mode" default:"cbc" enum:"cbc,ecb,gcm" enumdoc:"cbc=16-byte random IV ‖ ciphertext, PKCS#7 padding;ecb=ciphertext, PKCS#7 padding: deterministic, for legacy systems only;gcm=12-byte random nonce ‖ ciphertext ‖ 16-byte tag: authenticated" doc:"SM4 mode of operation"`
	Encoding string       `yaml:"encoding" default:"hex" enum:"hex,base64" enumdoc:"hex=lowercase;base64=standard alphabet, padded" doc:"how the ciphertext is written as text"`
}

// Column is a column name in a spec.
type Column string

// Noun implements config.Nouner.
func (Column) Noun() string { return "a column name" }

// EncryptSpec is the configuration of `encrypt`.
type EncryptSpec struct {
	CryptSpec `yaml:",inline"`
	Keys      config.Refused `yaml:"keys" refuse:"keys: is for decrypt; encrypt takes one key (key or key_file) and key_id"`
	Type      config.Refused `yaml:"type" refuse:"type: is for decrypt; encrypt always writes text"`
}

// DecryptSpec is the configuration of `decrypt`.
type DecryptSpec struct {
	CryptSpec `yaml:",inline"`
	Keys      config.Ordered[KeyEntry] `yaml:"keys" doc:"instead of one key: key id → key; each value picks its key by its key_id$ prefix" example:"{k2024: \"${K2024}\", k2025: {key_file: keys/k2025.hex}}"`
	Type      string                   `yaml:"type" default:"string" enum:"string,bytes" enumdoc:"string=the plaintext must be UTF-8 text;bytes=bytes columns, any plaintext" doc:"the type of the decrypted columns"`
}

// KeyEntry is one key of decrypt's `keys:`: the key itself (the short
// form), or {key_file: PATH}.
type KeyEntry struct {
	Key     xcetl.Secret `yaml:"key" shorthand:"true" doc:"the key, 32 hex characters"`
	KeyFile string       `yaml:"key_file" doc:"a file holding the key"`
}

// Check refuses empty and repeated columns, a bad key id, and two keys.
func (s *CryptSpec) Check(c *config.Check) {
	checkColumns(c, s.Fields)
	if err := CheckKeyID(s.KeyID); err != nil {
		c.Errorf("key_id", "%v", err)
	}
}

// checkColumns refuses an empty list, empty names and names listed twice.
func checkColumns(c *config.Check, cols []Column) {
	if len(cols) == 0 {
		c.Errorf("fields", "list at least one column")
	}
	seen := map[Column]bool{}
	for i, f := range cols {
		switch {
		case f == "":
			c.ErrorfAt(c.Item("fields", i), "expected a column name")
		case seen[f]:
			c.ErrorfAt(c.Item("fields", i), "column %q is listed twice", f)
		}
		seen[f] = true
	}
}

// Check checks the one key of encrypt.
func (s *EncryptSpec) Check(c *config.Check) { checkKey(c, "encrypt", s.Key, s.KeyFile) }

// Check checks decrypt's key or keys.
func (s *DecryptSpec) Check(c *config.Check) {
	if !c.Has("keys") {
		checkKey(c, "decrypt", s.Key, s.KeyFile)
		return
	}
	if c.Has("key") || c.Has("key_file") || s.KeyID != "" {
		c.Errorf("keys", "give either keys: {ID: KEY, …} or one key (key / key_file / key_id), not both")
		return
	}
	if len(s.Keys) == 0 {
		c.Errorf("keys", "expected a mapping of key id to key, e.g. {k2024: \"${K2024}\", k2025: {key_file: keys/k2025.hex}}")
	}
	keys := c.At("keys")
	for _, p := range s.Keys {
		if err := CheckKeyID(p.Key); err != nil {
			keys.Errorf(p.Key, "%v", err)
			continue
		}
		checkKey(keys.At(p.Key), fmt.Sprintf("decrypt: key %q", p.Key), p.Value.Key, p.Value.KeyFile)
	}
}

// checkKey checks a key or key_file in c: exactly one of them, and a key
// that is 32 hex characters. Messages name the place, never the key.
func checkKey(c *config.Check, what string, key xcetl.Secret, file string) {
	// keys: {k1: "${K}"} is the short form: the entry itself is the key.
	short := c.Self() != nil && c.Self().Kind != config.Map
	keyAt, label := "key", "key: "
	if short {
		keyAt, label = "", ""
	}
	switch {
	case !key.IsZero() && file != "":
		c.Errorf("key_file", "%s: give key or key_file, not both", what)
	case c.Has("key_file") && file == "":
		c.Errorf("key_file", "%s: key_file is empty", what)
	case file != "":
	case !key.IsZero():
		if _, err := ParseKey(key.Reveal()); err != nil {
			c.Errorf(keyAt, "%s: %s%v", what, label, err)
		}
	case short || c.Has("key"):
		c.Errorf(keyAt, "%s: key is empty (is the environment variable set to an empty value?)", what)
	default:
		c.Errorf("", "%s needs key (32 hex characters, e.g. \"${XCETL_SM4_KEY}\") or key_file", what)
	}
}

// field is a configured column name with where it was written.
type field = transform.Name

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

// newCrypt makes the shared part from a checked spec.
func newCrypt(name string, s *CryptSpec, env transform.Env) crypt {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = string(f)
	}
	return crypt{name: name, fields: transform.ItemNames(env.Node.Get("fields"), config.JoinPath(env.Path, "fields"), names),
		mode: Mode(s.Mode), enc: Encoding(s.Encoding), keyID: s.KeyID, keyFile: resolve(s.KeyFile, env)}
}

// resolve makes a key file path relative to the pipeline file's directory.
func resolve(path string, env transform.Env) string {
	if path != "" && !filepath.IsAbs(path) && env.BaseDir != "" {
		return filepath.Join(env.BaseDir, path)
	}
	return path
}

// loadKey returns the key that a checked spec gives: read from file (whose
// node is fileNode, for the message) or decoded from key (keyNode). A key
// written literally in the pipeline file (not through ${VAR}) works but is
// logged as a warning: whoever can read the file can then decrypt.
func loadKey(env transform.Env, what string, key xcetl.Secret, file string, keyNode, fileNode *config.Node) ([]byte, *xcetl.SpecError) {
	if file == "" {
		k, err := ParseKey(key.Reveal())
		if err != nil { // checked: only a spec that skipped Check gets here
			return nil, keyNode.Errorf("%s: %v", what, err)
		}
		warnLiteral(env, what, keyNode)
		return k, nil
	}
	s, err := ReadKeyFile(file)
	if err != nil {
		return nil, fileNode.Errorf("%s: %v", what, err)
	}
	k, err := ParseKey(s)
	if err != nil {
		return nil, fileNode.Errorf("%s: key file %s: %v", what, file, err)
	}
	return k, nil
}

// warnLiteral logs a warning for a key written in the pipeline file
// itself rather than taken from ${VAR}. The message never has the key.
func warnLiteral(env transform.Env, what string, n *config.Node) {
	if env.Logger == nil || n == nil || strings.Contains(n.Raw, "${") || n.Pos.Line == 0 {
		return // from a variable, or not from a file (a spec built in Go)
	}
	env.Logger.Warn(what+": the key is written in the pipeline file; whoever can read the file can use it. "+
		"Give it as \"${VAR}\" (environment or --set) or key_file", "at", n.Pos.String())
}

// nodeOr returns n, or at when n is nil (a spec built in Go has no nodes;
// at then carries the path).
func nodeOr(n *config.Node, at *config.Node) *config.Node {
	if n != nil {
		return n
	}
	return at
}

func newEncrypt(sp *EncryptSpec, env transform.Env) (transform.Transform, error) {
	c := newCrypt("encrypt", &sp.CryptSpec, env)
	self := nodeOr(env.Node, &config.Node{Path: env.Path})
	key, serr := loadKey(env, "encrypt", sp.Key, c.keyFile, nodeOr(env.Node.Get("key"), self), nodeOr(env.Node.Get("key_file"), self))
	if serr != nil {
		return nil, xcetl.SpecErrors{serr}
	}
	codec, err := NewCodec(key, c.mode, c.enc, c.keyID)
	if err != nil {
		return nil, xcetl.SpecErrors{self.Errorf("encrypt: %v", err)}
	}
	return &Encrypt{crypt: c, codec: codec}, nil
}

func newDecrypt(sp *DecryptSpec, env transform.Env) (transform.Transform, error) {
	d := &Decrypt{crypt: newCrypt("decrypt", &sp.CryptSpec, env), bytes: sp.Type == "bytes"}
	self := nodeOr(env.Node, &config.Node{Path: env.Path})
	if len(sp.Keys) == 0 {
		key, serr := loadKey(env, "decrypt", sp.Key, d.keyFile, nodeOr(env.Node.Get("key"), self), nodeOr(env.Node.Get("key_file"), self))
		if serr != nil {
			return nil, xcetl.SpecErrors{serr}
		}
		codec, err := NewCodec(key, d.mode, d.enc, d.keyID)
		if err != nil {
			return nil, xcetl.SpecErrors{self.Errorf("decrypt: %v", err)}
		}
		d.codec = codec
		return d, nil
	}
	var errs xcetl.SpecErrors
	keysNode := nodeOr(env.Node.Get("keys"), &config.Node{Path: config.JoinPath(env.Path, "keys")})
	d.byID = make(map[string]*Codec, len(sp.Keys))
	for _, p := range sp.Keys {
		at := nodeOr(keysNode.Get(p.Key), &config.Node{Path: config.JoinPath(keysNode.Path, p.Key)})
		keyNode := at
		if at.Kind == config.Map {
			keyNode = nodeOr(at.Get("key"), at)
		}
		k, serr := loadKey(env, fmt.Sprintf("decrypt: key %q", p.Key), p.Value.Key, resolve(p.Value.KeyFile, env), keyNode, nodeOr(at.Get("key_file"), at))
		if serr != nil {
			errs = append(errs, serr)
			continue
		}
		codec, err := NewCodec(k, d.mode, d.enc, p.Key)
		if err != nil {
			errs = append(errs, at.Errorf("decrypt: %v", err))
			continue
		}
		d.byID[p.Key] = codec
		d.keyIDs = append(d.keyIDs, p.Key)
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
		i := in.Index(f.Name)
		if i < 0 {
			errs = append(errs, f.Unknown(in))
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
	w.fixed = fixediv.From(ctx) // nil except under xcetl test
	defer func() {
		w.fixed = nil
		e.codec.put(w)
	}()
	if e.codec.batched(w) {
		return e.applyBatched(w, b)
	}
	var (
		text  []byte // a typed value's text
		arena []byte
		err   error
		// The new values' headers, written once each: the values point at
		// them (box.At), no allocation per value.
		texts = make([]string, len(b.Rows)*len(e.idx))
		k     int
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
			texts[k] = stringIn(arena, start)
			row[j] = box.At(&texts[k])
			k++
		}
	}
	return nil
}

// applyBatched is Apply with a cipher that encrypts several blocks per
// call (batch.go): every value of the batch is laid out first, then
// encrypted together, then encoded into one buffer that the new string
// values point into (one allocation per batch), their headers into one
// array and the interface values at those (box.At): no allocation per value.
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
	texts := make([]string, len(bs.items)) // the values' headers, written once each
	for k, it := range bs.items {
		start := len(arena)
		arena = c.appendEncoded(arena, bs.work[it.off:it.off+it.n])
		texts[k] = stringIn(arena, start)
		b.Rows[it.row][it.col] = box.At(&texts[k])
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
		names[i] = f.Name
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
