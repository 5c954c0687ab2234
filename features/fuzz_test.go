package features

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseErrorLine returns the line of the *csv.ParseError in err's chain, or
// -1 when there is none.
func parseErrorLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return -1
}

// FuzzRead checks that Read never panics, and that whatever it accepts is
// written back by Write and read again to the same rows.
func FuzzRead(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "rows.golden.csv"))
	if err != nil {
		f.Fatal(err)
	}
	header := strings.Join(Columns(), ",") + "\n"
	f.Add(golden)
	f.Add([]byte(header))
	f.Add([]byte(header + "a,600,ok,1,2,0.5,,,,,,,,,,3\n"))
	f.Add([]byte(header + "\"a\nb\",1e3,failed,0,0,,,,,,,,,,,\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := Read(bytes.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, rows); err != nil {
			t.Fatalf("Write of rows read: %v", err)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("Read of rows written: %v\n%s", err, buf.String())
		}
		if len(again) != len(rows) {
			t.Fatalf("%d rows read back, want %d", len(again), len(rows))
		}
		for i := range rows {
			if again[i] != rows[i] {
				t.Errorf("row %d\n got %+v\nwant %+v", i, again[i], rows[i])
			}
		}
	})
}
