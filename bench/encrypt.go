package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
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
func (b *bench) encryptScenario(ctx context.Context, data dataFile) error {
	rows := b.o.rows
	sc := &Scenario{Name: "encrypt", Rows: rows, File: data.path, FileBytes: data.bytes,
		Note: "xcetl append with and without SM4-CBC of id_card and phone; empty tables without indexes"}
	keyBytes := make([]byte, sm.KeySize)
	if _, err := rand.Read(keyBytes); err != nil {
		return broken("encrypt: key: %v", err)
	}
	key := hex.EncodeToString(keyBytes)
	b.scrub.Add(key)
	b.env = append(b.env, encryptKeyEnv+"="+key)

	if err := b.db.exec(ctx, "DROP TABLE IF EXISTS bench_enc_plain, bench_enc_sm4",
		createTableSQL("bench_enc_plain", false), createTableSQL("bench_enc_sm4", false)); err != nil {
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
	pc := b.xcetlContender("xcetl append", "encrypt-plain", plain, "bench_enc_plain", rows,
		func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE bench_enc_plain") }, nil)
	pc.Baseline = true
	ec := b.xcetlContender("xcetl append+sm4-cbc", "encrypt-sm4", enc, "bench_enc_sm4", rows,
		func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE bench_enc_sm4") }, nil)
	sc.Contenders = append(sc.Contenders, pc, ec)
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	if err := b.checkEncrypted(ctx, keyBytes); err != nil {
		return broken("encrypt: %v", err)
	}
	fmt.Fprintln(b.out, "check: every id_card and phone of bench_enc_sm4 decrypts to the value in bench_enc_plain; other columns identical")
	return nil
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

// encryptTargets is the encrypt scenario's PASS/FAIL lines.
func encryptTargets(res *Results) []Target {
	c := findContender(res, "encrypt", "xcetl append+")
	if c == nil || c.Ratio <= 0 {
		return nil
	}
	detail := "t(xcetl append) / t(xcetl append + encrypt id_card, phone with SM4-CBC)"
	if plain := findContender(res, "encrypt", "xcetl append"); plain != nil && plain != c {
		if sc := findScenario(res, "encrypt"); sc != nil && sc.Rows > 0 {
			perField := (c.MedianSeconds - plain.MedianSeconds) * 1e9 / float64(2*sc.Rows)
			detail += fmt.Sprintf("; %.0f ns wall-clock per encrypted field", perField)
		}
	}
	ts := speedTarget(res, "encrypt", "encrypt speed", "xcetl append+", encryptRatioTarget, detail)
	for i := range ts {
		ts[i].Xcetl = timing(c, true)
	}
	return append(ts, memoryTarget(res, "encrypt", "encrypt memory", "xcetl append+", rssTargetMiB, "xcetl append + SM4-CBC peak RSS, MiB")...)
}
