package convert_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
)

// BenchmarkConvertSample converts the whole Twitter sample (21,800 lines):
// the per-line path of hawkes convert and of the live reader.
func BenchmarkConvertSample(b *testing.B) {
	in := bytes.Join(sampleLines(b, -1), []byte("\n"))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		_, _, err := convert.Convert(context.Background(), convert.TwitterV1, []convert.Input{{Name: "sample", R: bytes.NewReader(in)}}, convert.Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
}
