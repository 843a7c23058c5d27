package csv

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// FuzzGBDecoder checks that the ASCII fast path decodes every input exactly
// as x/text's decoder does, whole or fed and drained a byte at a time.
func FuzzGBDecoder(f *testing.F) {
	for _, s := range []string{
		"abc", "\x83\x7c|x", "\x81\x30\x81\x30a", "\x84\x31\xa4\x39", "\xe3\x32\x9a\x35",
		"\x81", "\x81\x30", "\x81\x30\x81", "\xff\x80\x81\x7f", "\x90\x30\x81\x30\x41", "\xfe\x39\xfe\x39",
		"\x81\x3a\x81\x30", "a\x81\x30\x20\x30b", "天津,\"和平\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, gb18030 := range []bool{false, true} {
			var plain transform.Transformer = simplifiedchinese.GBK.NewDecoder()
			if gb18030 {
				plain = simplifiedchinese.GB18030.NewDecoder()
			}
			want, _, err := transform.Bytes(plain, data)
			if err != nil {
				t.Fatalf("x/text: %v", err)
			}
			got, _, err := transform.Bytes(gbDecoder(gb18030), data)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("gb18030=%t % x: got %q (%v), want %q", gb18030, data, got, err, want)
			}
			r := transform.NewReader(iotest.OneByteReader(bytes.NewReader(data)), gbDecoder(gb18030))
			got, err = io.ReadAll(iotest.OneByteReader(r))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("gb18030=%t % x a byte at a time: got %q (%v), want %q", gb18030, data, got, err, want)
			}
		}
	})
}

func TestGBDecoderEveryCharacter(t *testing.T) {
	// Every two-byte sequence, each with ASCII around it, both decoders.
	var b bytes.Buffer
	for c0 := 0x80; c0 <= 0xFF; c0++ {
		for c1 := 0x00; c1 <= 0xFF; c1++ {
			b.WriteByte(byte(c0))
			b.WriteByte(byte(c1))
			b.WriteString("7|")
		}
	}
	// And a sample of four-byte ones, valid and not.
	for c0 := 0x80; c0 <= 0xFF; c0 += 3 {
		for c1 := 0x2F; c1 <= 0x40; c1++ {
			for c2 := 0x80; c2 <= 0xFF; c2 += 5 {
				for _, c3 := range []byte{0x2F, 0x30, 0x35, 0x39, 0x3A, 0x81} {
					b.Write([]byte{byte(c0), byte(c1), byte(c2), c3, ','})
				}
			}
		}
	}
	data := b.Bytes()
	for _, gb18030 := range []bool{false, true} {
		var plain transform.Transformer = simplifiedchinese.GBK.NewDecoder()
		if gb18030 {
			plain = simplifiedchinese.GB18030.NewDecoder()
		}
		want, _, _ := transform.Bytes(plain, data)
		got, err := io.ReadAll(transform.NewReader(iotest.HalfReader(bytes.NewReader(data)), gbDecoder(gb18030)))
		if err != nil || !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("gb18030=%t: output differs from x/text at byte %d (%v)", gb18030, i, err)
		}
	}
}

// BenchmarkGBDecoder compares x/text's GB18030 decoder with the ASCII fast
// path on a typical Chinese export.
func BenchmarkGBDecoder(b *testing.B) {
	var sb bytes.Buffer
	line := gb18030(b, "张三,110101199003071234,13812345678,1990-03-07,120101,\"天津市和平区滨海路8号, 3单元\",86.50,2024-05-01 12:30:00,\n")
	for range 20000 {
		sb.WriteString(line)
	}
	data := sb.Bytes()
	for _, bc := range []struct {
		name string
		dec  func() transform.Transformer
	}{
		{"x-text", func() transform.Transformer { return simplifiedchinese.GB18030.NewDecoder() }},
		{"ascii-fast", func() transform.Transformer { return gbDecoder(true) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := io.Copy(io.Discard, transform.NewReader(bytes.NewReader(data), bc.dec())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestCleanReader(t *testing.T) {
	gbBad := []byte("a,b\n1,\xef\xbf\xbd\n") // U+FFFD as a GB decoder writes it
	tests := []struct {
		name        string
		in          []byte
		replacement bool
		dirty       bool
	}{
		{"ascii", []byte("a,b\n1,2\n"), false, false},
		{"chinese utf-8", []byte("编号,姓名\n1,张三\n"), false, false},
		{"invalid utf-8", []byte("编号,姓名\n1,\xff张三\n"), false, true},
		{"truncated at end", []byte("a\n\xe5\xbc"), false, true},
		{"fffd in utf-8 is text", []byte("a\n\xef\xbf\xbd\n"), false, false},
		{"fffd from a gb decoder", gbBad, true, true},
		{"clean gb output", []byte("编号\n1\n"), true, false},
	}
	for _, tt := range tests {
		// Every way of cutting the input into reads must give the same
		// answer: characters split across reads are carried over.
		for chunk := 1; chunk <= len(tt.in); chunk++ {
			c := &cleanReader{r: &chunkReader{b: tt.in, n: chunk}, replacement: tt.replacement}
			if _, err := io.ReadAll(c); err != nil {
				t.Fatal(err)
			}
			if c.dirty != tt.dirty {
				t.Errorf("%s, reads of %d bytes: dirty = %v, want %v", tt.name, chunk, c.dirty, tt.dirty)
			}
		}
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.b))
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}
