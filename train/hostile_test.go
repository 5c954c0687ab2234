package train

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bomb returns a model file whose header is that of a small valid model with
// raw_bytes set to claim, and whose body is body.
func bomb(t *testing.T, claim int, body []byte) []byte {
	t.Helper()
	m, _ := testModel(t, 100, 3)
	good, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	header, _ := parts(t, good)
	header["forest"].(map[string]any)["raw_bytes"] = claim
	hj, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte(Magic)
	out = binary.BigEndian.AppendUint16(out, 1)
	out = binary.BigEndian.AppendUint32(out, uint32(len(hj)))
	out = append(out, hj...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// deflatedZeros returns n zero bytes deflated: 64 MiB deflate to about
// 64 KB.
func deflatedZeros(t *testing.T, n int64) []byte {
	t.Helper()
	var body bytes.Buffer
	zw, _ := flate.NewWriter(&body, flate.BestSpeed)
	if _, err := io.CopyN(zw, zeroReader{}, n); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return body.Bytes()
}

// zeroReader reads zeros without end.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Hostile: a model file of 64 KB whose body inflates to 64 MiB, claiming 1 GiB, the 32 MiB bound or 1 KB once inflated -> refused as corrupt before the body is kept, allocating under 1 MiB beyond the file
func TestHostileModelHugeBody(t *testing.T) {
	body := deflatedZeros(t, 64<<20) // twice MaxRawBytes once inflated
	for _, tc := range []struct {
		name  string
		claim int
		text  string
	}{
		{"claims 1 GiB", 1 << 30, "raw body of 1073741824 bytes, limit"},
		{"claims the bound", MaxRawBytes, "or more, header says"},
		{"claims 1 KB", 1000, "inflates to 1001 bytes or more, header says 1000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := bomb(t, tc.claim, body)
			if len(file) > 128<<10 {
				t.Fatalf("the file has %d bytes, want a small one", len(file))
			}
			var err error
			start := time.Now()
			n := allocated(func() { _, err = ReadModel(bytes.NewReader(file)) })
			elapsed := time.Since(start)
			t.Logf("%d-byte file: %d bytes allocated in %v", len(file), n, elapsed)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want ErrCorrupt mentioning %q", err, tc.text)
			}
			// The file is read into memory once (its body) and the
			// decompressor needs its window: 1 MiB is plenty.
			if limit := uint64(len(file)) + 1<<20; n > limit {
				t.Errorf("reading a %d-byte file allocated %d bytes, want at most %d", len(file), n, limit)
			}
			if elapsed > 5*time.Second {
				t.Errorf("refusing it took %v", elapsed)
			}
		})
	}
}

// Hostile: bytes after a model in a file or message -> refused as corrupt by ReadModelAll and UnmarshalBinary, reading at most one byte past the model even from an endless reader
func TestHostileModelTrailingBytes(t *testing.T) {
	m, _ := testModel(t, 100, 3)
	good, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadModelAll(bytes.NewReader(good)); err != nil {
		t.Fatalf("a model alone: %v", err)
	}
	for _, tc := range []struct {
		name string
		r    io.Reader
		text string
	}{
		{"one byte", bytes.NewReader(append(bytes.Clone(good), 0)), "1 bytes after the model"},
		{"a second model", bytes.NewReader(append(bytes.Clone(good), good...)), "bytes after the model"},
		{"endless zeros", io.MultiReader(bytes.NewReader(good), zeroReader{}), "bytes after the model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadModelAll(tc.r)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("err = %v, want ErrCorrupt mentioning %q", err, tc.text)
			}
		})
	}
	var got Model
	if err := got.UnmarshalBinary(append(bytes.Clone(good), '\n')); !errors.Is(err, ErrCorrupt) {
		t.Errorf("UnmarshalBinary with a trailing newline: err = %v, want ErrCorrupt", err)
	}
}
