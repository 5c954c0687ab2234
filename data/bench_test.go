package data

import (
	"github.com/hawkes-toolkit/hawkes/internal/shared"

	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadSeismic loads seismic_subset (508 cascades, 2.1 M rows,
// 19 MB) from disk; the bytes per second count both files.
func BenchmarkLoadSeismic(b *testing.B) {
	dir := shared.Path(b, "seismic_subset")
	var size int64
	for _, name := range []string{"data.csv", "index.csv"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		size += fi.Size()
	}
	b.SetBytes(size)
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := LoadDir(ctx, dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadEvents parses seismic_subset's event file from memory, to
// separate parsing from file reading.
func BenchmarkReadEvents(b *testing.B) {
	dir := shared.Path(b, "seismic_subset")
	data, err := os.ReadFile(filepath.Join(dir, "data.csv"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "index.csv"))
	if err != nil {
		b.Fatal(err)
	}
	index, err := ReadIndex(f, "index.csv")
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if _, err := ReadEvents(ctx, bytes.NewReader(data), "data.csv", index); err != nil {
			b.Fatal(err)
		}
	}
}
