package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xcetl/xcetl/transform/sm"
)

// encryptRatioTarget: encrypting two columns (id_card, phone, SM4-CBC) keeps at least this share
// of the throughput of the same load without encryption (issue 15), under rssTargetMiB.
const encryptRatioTarget = 0.85

// encryptKeyEnv is the variable the encrypt pipeline reads its key from; the bench sets it to a
// fresh random key for each bench run.
const encryptKeyEnv = "XCETL_BENCH_SM4_KEY"

// encryptLine is the transform the encrypt contender adds after the cast.
const encryptLine = `  - encrypt: {fields: [id_card, phone], key: "${` + encryptKeyEnv + `}", mode: cbc}` + "\n"

// encryptPipelineYAML is the append pipeline with id_card and phone SM4-CBC encrypted.
func encryptPipelineYAML(name, dataFile, table string) string {
	y := pipelineYAML(name, dataFile, table, "append")
	castEnd := strings.Index(y, "  - cast: ")
	castEnd += strings.IndexByte(y[castEnd:], '\n') + 1
	return y[:castEnd] + encryptLine + y[castEnd:]
}

// encryptScenario (`-only encrypt`): the same xcetl append with and without
// `encrypt: {fields: [id_card, phone], mode: cbc}`. The plain xcetl load is the reference, so the
// encrypt contender's ratio is t(plain) / t(encrypt). Both contenders are xcetl: the binary must
// have the encrypt transform.
//
// In the same rounds two more loads store the same ciphertext with no encryption in the client:
// xcetl's plain pipeline and psql \copy, each reading a copy of the CSV whose id_card and phone
// are already encrypted the way the encrypt pipeline stores them. t(xcetl append) / t(xcetl
// append of that copy) is the storage limit: what moving and storing values 2–5 times longer
// costs on xcetl's own path (binary COPY), which no client-side SM4 can beat. The psql pair is
// the same for a user who encrypted elsewhere and loads with psql (the server then also parses
// the longer CSV text).
func (b *bench) encryptScenario(ctx context.Context, data dataFile) error {
	rows := b.o.rows
	sc := &Scenario{Name: "encrypt", Rows: rows, File: data.path, FileBytes: data.bytes,
		Note: "xcetl append with and without SM4-CBC of id_card and phone; xcetl append and psql \\copy of a copy of the CSV with those columns already encrypted (the storage limit); empty tables without indexes"}
	keyBytes := make([]byte, sm.KeySize)
	if _, err := rand.Read(keyBytes); err != nil {
		return broken("encrypt: key: %v", err)
	}
	key := hex.EncodeToString(keyBytes)
	b.scrub.Add(key)
	b.env = append(b.env, encryptKeyEnv+"="+key)

	tables := []string{"bench_enc_plain", "bench_enc_sm4", "bench_enc_cipher", "bench_enc_copy_plain", "bench_enc_copy_sm4"}
	ddl := []string{"DROP TABLE IF EXISTS " + strings.Join(tables, ", ")}
	for _, t := range tables {
		ddl = append(ddl, createTableSQL(t, false))
	}
	if err := b.db.exec(ctx, ddl...); err != nil {
		return broken("encrypt: create tables: %v", err)
	}
	plain := filepath.Join(b.o.dir, "encrypt-plain.yaml")
	enc := filepath.Join(b.o.dir, "encrypt-sm4.yaml")
	if err := writeFile(plain, pipelineYAML("bench_encrypt_plain", filepath.Base(data.path), "bench_enc_plain", "append")); err != nil {
		return broken("%v", err)
	}
	if err := writeFile(enc, encryptPipelineYAML("bench_encrypt_sm4", filepath.Base(data.path), "bench_enc_sm4")); err != nil {
		return broken("%v", err)
	}
	cipherCSV := filepath.Join(b.o.dir, "encrypt-ciphertext.csv")
	if err := encryptedCSV(data.path, cipherCSV, keyBytes); err != nil {
		return broken("encrypt: %v", err)
	}
	defer os.Remove(cipherCSV)
	cipher := filepath.Join(b.o.dir, "encrypt-cipher.yaml")
	if err := writeFile(cipher, pipelineYAML("bench_encrypt_cipher", filepath.Base(cipherCSV), "bench_enc_cipher", "append")); err != nil {
		return broken("%v", err)
	}
	pc := b.xcetlContender(encryptPlainLoad, "encrypt-plain", plain, "bench_enc_plain", rows,
		func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE bench_enc_plain") }, nil)
	pc.Baseline = true
	ec := b.xcetlContender(encryptSM4Load, "encrypt-sm4", enc, "bench_enc_sm4", rows,
		func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE bench_enc_sm4") }, nil)
	cc := b.xcetlContender(encryptCipherLoad, "encrypt-cipher", cipher, "bench_enc_cipher", rows,
		func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE bench_enc_cipher") }, nil)
	sc.Contenders = append(sc.Contenders, pc, ec, cc,
		b.copyContender(encryptCopyPlain, "bench_enc_copy_plain", data.path, rows),
		b.copyContender(encryptCopyCipher, "bench_enc_copy_sm4", cipherCSV, rows))
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	if err := b.checkEncrypted(ctx, keyBytes); err != nil {
		return broken("encrypt: %v", err)
	}
	fmt.Fprintln(b.out, "check: every id_card and phone of bench_enc_sm4 decrypts to the value in bench_enc_plain; other columns identical")
	if err := b.db.sameRows(ctx, "bench_enc_cipher", "bench_enc_copy_sm4"); err != nil {
		return broken("encrypt: xcetl and psql loaded the ciphertext CSV differently: %v", err)
	}
	fmt.Fprintln(b.out, "check: bench_enc_cipher (xcetl) and bench_enc_copy_sm4 (psql) hold identical rows")
	return nil
}

// The encrypt scenario's contenders: xcetl with and without SM4, and the loads of ciphertext
// from a file.
const (
	encryptPlainLoad  = "xcetl append"
	encryptSM4Load    = "xcetl append+sm4-cbc"
	encryptCipherLoad = "xcetl append ciphertext"
	encryptCopyPlain  = `psql \copy plain`
	encryptCopyCipher = `psql \copy ciphertext`
)

// copyContender is psql's \copy of file into table (truncated before every run); not a
// baseline.
func (b *bench) copyContender(name, table, file string, rows int) *Contender {
	return &Contender{
		Name:    name,
		prepare: func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE "+table) },
		argv:    func(int) ([]string, string) { return b.psqlArgv("-c", copyCommand(table, file)), "" },
		verify:  func(ctx context.Context) error { return b.db.expectCount(ctx, table, rows) },
	}
}

// encryptedCSV writes a copy of the CSV src to dst with the id_card and phone fields (身份证号,
// 手机号) SM4-CBC encrypted as the encrypt pipeline stores them: lowercase hex of a fresh IV ‖
// ciphertext, empty fields left empty.
func encryptedCSV(src, dst string, key []byte) error {
	codec, err := sm.NewCodec(key, sm.CBC, sm.Hex, "")
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	r, bw := csv.NewReader(bufio.NewReaderSize(in, 1<<20)), bufio.NewWriterSize(out, 1<<20)
	w := csv.NewWriter(bw)
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	var idx []int
	for _, name := range []string{"身份证号", "手机号"} {
		i := slices.Index(head, name)
		if i < 0 {
			return fmt.Errorf("%s: no column %s", src, name)
		}
		idx = append(idx, i)
	}
	if err := w.Write(head); err != nil {
		return err
	}
	var buf []byte
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		for _, i := range idx {
			if rec[i] == "" {
				continue
			}
			if buf, err = codec.Encrypt(buf[:0], []byte(rec[i])); err != nil {
				return err
			}
			rec[i] = string(buf)
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if w.Flush(); w.Error() != nil {
		return w.Error()
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// checkEncrypted decrypts every encrypted value with the sm package (the format `xcetl sm4
// decrypt` and openssl read) and compares it with the plain load, and checks that the other
// columns are identical.
func (b *bench) checkEncrypted(ctx context.Context, key []byte) error {
	codec, err := sm.NewCodec(key, sm.CBC, sm.Hex, "")
	if err != nil {
		return err
	}
	others := `id, name, gender, birth_date, address, community, score, registered_at`
	n, err := b.db.count(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT %s FROM bench_enc_sm4 EXCEPT ALL SELECT %s FROM bench_enc_plain) d`, others, others))
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("%d rows of bench_enc_sm4 differ from bench_enc_plain outside id_card and phone", n)
	}
	rs, err := b.db.conn.Query(ctx, `SELECT p.id, p.id_card, p.phone, e.id_card, e.phone FROM bench_enc_plain p JOIN bench_enc_sm4 e USING (id)`)
	if err != nil {
		return err
	}
	defer rs.Close()
	checked := 0
	for rs.Next() {
		var id int64
		var pID, pPhone, eID, ePhone *string
		if err := rs.Scan(&id, &pID, &pPhone, &eID, &ePhone); err != nil {
			return err
		}
		for _, pair := range [][2]*string{{pID, eID}, {pPhone, ePhone}} {
			p, e := pair[0], pair[1]
			if (p == nil) != (e == nil) {
				return fmt.Errorf("row id %d: NULL in one table only", id)
			}
			if p == nil {
				continue
			}
			if *p == "" {
				if *e != "" {
					return fmt.Errorf("row id %d: an empty value was encrypted", id)
				}
				continue
			}
			got, err := codec.DecryptText(*e)
			if err != nil {
				return fmt.Errorf("row id %d: %w", id, err)
			}
			if got != *p {
				return fmt.Errorf("row id %d: a value decrypts to something else than the plain load", id)
			}
			checked++
		}
	}
	if err := rs.Err(); err != nil {
		return err
	}
	if checked == 0 {
		return fmt.Errorf("no encrypted value to check")
	}
	return nil
}

// encryptTargets is the encrypt scenario's PASS/FAIL lines, and the storage limit.
func encryptTargets(res *Results) []Target {
	sc := findScenario(res, "encrypt")
	c, plain := findIn(sc, encryptSM4Load), findIn(sc, encryptPlainLoad)
	if c == nil || c.Ratio <= 0 {
		return nil
	}
	detail := "t(xcetl append) / t(xcetl append + encrypt id_card, phone with SM4-CBC)"
	if plain != nil && sc.Rows > 0 {
		perField := (c.MedianSeconds - plain.MedianSeconds) * 1e9 / float64(2*sc.Rows)
		detail += fmt.Sprintf("; %.0f ns wall-clock per encrypted field", perField)
	}
	limit := ratioInfo("encrypt storage limit", plain, findIn(sc, encryptCipherLoad), fmt.Sprintf("t(xcetl append) / t(%s): the same plain pipeline reading a copy of the CSV with id_card and phone already encrypted as the encrypt pipeline stores them; moving and storing the ciphertext, no encryption in the client: the practical limit of the encrypt speed ratio", encryptCipherLoad))
	if len(limit) > 0 {
		detail += fmt.Sprintf("; %.0f%% of the storage limit", 100*c.Ratio/limit[0].Value)
		if lim, _ := roundRatios(plain, findIn(sc, encryptCipherLoad)); lim > 0 && c.PairedRatio > 0 {
			detail += fmt.Sprintf(" (paired by round: %.0f%%)", 100*c.PairedRatio/lim)
		}
	}
	peer := ratioInfo("encrypt, psql peer", findIn(sc, encryptCopyPlain), findIn(sc, encryptCopyCipher), fmt.Sprintf("t(%s) / t(%s): psql loading the CSV and that ciphertext copy (the server also parses the longer CSV text)", encryptCopyPlain, encryptCopyCipher))
	ts := speedTarget(res, "encrypt", "encrypt speed", encryptSM4Load, encryptRatioTarget, detail)
	for i := range ts {
		ts[i].Xcetl = timing(c, true)
	}
	ts = append(append(ts, limit...), peer...)
	return append(ts, memoryTarget(res, "encrypt", "encrypt memory", encryptSM4Load, rssTargetMiB, "xcetl append + SM4-CBC peak RSS, MiB")...)
}

// ratioInfo is an info line t(num) / t(den) on the medians, with the paired ratio in its
// detail; none when either did not run.
func ratioInfo(name string, num, den *Contender, detail string) []Target {
	if num == nil || den == nil || num.MedianSeconds <= 0 || den.MedianSeconds <= 0 {
		return nil
	}
	paired, _ := roundRatios(num, den)
	return []Target{{Name: name, Scenario: "encrypt", Value: num.MedianSeconds / den.MedianSeconds, Op: "info",
		Baseline: timing(num, true), Xcetl: timing(den, true), Detail: fmt.Sprintf("%s; paired by round %.2f", detail, paired)}}
}

// findIn returns the contender of sc called name, or nil.
func findIn(sc *Scenario, name string) *Contender {
	if sc == nil {
		return nil
	}
	for _, c := range sc.Contenders {
		if c.Name == name {
			return c
		}
	}
	return nil
}
