package sm

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

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
	Fields   []string                `yaml:"fields,required"`
	Key      xcetl.Secret            `yaml:"key"`
	KeyFile  string                  `yaml:"key_file"`
	KeyID    string                  `yaml:"key_id"`
	Keys     map[string]xcetl.Secret `yaml:"keys"` // decrypt only
	Mode     string                  `yaml:"mode"`
	Encoding string                  `yaml:"encoding"`
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
type Decrypt struct {
	crypt
	codec *Codec            // single key (key / key_file)
	byID  map[string]*Codec // keys:
}

func nodeErr(n *config.Node, msg string) *xcetl.SpecError {
	if n == nil {
		return &xcetl.SpecError{Msg: msg}
	}
	return n.Errorf("%s", msg)
}

// parseCrypt decodes and checks everything but the keys.
func parseCrypt(name string, n *config.Node, env transform.Env) (cryptConfig, crypt, xcetl.SpecErrors) {
	var cfg cryptConfig
	c := crypt{name: name}
	if n == nil || n.Kind != config.Map {
		return cfg, c, xcetl.SpecErrors{nodeErr(n, name+" takes a mapping, e.g. {fields: [id_card], key: \"${XCETL_SM4_KEY}\", mode: cbc}")}
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
		errs = append(errs, fn.Errorf("fields: list at least one column"))
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
	if cfg.KeyFile != "" {
		c.keyFile = cfg.KeyFile
		if !filepath.IsAbs(cfg.KeyFile) && env.BaseDir != "" {
			c.keyFile = filepath.Join(env.BaseDir, cfg.KeyFile)
		}
	}
	return cfg, c, errs
}

// loadKey returns the single key of key / key_file, decoded. Messages name
// the key's place in the file, never its value.
func loadKey(name string, n *config.Node, cfg cryptConfig, keyFile string) ([]byte, *xcetl.SpecError) {
	keyNode, fileNode := n.Get("key"), n.Get("key_file")
	switch {
	case !cfg.Key.IsZero() && keyFile != "":
		return nil, fileNode.Errorf("give key or key_file, not both")
	case keyFile != "":
		s, err := ReadKeyFile(keyFile)
		if err != nil {
			return nil, fileNode.Errorf("%s: %v", name, err)
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, fileNode.Errorf("%s: key file %s: %v", name, keyFile, err)
		}
		return k, nil
	case !cfg.Key.IsZero():
		k, err := ParseKey(cfg.Key.Reveal())
		if err != nil {
			return nil, keyNode.Errorf("%s: key: %v", name, err)
		}
		return k, nil
	}
	if keyNode != nil {
		return nil, keyNode.Errorf("%s: key is empty (is the environment variable set to an empty value?)", name)
	}
	return nil, n.Errorf("%s needs key (32 hex characters, e.g. \"${XCETL_SM4_KEY}\") or key_file", name)
}

func newEncrypt(n *config.Node, env transform.Env) (transform.Transform, error) {
	cfg, c, errs := parseCrypt("encrypt", n, env)
	if len(errs) > 0 {
		return nil, errs
	}
	if cfg.Keys != nil {
		return nil, xcetl.SpecErrors{n.Get("keys").Errorf("keys: is for decrypt; encrypt takes one key (key or key_file) and key_id")}
	}
	key, serr := loadKey("encrypt", n, cfg, c.keyFile)
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
	if len(errs) > 0 {
		return nil, errs
	}
	d := &Decrypt{crypt: c}
	if cfg.Keys != nil {
		kn := n.Get("keys")
		if !cfg.Key.IsZero() || cfg.KeyFile != "" || cfg.KeyID != "" {
			return nil, xcetl.SpecErrors{kn.Errorf("give either keys: {id: key, …} or one key (key / key_file / key_id), not both")}
		}
		if len(cfg.Keys) == 0 {
			return nil, xcetl.SpecErrors{kn.Errorf("keys: name at least one key id, e.g. {k2024: \"${K1}\"}")}
		}
		d.byID = make(map[string]*Codec, len(cfg.Keys))
		for _, e := range kn.Entries {
			if err := CheckKeyID(e.Key); err != nil {
				errs = append(errs, &xcetl.SpecError{Pos: e.KeyPos, Path: e.Value.Path, Msg: err.Error()})
				continue
			}
			k, err := ParseKey(cfg.Keys[e.Key].Reveal())
			if err != nil {
				errs = append(errs, e.Value.Errorf("decrypt: key %q: %v", e.Key, err))
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
	key, serr := loadKey("decrypt", n, cfg, c.keyFile)
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

// bind finds the fields and makes them string columns.
func (c *crypt) bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	idx := make([]int, 0, len(c.fields))
	for _, f := range c.fields {
		i := in.Index(f.name)
		if i < 0 {
			errs = append(errs, transform.UnknownColumn(f.pos, f.path, f.name, in))
			continue
		}
		// Ciphertext is longer than the text; a length limit would
		// truncate it at the target.
		out.Columns[i].Type = xcetl.Type{Kind: xcetl.KindString}
		idx = append(idx, i)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	c.in, c.out, c.idx = in, out, idx
	return out, nil
}

// Bind checks the fields against the input; they become string columns.
func (e *Encrypt) Bind(in *xcetl.Schema) (*xcetl.Schema, error) { return e.bind(in) }

// Bind checks the fields against the input; they become string columns.
func (d *Decrypt) Bind(in *xcetl.Schema) (*xcetl.Schema, error) { return d.bind(in) }

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

// Apply encrypts the fields of every unmarked row in place. It borrows one
// cipher state for the whole batch.
func (e *Encrypt) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.check(b); err != nil {
		return err
	}
	w := e.codec.get()
	defer e.codec.put(w)
	var text, out []byte
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for _, j := range e.idx {
			var plain []byte
			switch v := row[j].(type) {
			case nil:
				continue
			case string:
				if v == "" {
					continue
				}
				text = append(text[:0], v...)
				plain = text
			case []byte:
				if len(v) == 0 {
					continue
				}
				plain = v
			default:
				text = xcetl.AppendText(text[:0], v, e.in.Columns[j].Type.Kind)
				plain = text
			}
			var err error
			if out, err = e.codec.encrypt(w, out[:0], plain); err != nil {
				return fmt.Errorf("encrypt %s: %w", e.in.Columns[j].Name, err)
			}
			row[j] = string(out)
		}
	}
	return nil
}

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
	var w *worker
	if d.codec != nil {
		w = d.codec.get()
		defer d.codec.put(w)
	}
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
			plain, err := d.decryptOne(w, s)
			if err != nil {
				col := d.in.Columns[j].Name
				b.Reject(i, col, "decrypt "+col+": "+err.Error())
				break
			}
			row[j] = plain
		}
	}
	return nil
}

func (d *Decrypt) decryptOne(w *worker, s string) (string, error) {
	if d.codec != nil {
		return d.codec.decryptText(w, s)
	}
	id, _, ok := strings.Cut(s, "$")
	if !ok {
		return "", fmt.Errorf("%w: the value has no key id prefix (expected one of %s followed by $)", ErrDecrypt, strings.Join(d.keyIDs, ", "))
	}
	c := d.byID[id]
	if c == nil {
		return "", fmt.Errorf("%w: unknown key id %q (keys: has %s)", ErrDecrypt, trunc([]byte(id)), strings.Join(d.keyIDs, ", "))
	}
	return c.DecryptText(s)
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
	if d.byID != nil {
		return d.describe("key ids " + strings.Join(d.keyIDs, ", ") + " [keys redacted]")
	}
	return d.describe(d.keyDesc())
}
