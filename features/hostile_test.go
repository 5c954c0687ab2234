package features

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
)

// zeros reads n zero bytes: a file without line ends.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	clear(p[:k])
	z.n -= k
	return k, nil
}

// Hostile: a features file with a 1 MiB line, or 1 GiB without a line end -> *csv.ParseError wrapping data.ErrLineTooLong on that line, after reading data.MaxLineBytes of it
func TestHostileFeaturesHugeLine(t *testing.T) {
	header := strings.Join(Columns(), ",") + "\n"
	for _, tc := range []struct {
		name string
		r    io.Reader
		line int
	}{
		{"a row of 1 MiB", strings.NewReader(header + strings.Repeat("1", 1<<20) + "\n"), 2},
		{"1 GiB of zeros", &zeros{n: 1 << 30}, 1},
		{"the header, then 1 GiB", io.MultiReader(strings.NewReader(header), &zeros{n: 1 << 30}), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.r)
			var pe *csv.ParseError
			if !errors.Is(err, data.ErrLineTooLong) || !errors.As(err, &pe) || pe.Line != tc.line {
				t.Errorf("err = %v, want a *csv.ParseError on line %d wrapping data.ErrLineTooLong", err, tc.line)
			}
		})
	}
	// A row of exactly the bound, its line end included, is not refused
	// for its length (it is for its content).
	row := strings.Repeat("1", data.MaxLineBytes-1) + "\n"
	if _, err := Read(strings.NewReader(header + row)); errors.Is(err, data.ErrLineTooLong) {
		t.Errorf("a row of data.MaxLineBytes: %v", err)
	}
}
